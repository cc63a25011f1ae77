"""`br quality check`: the Tier 1 gate (secrets, SQL injection, coverage) with scores."""

from __future__ import annotations

import click

from buildrunner.engine.model import SEVERITY_NAMES
from buildrunner.quality import project_at

FORMATS = ("text", "json", "sarif", "gcc", "github")


@click.group()
def quality() -> None:
    """Run the Tier 1 quality gate (secrets, SQL injection, coverage)."""


def render_text(gate, color: bool | None = None, quiet: bool = False) -> str:
    from buildrunner.engine.reporters import render

    out = []
    if not quiet:
        for check in gate.checks:
            if check.result.findings and check.name != "coverage":
                out.append(render("text", check.result, color=color, quiet=True).rstrip("\n"))
    out.append("Tier 1 quality gate" + (f" (changed lines since {gate.base})" if gate.base else ""))
    for check in gate.checks:
        score = "n/a" if check.score is None else f"{check.score:>3}"
        out.append(f"  {check.status:<4}  {check.name:<14} {score:>4}  {check.summary}")
        for note in check.notes:
            out.append(f"        {note}")
        if check.coverage is not None and not quiet:
            from buildrunner.quality.checks import format_ranges

            for f in check.coverage.files:
                if f.uncovered:
                    out.append(f"        {f.path}: uncovered changed line(s) {format_ranges(f.uncovered)}")
    score = "n/a" if gate.score is None else gate.score
    out.append(f"  {'PASS' if gate.passed else 'FAIL'}  {'overall':<14} {score:>4}")
    out.extend(f"  warning: {w}" for w in gate.warnings)
    return "\n".join(out) + "\n"


@quality.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--base", metavar="REV", help="Also check coverage of the lines changed since REV (CI).")
@click.option("--quiet", "-q", is_flag=True, help="Only the score table (text).")
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default: security.jobs).")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), metavar="SEVERITY",
              help="Secrets/SQL injection fail the gate only at or above SEVERITY; coverage keeps its verdict.")
def check_cmd(path, fmt, as_json, output, base, quiet, jobs, fail_on) -> int:
    """Run secrets, SQL injection and coverage on PATH (default: this project); score each check
    (0-100) and overall; exit 1 when any check fails. `--format sarif` writes one SARIF log with
    one run per check, ready for GitHub code scanning."""
    import json

    from buildrunner import config as cfg
    from buildrunner.cli.output import write_output
    from buildrunner.quality.gate import combined_result, run_gate, sarif_runs

    project = project_at(path)
    gate = run_gate(project, cfg.load(project), base=base, jobs=jobs)
    fmt = "json" if as_json else fmt
    if fmt == "text":
        text = render_text(gate, color=None if not output else False, quiet=quiet)
    elif fmt == "json":
        text = json.dumps(gate.to_dict(), indent=2, default=str)
    elif fmt == "sarif":
        from buildrunner.engine.reporters import sarif_document

        doc = sarif_document(sarif_runs(gate))
        for run, check in zip(doc["runs"], gate.checks, strict=True):  # each run carries its check's verdict
            run.setdefault("properties", {}).update(gateCheck=check.name, gateScore=check.score,
                                                    gatePassed=check.passed, gateSummary=check.summary)
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    else:
        from buildrunner.engine.reporters import render

        text = render(fmt, combined_result(gate))
    write_output(text, output)
    return gate.exit_code_at(fail_on)
