"""`br gaps analyze`: repository-level gaps (rules of kind "repo" in rules/gaps.yaml)."""

from __future__ import annotations

import click

from buildrunner.engine.model import SEVERITY_NAMES
from buildrunner.engine.reporters import FORMATS
from buildrunner.quality import project_at


@click.group()
def gaps() -> None:
    """Find project gaps: unignored .env, .env in history, secrets, no tests, low coverage, no hook."""


@gaps.command("analyze")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text and json list gaps; sarif, gcc and github report one finding per file concerned.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; only the exit code tells (1 = gaps found).")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), metavar="SEVERITY",
              help="Exit 1 only for gaps at or above SEVERITY; the report still lists the rest.")
def analyze_cmd(path, as_json, fmt, output, quiet, fail_on) -> int:
    """Check the repository for gaps; each comes with severity, files and a remediation. Exit 1 if any."""
    from buildrunner import config as cfg
    from buildrunner.cli.output import write_output
    from buildrunner.engine.model import at_or_above
    from buildrunner.engine.rules import load_rules
    from buildrunner.quality.gaps import analyze

    project = project_at(path)
    conf = cfg.load(project)
    rules = load_rules(project, kinds=("repo",)).rules
    found = analyze(project, conf, rules)
    code = 1 if any(at_or_above(g.severity, fail_on) for g in found) else 0
    if quiet:
        return code
    fmt = "json" if as_json else fmt
    if fmt == "json":
        import json

        text = json.dumps({"root": str(project.root), "rules_run": len([r for r in rules if r.enabled]),
                           "gaps": [g.to_dict() for g in found]}, indent=2)
    elif fmt == "text":
        text = _render_text(found, rules)
    else:
        from buildrunner.engine.reporters import render
        from buildrunner.quality.gaps import gaps_result

        text = render(fmt, gaps_result(found, rules, str(project.root)))
    write_output(text, output)
    return code


def _render_text(found, rules) -> str:
    lines = []
    for g in found:
        lines.append(f"{g.severity.upper():<8}  {g.rule_id}  {g.name}")
        lines.append(f"          {g.description}")
        if g.detail:
            lines.append(f"          {g.detail}")
        if g.files:
            shown = ", ".join(g.files[:10]) + (f" (+{len(g.files) - 10} more)" if len(g.files) > 10 else "")
            lines.append(f"          files: {shown}")
        lines.append(f"          fix: {g.remediation}")
        lines.append("")
    n = len([r for r in rules if r.enabled])
    lines.append(f"{len(found)} gap(s) found by {n} rule(s)" if found else f"no gaps found by {n} rule(s)")
    return "\n".join(lines) + "\n"
