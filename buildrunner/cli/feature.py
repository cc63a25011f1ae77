"""`br feature`: a small features registry (.buildrunner/features.json) counted by the thresholds."""

from __future__ import annotations

import click

from buildrunner.cli.build import initialized_project
from buildrunner.cli.output import emit_json


def _registry():
    from buildrunner.telemetry.features import FeatureRegistry

    return FeatureRegistry(initialized_project())


@click.group()
def feature() -> None:
    """Track features: add, start, complete, list."""


@feature.command()
@click.argument("name")
@click.option("--complexity", type=click.Choice(["simple", "medium", "complex"]), default="medium", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def add(name: str, complexity: str, as_json: bool) -> int:
    """Register a feature NAME."""
    f = _registry().add(name, complexity)
    emit_json(f) if as_json else click.echo(f"Added {f['id']}: {f['name']} ({f['complexity']})")
    return 0


@feature.command()
@click.argument("feature_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def start(feature_id: str, as_json: bool) -> int:
    """Mark FEATURE_ID as in progress."""
    f = _registry().start(feature_id)
    emit_json(f) if as_json else click.echo(f"Started {f['id']}: {f['name']}")
    return 0


@feature.command()
@click.argument("feature_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def complete(feature_id: str, as_json: bool) -> int:
    """Mark FEATURE_ID as done (its duration is recorded)."""
    f = _registry().complete(feature_id)
    if as_json:
        emit_json(f)
    else:
        hours = f.get("duration_hours")
        click.echo(f"Completed {f['id']}: {f['name']}" + (f" in {hours:.2f} h" if hours is not None else ""))
    return 0


@feature.command(name="list")
@click.option("--status", type=click.Choice(["planned", "in_progress", "done"]), help="Only features in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(status: str | None, as_json: bool) -> int:
    """List features."""
    features = _registry().list(status)
    if as_json:
        emit_json(features)
        return 0
    if not features:
        click.echo("No features yet. Add one: br feature add \"Login page\" --complexity medium")
        return 0
    for f in features:
        click.echo(f"{f['id']:<6} {f['status']:<12} {f['complexity']:<8} {f['name']}")
    done = sum(1 for f in features if f["status"] == "done")
    click.echo(f"{len(features)} feature(s), {done} done")
    return 0
