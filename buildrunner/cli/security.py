"""`br security`: scan for secrets and SQL injection, whitelist findings, write a baseline.

Exit codes: 0 no findings, 1 findings, 2 usage or input error.

Autofixes live in `buildrunner/cli/security_fix.py`: its click command `fix` is registered as
`br security fix` (imported only when needed), and `check --fix` calls its
`fix_findings(project, result, config=..., quiet=...) -> int` with the scan's result (the return
value becomes the exit code).
"""

from __future__ import annotations

import importlib
import sys

import click

from buildrunner.cli.main import end_process_fast
from buildrunner.engine.model import SEVERITY_NAMES
from buildrunner.engine.reporters import FORMATS
from buildrunner.errors import BrError

FIX_MODULE = "buildrunner.cli.security_fix"


class SecurityGroup(click.Group):
    """Adds `fix` from its own module only when `fix` is invoked or commands are listed, so
    `check --staged` never pays for importing it."""

    def _ensure_fix(self) -> None:
        if "fix" not in self.commands:
            self.add_command(importlib.import_module(FIX_MODULE).fix, "fix")

    def get_command(self, ctx, name):
        if name == "fix":
            self._ensure_fix()
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        self._ensure_fix()
        return super().list_commands(ctx)


@click.group("security", cls=SecurityGroup)
def security() -> None:
    """Scan for secrets and SQL injection; whitelist, baseline, fix."""


def project_and_config():
    """The current project and its effective configuration (shared with `security fix`)."""
    from buildrunner import config as config_mod
    from buildrunner.project import discover

    project = discover()
    return project, config_mod.load(project)


def _progress_callback(quiet: bool):
    """A rich progress bar on stderr, only when stdout is a terminal and not --quiet."""
    if quiet or not sys.stdout.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from buildrunner.cli.output import console

    bar = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console(stderr=True), transient=True, auto_refresh=False)
    task = bar.add_task("scan", total=None)
    started = [False]

    def update(done: int, total: int | None) -> None:
        if not started[0]:
            bar.start()
            started[0] = True
        bar.update(task, completed=done, total=total)
        bar.refresh()

    return update, bar


def run_scan(project, config, *, paths=(), staged=False, history=False, since=None, log_opts=None, rule_prefixes=(),
             jobs=None, use_baseline=True, quiet=True, suppressions=None, documents=None):
    """Scan a mode's documents (or the given `documents`, e.g. standard input) with the enabled rules
    (`engine.pipeline`); returns the ScanResult."""
    from buildrunner.engine.kinds import scanned_kinds
    from buildrunner.engine.pipeline import load_rules, scan_documents, scan_project

    kinds = ["secret"] if history else scanned_kinds()
    ids = [p.strip() for item in rule_prefixes for p in item.split(",") if p.strip()]
    progress, bar = _progress_callback(quiet)
    options = {"jobs": jobs, "progress": progress, "use_baseline": use_baseline, "suppressions": suppressions}
    try:
        if documents is not None:
            rules = load_rules(project, kinds, ids, require=True)
            return scan_documents(project, config, documents, rules, "files", partial=True, **options)
        return scan_project(project, config, kinds, rule_ids=ids, require_rules=True, paths=paths, staged=staged,
                            history=history, since=since, log_opts=log_opts, **options)
    finally:
        if bar is not None:
            bar.stop()


def _warn(message: str) -> None:
    click.echo(f"br: warning: {message}", err=True)


@security.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Scan what is staged (the git index), reporting changed lines only.")
@click.option("--history", is_flag=True, help="Scan every commit's added lines for secrets.")
@click.option("--since", metavar="REV", help="With --history: only commits in REV..HEAD.")
@click.option("--log-opts", metavar="OPTS",
              help="With --history: which commits to walk, as git log takes them (default: every ref), "
                   "e.g. --log-opts='main..feature' or '--branches --since=2024-01-01'.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when there are no findings.")
@click.option("--no-color", is_flag=True, help="Disable colour (also NO_COLOR=1).")
@click.option("--rules", "rule_prefixes", multiple=True, metavar="ID_PREFIX",
              help="Run only the rule with this id, or the rules under a dotted prefix such as `secrets` or "
                   "`python.sql-injection` (repeatable, comma-separated).")
@click.option("--report-unused", is_flag=True, help="List whitelist/baseline entries that matched nothing.")
@click.option("--no-baseline", is_flag=True, help="Ignore .buildrunner/baseline.json.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (0 = one per core).")
@click.option("--fix", "apply_fix", is_flag=True, help="Apply safe autofixes (SQL injection) after scanning.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), metavar="SEVERITY",
              help="Exit 1 only for findings at or above SEVERITY (critical|high|medium|low|info); "
                   "the report still lists the rest.")
@click.option("--stdin-filename", metavar="NAME",
              help="With PATH `-`: the name standard input is reported under (picks the language).")
@click.option("--verify", is_flag=True,
              help="Ask each found key's own provider (documented endpoint, in a header) whether it is live; "
                   "findings gain live|revoked|unknown. Opt-in: this sends the keys over the network.")
@click.option("--explain", is_flag=True, help="Also list the candidate secrets that were not reported, with the "
              "filter that dropped each (values masked).")
def check(paths, staged, history, since, log_opts, fmt, as_json, output, quiet, no_color, rule_prefixes, report_unused,
          no_baseline, jobs, apply_fix, fail_on, stdin_filename, verify, explain):
    """Scan PATHs (default: the whole repository) for secrets and SQL injection.

    \b
    Exit codes: 0 no findings, 1 findings, 2 usage or input error.
    Suppress a finding with `# br: ignore[rule-id]` on its line (or the line above),
    `br security whitelist PATH:LINE`, or a baseline (`br security baseline`).
    """
    import os

    _check_mode_options(paths, staged=staged, history=history, since=since, log_opts=log_opts,
                        report_unused=report_unused, apply_fix=apply_fix, output=output)
    if as_json:
        fmt = "json"
    if no_color:
        os.environ["NO_COLOR"] = "1"
    stdin = _stdin_requested(paths, stdin_filename, staged or history or apply_fix or report_unused)

    from buildrunner.engine.state import record_last_scan
    from buildrunner.engine.suppression import load_suppressions
    from buildrunner.telemetry.scans import record_scan

    project, paths = scan_target(() if stdin else paths, whole_repo=bool(staged or history or report_unused or stdin))
    from buildrunner import config as config_mod

    config = config_mod.load(project)
    suppressions = load_suppressions(project, use_baseline=not no_baseline)
    for w in suppressions.warnings:
        _warn(w)
    documents = None
    if stdin:
        from buildrunner.engine.sources import stdin_document

        documents, paths = [stdin_document(sys.stdin.buffer.read(), stdin_filename)], ()
    result = run_scan(project, config, paths=paths, staged=staged, history=history, since=since,
                      log_opts=log_opts, rule_prefixes=rule_prefixes, jobs=jobs, use_baseline=not no_baseline,
                      quiet=quiet, suppressions=suppressions, documents=documents)
    end_process_fast()  # the scan's heap is not freed object by object at exit
    code = result.exit_code_at(fail_on)
    if verify:
        from buildrunner.cli.security_verify import verify_result

        verify_result(project, config, result, documents, quiet=quiet)

    if apply_fix:
        fixer = importlib.import_module(FIX_MODULE)
        code = fixer.fix_findings(project, result, config=config, quiet=quiet)
    elif fmt == "sarif":
        from buildrunner.engine.fixes import attach_autofixes  # imports libcst only if a fix is possible

        attach_autofixes(result, project.root, placeholder=config.get("security.sql_placeholder"))

    _emit(fmt, result if fmt == "sarif" or stdin else cwd_relative(result, project), output=output, quiet=quiet,
          no_color=no_color)
    _report_named_skips(project, paths, result)
    _after_report(result, report_unused=report_unused, quiet=quiet)
    if explain:
        _explain(project, config, paths=paths, staged=staged, history=history, since=since, documents=documents,
                 rule_prefixes=rule_prefixes, to_stderr=fmt != "text" or bool(output))
    record_scan(project, result)
    if not stdin:  # standard input is not the project: leave its last-scan summary alone
        record_last_scan(project, result, code)
    return code


def _check_mode_options(paths, *, staged, history, since, log_opts, report_unused, apply_fix, output) -> None:
    """Usage errors of `br security check`, before anything is read (exit 2)."""
    if staged and history:
        raise click.UsageError("--staged and --history are mutually exclusive")
    if since and not history:
        raise click.UsageError("--since needs --history")
    if log_opts and not history:
        raise click.UsageError("--log-opts needs --history")
    if history and paths:
        raise click.UsageError("--history scans the whole history; it takes no PATH")
    if report_unused and (paths or staged):
        raise click.UsageError("--report-unused needs a full scan: give no PATH and no --staged")
    if apply_fix and (staged or history):
        raise click.UsageError("--fix rewrites work-tree files: use it without --staged/--history")
    if output and output != "-":
        from buildrunner.cli.output import check_output_path

        check_output_path(output)  # before the scan: a mistyped directory fails fast


def _after_report(result, *, report_unused: bool, quiet: bool) -> None:
    hints = sorted({f.extra["hint"] for f in result.findings if f.extra.get("hint")})
    for hint in hints:
        _warn(hint)
    if report_unused:
        _report_unused(result, quiet)


def _stdin_requested(paths, stdin_filename, other_mode: bool) -> bool:
    """Whether PATH `-` asks to scan standard input (alone: no other PATH or scan mode)."""
    stdin = "-" in paths
    if stdin and (len(paths) > 1 or other_mode):
        raise click.UsageError("`-` (standard input) is scanned alone: no other PATH, --staged, --history, "
                               "--fix or --report-unused")
    if stdin_filename and not stdin:
        raise click.UsageError("--stdin-filename needs PATH `-`")
    return stdin


def scan_target(paths: tuple[str, ...], *, whole_repo: bool = False):
    """(project, paths) for a scan, as `semgrep scan PATH` / `gitleaks dir PATH` / ruff see it:
    with PATHs, the project that contains them (its config, or the defaults), from wherever br
    runs; without, the current directory (the whole repository at its root)."""
    import os
    from pathlib import Path

    from buildrunner.project import discover

    if not paths:
        project = discover()
        cwd = Path.cwd().resolve()
        if whole_repo or cwd == project.root.resolve():
            return project, ()
        return project, (".",)
    roots = set()
    for p in paths:
        if not os.path.lexists(p):
            raise BrError(f"no such file or directory: {p}")
        start = Path(p) if Path(p).is_dir() and not Path(p).is_symlink() else Path(p).absolute().parent
        roots.add(discover(start.resolve()).root)
    if len(roots) > 1:
        raise BrError(f"the PATHs belong to different projects ({', '.join(sorted(map(str, roots)))})",
                      hint="scan each project on its own")
    return discover(roots.pop()), tuple(paths)


def cwd_relative(result, project):
    """The result with paths as the user sees them: relative to the current directory (ruff,
    Semgrep). SARIF keeps repository-relative paths; fingerprints were computed before."""
    import os
    from dataclasses import replace

    root, cwd = str(project.root.resolve()), os.getcwd()
    if os.path.realpath(cwd) == root:
        return result

    def rel(path: str) -> str:
        shown = os.path.relpath(os.path.join(root, path), cwd)
        return shown.replace(os.sep, "/")

    findings = [replace(f, path=rel(f.path)) for f in result.findings]
    suppressed = [replace(s, finding=replace(s.finding, path=rel(s.finding.path))) for s in result.suppressed]
    skipped = [replace(s, path=rel(s.path)) for s in result.skipped]
    return replace(result, findings=findings, suppressed=suppressed, skipped=skipped)


def _emit(fmt: str, result, *, output, quiet: bool, no_color: bool) -> None:
    from buildrunner.cli.output import color_enabled, write_output
    from buildrunner.engine.reporters import render

    if quiet and not result.findings and fmt == "text" and not output:
        return
    color = False if (no_color or output) else color_enabled()
    text = render(fmt, result, color=color, quiet=quiet)
    if text or output:
        try:
            write_output(text, output)
        except OSError as exc:
            raise BrError(f"cannot write the report to {output}: {exc.strerror or exc}") from None


def _report_named_skips(project, paths, result) -> None:
    """A file named on the command line that was not scanned is said so on stderr, whatever the
    format: "no findings" for a file that was never read would be a wrong answer."""
    if not paths or not result.skipped:
        return
    from buildrunner.engine.sources import named_path

    named = {named_path(project, p) for p in paths}
    for s in sorted(result.skipped, key=lambda s: s.path):
        if s.path in named:
            detail = f"points to {s.detail}" if s.reason == "broken-symlink" and s.detail else s.detail
            _warn(f"skipped {s.path}: {s.reason.replace('-', ' ')}" + (f" ({detail})" if detail else ""))


def _explain(project, config, *, paths, staged, history, since, documents, rule_prefixes, to_stderr: bool) -> None:
    """The candidates secret rules dropped, with the filter's name (after the report)."""
    from buildrunner.engine import pipeline
    from buildrunner.engine.secrets import explain_documents

    ids = [p.strip() for item in rule_prefixes for p in item.split(",") if p.strip()]
    rules = pipeline.load_rules(project, ["secret"], ids)
    if not rules:
        return  # --rules selected no secret rule: nothing to explain
    if documents is None:
        documents, _mode = pipeline.documents(project, config, paths=paths, staged=staged, history=history,
                                              since=since)
    lines = explain_documents(documents, rules)
    click.echo(f"{len(lines)} candidate secret(s) not reported:" if lines else "No candidate secret was dropped.",
               err=to_stderr)
    for line in lines:
        click.echo(f"  {line}", err=to_stderr)


def _report_unused(result, quiet: bool) -> None:
    if not result.unused_suppressions:
        if not quiet:
            click.echo("No unused whitelist or baseline entries.", err=True)
        return
    click.echo(f"{len(result.unused_suppressions)} whitelist/baseline entries matched no finding "
               f"in this {result.mode} scan:", err=True)
    for entry in result.unused_suppressions:
        click.echo(f"  {entry}", err=True)


# ---------------------------------------------------------------------------------------------
# whitelist


def _parse_location(location: str) -> tuple[str, int]:
    path, sep, line = location.rpartition(":")
    if not sep or not path or not line.isdigit() or int(line) < 1:
        raise click.BadParameter(f"expected PATH:LINE, got {location!r}", param_hint="LOCATION")
    return path, int(line)


def _findings_at(project, config, path: str, line: int, rule: str | None):
    """Findings on PATH:LINE in the work tree, else in the staged version of the file (the line
    a pre-commit hook reported). Every finding counts, whatever currently suppresses it."""
    import os

    from buildrunner.engine.gitio import in_repo
    from buildrunner.engine.suppression import Suppressions, rule_matches

    modes = [{}] if os.path.lexists(path) else []
    if in_repo(project.root):
        modes.append({"staged": True})
    if not modes:
        raise BrError(f"no such file: {path}")
    rel = project.relpath(path)
    for extra in modes:
        result = run_scan(project, config, paths=(path,), suppressions=Suppressions(), **extra)
        everything = result.findings + [s.finding for s in result.suppressed]
        found = [f for f in everything
                 if f.path == rel and f.line == line and (rule is None or rule_matches(f.rule_id, [rule]))]
        if found:
            return found
    return []


@security.command("whitelist")
@click.argument("location", required=False, metavar="PATH:LINE")
@click.option("--rule", "rule_id", metavar="ID", help="Only the finding of this rule (id or prefix) on that line.")
@click.option("--fingerprint", "fingerprints", multiple=True, metavar="FP",
              help="Whitelist a finding by the fingerprint a report printed (repeatable).")
@click.option("--reason", default="", help="Why this is not a real secret / not exploitable.")
@click.option("--json", "as_json", is_flag=True, help="Print what was added as JSON.")
def whitelist(location, rule_id, fingerprints, reason, as_json):  # noqa: C901 — existing debt: split it
    """Whitelist the finding(s) on PATH:LINE, or findings by --fingerprint.

    Entries go to .buildrunner/whitelist.txt as fingerprints (content based: they survive the line
    moving; a different secret on the same line is still reported). The secret is never stored.
    """
    from datetime import date

    from buildrunner.cli.output import emit_json
    from buildrunner.engine.suppression import (
        FINGERPRINT_RE,
        append_whitelist,
        load_whitelist,
        whitelist_line,
    )

    if bool(location) == bool(fingerprints):
        raise click.UsageError("give either PATH:LINE or --fingerprint FP")
    from buildrunner.engine.masking import sanitize_text

    reason = sanitize_text(reason)  # the whitelist never holds a secret, not even one pasted in a reason
    project, config = project_and_config()
    existing = load_whitelist(project.whitelist_path)
    for w in existing.warnings:
        _warn(w)
    known = existing.fingerprints()
    added: list[dict] = []
    lines: list[str] = []
    if fingerprints:
        for fp in fingerprints:
            if not FINGERPRINT_RE.match(fp):
                raise BrError(f"{fp!r} is not a fingerprint (expected 16 hex digits, a colon and a number, "
                              "as printed in reports)")
            if fp in known or any(a["fingerprint"] == fp for a in added):
                _warn(f"{fp} is already whitelisted")
                continue
            parts = [p for p in (" ".join(reason.split()), f"(added {date.today().isoformat()})") if p]
            lines.append(f"{fp}  # {' '.join(parts)}")
            added.append({"fingerprint": fp})
    else:
        path, line = _parse_location(location)
        findings = _findings_at(project, config, path, line, rule_id)
        if not findings:
            which = f" of rule {rule_id}" if rule_id else ""
            raise BrError(f"no finding{which} on {path}:{line}", hint="run `br security check` to see findings and "
                                                                     "their locations")
        for f in findings:
            if f.fingerprint in known:
                _warn(f"{f.rule_id} at {f.path}:{f.line} is already whitelisted ({f.fingerprint})")
                continue
            lines.append(whitelist_line(f, reason))
            added.append({"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path, "line": f.line,
                          "masked_value": f.masked_value})
    if lines:
        try:
            append_whitelist(project.whitelist_path, lines)
        except OSError as exc:
            raise BrError(f"cannot write {project.whitelist_path}: {exc.strerror}") from None
    if as_json:
        emit_json({"whitelist": str(project.whitelist_path), "added": added})
        return 0
    for a in added:
        if "rule_id" in a:
            shown = f" ({a['masked_value']})" if a.get("masked_value") else ""
            click.echo(f"Whitelisted {a['rule_id']} at {a['path']}:{a['line']}{shown} as {a['fingerprint']}")
        else:
            click.echo(f"Whitelisted fingerprint {a['fingerprint']}")
    if added:
        click.echo(f"→ {project.relpath(project.whitelist_path)}")
    return 0


# ---------------------------------------------------------------------------------------------
# baseline


@security.command("baseline")
@click.option("--output", "-o", metavar="FILE", help="Write here instead of .buildrunner/baseline.json.")
@click.option("--update", is_flag=True, help="Replace an existing baseline (keeping entries' creation dates).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (0 = one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--import", "imports", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Add the findings another tool accepted: a detect-secrets .secrets.baseline, a gitleaks JSON "
                   "report or a .gitleaksignore (repeatable). Existing entries are kept.")
def baseline(output, update, jobs, as_json, imports):
    """Record today's findings so they don't block; new findings still do.

    Runs a full scan (inline comments and the whitelist still apply) and writes the fingerprints,
    rule, path and masked value of every finding. The secret itself is never stored.
    With --import, only the findings the other tool's file accepted are added.
    """
    from pathlib import Path

    from buildrunner.cli.output import emit_json
    from buildrunner.engine.suppression import Baseline, baseline_entry, load_baseline, now_iso, write_baseline

    project, config = project_and_config()
    if output:
        from buildrunner.cli.output import check_output_path

        check_output_path(output)
    target = Path(output) if output else project.baseline_path
    if imports:
        from buildrunner.cli.security_import import import_baseline

        return import_baseline(project, config, target, [Path(p) for p in imports], jobs=jobs, as_json=as_json)
    if target.exists() and not update:
        raise BrError(f"{target} already exists", hint="use --update to rewrite it from a fresh scan")
    previous = None
    if target.exists():
        try:
            previous = load_baseline(target)
        except BrError as exc:  # the fix its own error message suggests: rewrite it from a fresh scan
            _warn(f"{exc.message}; writing a fresh baseline (entries' creation dates are not kept)")
            previous = Baseline(target)
    result = run_scan(project, config, jobs=jobs, use_baseline=False)
    created = now_iso()
    old = previous.entries if previous else {}
    entries = [baseline_entry(f, old.get(f.fingerprint, {}).get("created", created)) for f in result.findings]
    try:
        write_baseline(target, entries)
    except OSError as exc:
        raise BrError(f"cannot write {target}: {exc.strerror}") from None
    fps = {e["fingerprint"] for e in entries}
    counts = {"findings": len(entries), "added": len(fps - set(old)), "kept": len(fps & set(old)),
              "removed": len(set(old) - fps), "path": str(target)}
    if as_json:
        emit_json(counts)
    else:
        click.echo(f"Baseline covers {len(entries)} finding(s) → {project.relpath(target)}")
        if previous is not None:
            click.echo(f"  added {counts['added']}, kept {counts['kept']}, removed {counts['removed']}")
    return 0
