"""`br hook run`: the Tier 1 checks on what is about to be committed (the pre-commit hook).

Reads the index, not the work tree: each staged file's index blob is parsed whole (SQL built on an
unchanged line but executed on a new one is seen) and findings are reported on added or changed
lines only. With file names (the pre-commit framework passes them) those files are checked whole,
so `pre-commit run --all-files` checks everything. Coverage: changed-line coverage of the staged
lines (a named file that is not staged counts whole; total coverage is `br quality check`'s business).

Quiet on success (one line, none with `quiet`); on failure, per problem: what, where, why and the
exact next step. Kept lean for the < 400 ms budget: no rich, libcst, anthropic or flask unless a
finding has to be rendered (rich only then).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from buildrunner.quality.checks import (
    COVERAGE,
    SECRETS,
    SQLI,
    CheckResult,
    coverage_check,
    format_ranges,
    scan_check,
    split_scan,
)


@dataclass
class HookOutcome:
    checks: list[CheckResult]
    files: int
    duration_s: float
    phases: dict[str, float] | None = None  # milliseconds per step (after imports), for `--json` and bench

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def run_hook(project, config, files: list[str] | None = None) -> HookOutcome:
    from buildrunner.coverage.check import changed_from_documents, run_check
    from buildrunner.engine import pipeline
    from buildrunner.engine.model import Document

    started = last = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        phases[name] = round((now - last) * 1000, 1)
        last = now

    staged, mode = pipeline.documents(project, config, paths=files or (), staged=True)
    items = list(staged)
    docs = [d for d in items if isinstance(d, Document)]
    lap("read_index_ms")
    rules = pipeline.load_rules(project, pipeline.TIER1_KINDS)
    lap("load_rules_ms")
    result = pipeline.scan_documents(project, config, items, rules, mode, partial=True, jobs=1)
    parts = split_scan(result)
    lap("scan_ms")
    changed = changed_from_documents(docs)
    if files:  # named files are scanned whole; coverage still judges a staged file by its staged lines
        staged_lines = _staged_lines(project)
        for ch in changed:
            if ch.path in staged_lines:
                ch.lines = staged_lines[ch.path]
    report = run_check(project, config, changed=changed, mode="staged", check_total=False)
    lap("coverage_ms")
    root = str(project.root)
    checks = [scan_check(SECRETS, parts[SECRETS]), scan_check(SQLI, parts[SQLI]),
              coverage_check(report, root, "staged")]
    return HookOutcome(checks, len(docs), time.perf_counter() - started, phases)


def _staged_lines(project) -> dict[str, frozenset[int]]:
    """Added/modified line numbers of every staged file (the index diff only, no blobs read)."""
    from buildrunner.engine import gitio

    base = () if gitio.has_head(project.root) else (gitio.EMPTY_TREE,)
    patch = gitio.git(project.root, "diff", "--cached", "-U0", "-M", *gitio.DIFF_OPTS, *base)
    return {path: frozenset(lines) for path, lines in gitio.added_lines_by_path(patch).items()}


def _coverage_phrase(cov) -> str:
    """What the passing hook says about coverage: "ok" only for lines actually measured."""
    rep = cov.coverage
    if rep is None or not rep.applicable:
        return "coverage not applicable (no tests)"
    pct = rep.diff_percent
    _, _, unknown = rep.diff_counts
    parts = [f"changed lines {pct:.0f}% covered"] if pct is not None else []
    if unknown:
        parts.append(f"coverage of {unknown} changed line(s) unknown: the data is older than the change")
    if not parts:
        return f"coverage: {cov.summary}"
    return ("coverage ok (" if pct is not None and not unknown else "coverage: ") + "; ".join(parts) + \
        (")" if pct is not None and not unknown else "")


def render_outcome(project, outcome: HookOutcome, *, quiet: bool = False, color: bool | None = None) -> str:
    """The hook's output: one line when everything passed, a full account when it did not."""
    by_name = {c.name: c for c in outcome.checks}
    cov = by_name[COVERAGE]
    warnings = [n for n in cov.notes if n.startswith("warning:")]
    if outcome.passed:
        if quiet and not warnings:
            return ""
        lines = [f"br: {outcome.files} staged file(s) checked: no secrets, no SQL injection, "
                 f"{_coverage_phrase(cov)} [{outcome.duration_s * 1000:.0f} ms]"]
        lines += [f"br: {w}" for w in warnings]
        return "\n".join(lines) + "\n"

    from buildrunner.engine.reporters import render

    failed = [c for c in outcome.checks if not c.passed]
    problems = sum(len(c.result.findings) for c in failed if c.name != COVERAGE) + (1 if not cov.passed else 0)
    out = [f"br: commit blocked: {problems} problem(s) in what is staged "
           f"({', '.join(c.name for c in failed)} check failed)\n"]
    for name in (SECRETS, SQLI):
        check = by_name[name]
        if check.result.findings:
            out.append(render("text", check.result, color=color, quiet=True))
    if not cov.passed and cov.coverage is not None:
        rep = cov.coverage
        out.append("coverage:")
        for note in cov.notes:
            if note.startswith("error:"):
                out.append(f"  {note[len('error: '):]}")
        for f in rep.files:
            if f.uncovered:
                out.append(f"  {f.path}: line(s) {format_ranges(f.uncovered)} never ran in the tests")
        out.append(f"  next step: add tests that run these lines, then `{rep.command}` and commit again")
        out.append("")
    for note in warnings:
        out.append(f"br: {note}")
    out.append("Next steps:")
    if by_name[SECRETS].result.findings:
        from buildrunner.engine.gitio import git_ignored

        ignored = bool(git_ignored(project.root, [".env"]))
        out.append("  secret: delete the value from the file, or move it to .env "
                   + ("(already git-ignored)" if ignored else "and add `.env` to .gitignore (it is NOT ignored yet)")
                   + " and read it from the environment (os.environ / process.env); if it was ever pushed, "
                     "revoke it")
    if by_name[SQLI].result.findings:
        out.append("  sql injection: pass values as query parameters (see `fix:` under each finding; "
                   "`br security fix` applies safe autofixes)")
    if by_name[SECRETS].result.findings or by_name[SQLI].result.findings:
        out.append("  false positive: run the `whitelist:` command shown under the finding "
                   "(br security whitelist --fingerprint <fp>), then commit again")
    out.append("  skip the checks once (not recommended): git commit --no-verify")
    return "\n".join(out) + "\n"
