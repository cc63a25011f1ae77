"""`br coverage check` and `br coverage run`: total and changed-line coverage from existing data."""

from __future__ import annotations

import click

from buildrunner.project import discover
from buildrunner.quality import project_at


@click.group()
def coverage() -> None:
    """Check total and changed-line test coverage (reads .coverage, coverage.xml, coverage.json, lcov.info)."""


def _render_text(report) -> str:
    from buildrunner.quality.checks import format_ranges

    lines = []
    if report.data_files:
        shown = ", ".join(f"{d['path']} ({d['format']})" for d in report.data_files)
        lines.append(f"Data          {shown}; freshness by {report.freshness}")
    else:
        lines.append("Data          none found")
    total = report.total_percent
    if report.checked_total and report.data_found:
        lines.append(f"Total         {total:.1f}% of {report.total_statements} statements (minimum {report.minimum}%)"
                     if total is not None else "Total         no measurable statements")
    if report.mode != "total":
        covered, uncovered, unknown = report.diff_counts
        pct = report.diff_percent
        what = "staged lines" if report.mode == "staged" else "changed lines"
        if pct is not None:
            lines.append(f"Changed       {pct:.1f}% of {covered + uncovered} executable {what} "
                         f"(minimum {report.diff_minimum}%)" + (f", {unknown} unknown" if unknown else ""))
        else:
            lines.append(f"Changed       no measurable {what}" + (f" ({unknown} unknown)" if unknown else ""))
        for f in report.files:
            if f.uncovered:
                lines.append(f"  {f.path}: uncovered {format_ranges(f.uncovered)}")
            if f.unknown:
                lines.append(f"  {f.path}: unknown (changed after the data was produced) {format_ranges(f.unknown)}")
    for m in report.messages:
        lines.append(f"{m.level}: {m.text}")
    lines.append(("PASS" if report.passed else "FAIL") + f"  coverage score {report.score if report.score is not None else 'n/a'}")
    return "\n".join(lines) + "\n"


@coverage.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--base", metavar="REV", help="Also check lines changed since the merge base with REV (CI).")
@click.option("--staged", is_flag=True, help="Also check the staged lines (what the pre-commit hook checks).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; only the exit code tells.")
def check_cmd(path, base, staged, fmt, as_json, output, quiet) -> int:
    """Show total and changed-line coverage, the uncovered changed lines, and pass or fail."""
    from buildrunner import config as cfg
    from buildrunner.coverage.check import changed_from_documents, changed_since, run_check
    from buildrunner.errors import BrError

    if base and staged:
        raise BrError("--base and --staged are exclusive: pick the lines to check")
    project = project_at(path)
    conf = cfg.load(project)
    changed, mode = None, "total"
    if staged or base:
        from buildrunner.engine import gitio
        from buildrunner.errors import NotAGitRepository

        try:
            gitio.require_repo(project)
        except NotAGitRepository as exc:  # the generic hint names `br security check`
            raise NotAGitRepository(exc.message, hint=f"{'--staged' if staged else '--base'} compares with git; "
                                                   "run `git init`, or check total coverage without it") from None
    if staged:
        from buildrunner.engine import sources
        from buildrunner.engine.model import Document

        docs = [d for d in sources.staged(project, conf) if isinstance(d, Document)]
        changed, mode = changed_from_documents(docs), "staged"
    elif base:
        changed, mode = changed_since(project, base), "base"
    report = run_check(project, conf, changed=changed, mode=mode)
    if not quiet:
        from buildrunner.cli.output import write_output

        if as_json or fmt == "json":
            import json

            write_output(json.dumps(report.to_dict(), indent=2), output)
        else:
            write_output(_render_text(report), output)
    return 0 if report.passed else 1


@coverage.command("run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run_cmd(command: tuple[str, ...]) -> int:
    """Run the tests under coverage (`br coverage run -- CMD...`), then record which file versions
    were measured, so later checks know whether the data is stale.

    Without CMD: security.coverage_command, or `coverage run -m pytest && coverage xml`.
    Exit code: the command's.
    """
    from buildrunner import config as cfg
    from buildrunner.coverage.run import run_and_record

    project = discover()
    conf = cfg.load(project)
    result = run_and_record(project, conf, list(command))
    click.echo(result.message, err=True)
    return result.exit_code
