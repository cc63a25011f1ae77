"""`br build`: record build runs; `br build start <phase>` also writes that phase's starter spec."""

from __future__ import annotations

import click

from buildrunner.cli.output import emit_json
from buildrunner.errors import BrError
from buildrunner.project import discover


def initialized_project():
    """The current project, or a usage error when `br init` has not been run (also `br feature`'s)."""
    project = discover()
    if not project.br_dir.is_dir():
        raise BrError("no .buildrunner/ directory here", hint="run `br init` first")
    return project


@click.group()
def build() -> None:
    """Record build runs: start, complete, list."""


@build.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Rewrite the phase spec even if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def start(name: str, force: bool, as_json: bool) -> int:
    """Start a build run NAME (a learning phase id writes .buildrunner/specs/<phase>.md)."""
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.features import BuildRecords, write_phase_spec
    from buildrunner.telemetry.thresholds import ThresholdMonitor, load_phases

    project = initialized_project()
    records = BuildRecords(project)
    records.ensure_idle()  # before the spec: a refused start must not write (or --force rewrite) it
    phase = next((p for p in load_phases() if p["id"] == name), None)
    spec = None
    if phase:
        monitor = ThresholdMonitor(project, TelemetryCollector(project).summary())
        spec = write_phase_spec(project, phase, monitor.progress(phase), force=force)
    run = records.start(name, phase=phase["id"] if phase else None,
                                      spec=project.relpath(spec) if spec else None)
    if as_json:
        emit_json(run)
    else:
        click.echo(f"Build {run['id']} started: {name}")
        if spec:
            click.echo(f"  spec: {project.relpath(spec)}")
        click.echo("  finish with: br build complete   (or --failed)")
    return 0


@build.command()
@click.option("--failed", is_flag=True, help="The build did not succeed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def complete(failed: bool, as_json: bool) -> int:
    """Complete the running build run."""
    from buildrunner.telemetry.features import BuildRecords

    run = BuildRecords(initialized_project()).complete(success=not failed)
    if as_json:
        emit_json(run)
    else:
        click.echo(f"Build {run['id']} ({run['name']}) {run['status']} after {run['duration_hours']:.2f} h")
    return 0


@build.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> int:
    """List build runs."""
    from buildrunner.telemetry.features import BuildRecords

    runs = BuildRecords(initialized_project()).list()
    if as_json:
        emit_json(runs)
        return 0
    for r in runs:
        click.echo(f"{r['id']:<6} {r['status']:<10} {r['started_at']}  {r['name']}")
    if not runs:
        click.echo("No build runs yet: br build start <name>")
    return 0
