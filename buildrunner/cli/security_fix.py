"""`br security fix [PATH...] [--dry-run]` and the `check --fix` hook: rewrite Python and
JavaScript/TypeScript SQL injection findings into parameterized queries where that is provably safe, print the diff, leave the rest.

Registered into the `security` group by `cli/security.py` (which also calls `fix_findings` for
`br security check --fix`). libcst is imported only here, never on the scan/hook path.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from buildrunner.errors import BrError

STYLES = ("auto", "qmark", "format", "pyformat", "numeric", "named", "dollar")


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Print the diff and change nothing (exit 1 if there is something to fix).")
@click.option("--placeholder", type=click.Choice(STYLES), default=None,
              help="Placeholder style (default: security.sql_placeholder, auto = from the driver imported).")
@click.option("--json", "as_json", is_flag=True, help="Print what was (or would be) changed as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when there is nothing to fix.")
@click.option("--no-color", is_flag=True, help="Disable colour (also NO_COLOR=1).")
def fix(paths, dry_run, placeholder, as_json, quiet, no_color):
    """Rewrite SQL injection in Python and JavaScript/TypeScript files (PATHs, default: the
    repository) into parameterized queries: f-strings, %, .format(), template literals and +
    concatenation become placeholders + parameters (JS: mysql/mysql2, pg, better-sqlite3).

    \b
    Only rewrites it can prove equivalent; everything else is listed with the reason.
    Exit codes: 0 nothing left to fix, 1 findings remain (or --dry-run has changes), 2 usage error.
    """
    if no_color:
        os.environ["NO_COLOR"] = "1"
    from buildrunner.cli.security import project_and_config, run_scan

    project, config = project_and_config()
    # JavaScript/TypeScript findings are fixed for the drivers fixes/javascript.py knows; the others
    # are listed with the reason (and exit 1), not silently "nothing to fix".
    result = run_scan(project, config, paths=paths, rule_prefixes=("python.sql-injection", "javascript.sql-injection"),
                      quiet=True)
    return fix_findings(project, result, config=config, quiet=quiet, dry_run=dry_run,
                        placeholder=placeholder, as_json=as_json, diff_to_stdout=True)


def fix_findings(project, result, *, config=None, quiet: bool = False, dry_run: bool = False,
                 placeholder: str | None = None, as_json: bool = False, diff_to_stdout: bool = False) -> int:
    """Apply (or with dry_run, show) the safe rewrites for `result`'s Python SQL injection findings.

    Fixed findings are removed from `result.findings` (so a following report shows what is left).
    The diff goes to stderr unless `diff_to_stdout` (`check --fix` keeps stdout for its report).
    Returns the exit code: 1 when findings remain or a dry run has changes, else 0."""
    from buildrunner.engine.fixes.apply import fix_text, fixable_findings_by_path, unified_diff

    style = placeholder or (config.get("security.sql_placeholder") if config is not None else "auto")
    rules = [r for r in result.rules if r.kind == "code"]
    salt = config.get("security.fingerprint_salt") if config is not None else ""
    groups = fixable_findings_by_path(result.findings)
    elsewhere = [f for f in result.findings if f.rule_id.startswith(("python.sql-injection.", "javascript.sql-injection."))
                 and f.origin.kind != "file"]
    if elsewhere and not as_json:
        click.echo(f"br: {len(elsewhere)} SQL injection finding(s) come from the git index or history; "
                   "`br security fix` rewrites work-tree files: run it without --staged/--history.", err=True)
    files, fixed_ids = [], set()
    for rel, findings in sorted(groups.items()):
        path = Path(project.root) / rel
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BrError(f"cannot read {rel}: {exc}") from None
        outcome = fix_text(rel, text, findings, rules, placeholder=style, salt=salt or "")
        if outcome.applied and not dry_run:
            try:
                _write_atomic(path, outcome.fixed)
            except OSError as exc:
                for p in outcome.applied:
                    p.fix, p.reason = None, f"cannot write the file: {exc.strerror or exc}"
                outcome.fixed = outcome.original
        fixed_ids.update(id(p.finding) for p in outcome.applied)
        files.append(outcome)

    applied = sum(len(f.applied) for f in files)
    refused = [(f.path, p) for f in files for p in f.refused]
    if not dry_run:
        result.findings = [f for f in result.findings if id(f) not in fixed_ids]
    remaining = len(result.findings) if not dry_run else len(result.findings) - applied

    if as_json:
        from buildrunner.cli.output import emit_json

        emit_json({"dry_run": dry_run, "applied": applied, "refused": len(refused), "remaining": remaining,
                   "files": [{"path": f.path, "diff": unified_diff(f),
                              "applied": [{"line": p.finding.line, "rule_id": p.finding.rule_id,
                                           "replacement": p.fix.replacement} for p in f.applied],
                              "refused": [{"line": p.finding.line, "rule_id": p.finding.rule_id,
                                           "reason": p.reason} for p in f.refused]} for f in files]})
    else:
        _print_text(files, refused, applied, dry_run=dry_run, quiet=quiet, to_stdout=diff_to_stdout)
    return 1 if remaining or (dry_run and applied) else 0


def _print_text(files, refused, applied: int, *, dry_run: bool, quiet: bool, to_stdout: bool) -> None:
    import sys

    from buildrunner.cli.output import color_enabled
    from buildrunner.engine.fixes.apply import unified_diff

    color = color_enabled(sys.stdout if to_stdout else sys.stderr)
    for f in files:
        diff = unified_diff(f)
        if not diff:
            continue
        for line in diff.splitlines():
            style = None
            if color and line.startswith("+") and not line.startswith("+++"):
                style = "green"
            elif color and line.startswith("-") and not line.startswith("---"):
                style = "red"
            click.secho(line, fg=style, err=not to_stdout, color=color)
    for path, p in refused:
        click.echo(f"{path}:{p.finding.line}: not fixed ({p.finding.rule_id}): {p.reason}", err=True)
    if applied or refused or not quiet:
        verb = "would rewrite" if dry_run else "rewrote"
        files_changed = sum(1 for f in files if f.applied)
        click.echo(f"br: {verb} {applied} SQL injection finding(s) in {files_changed} file(s); "
                   f"{len(refused)} left for a manual fix.", err=True)


def _write_atomic(path: Path, text: str) -> None:
    """Replace the file in one step, keeping its permissions (never a half-written file)."""
    from buildrunner.fsutil import atomic_write_text

    atomic_write_text(path, text)
