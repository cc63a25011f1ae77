"""`br gaps analyze`: repository-level gaps (rules of kind "repo" in rules/gaps.yaml)."""

from __future__ import annotations

import click

from buildrunner.quality import project_at


@click.group()
def gaps() -> None:
    """Find project gaps: unignored .env, .env in history, secrets, no tests, low coverage, no hook."""


@gaps.command("analyze")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; only the exit code tells (1 = gaps found).")
def analyze_cmd(path, as_json, fmt, output, quiet) -> int:
    """Check the repository for gaps; each comes with severity, files and a remediation. Exit 1 if any."""
    import json

    from buildrunner import config as cfg
    from buildrunner.cli.output import write_output
    from buildrunner.quality.gaps import analyze
    from buildrunner.engine.rules import load_rules

    project = project_at(path)
    conf = cfg.load(project)
    rules = load_rules(project, kinds=("repo",)).rules
    found = analyze(project, conf, rules)
    if quiet:
        return 1 if found else 0
    if as_json or fmt == "json":
        text = json.dumps({"root": str(project.root), "rules_run": len([r for r in rules if r.enabled]),
                           "gaps": [g.to_dict() for g in found]}, indent=2)
    else:
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
        text = "\n".join(lines) + "\n"
    write_output(text, output)
    return 1 if found else 0
