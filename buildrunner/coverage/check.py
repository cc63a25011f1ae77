"""The coverage check: total coverage and coverage of changed lines, from existing data.

Inputs: the project's coverage data (see `readers`), and optionally the changed lines — staged
lines in the hook (`changed_from_documents`), lines changed since a base revision in CI
(`changed_since`). Output: a `CoverageReport` with per-file covered / uncovered / unknown changed
lines, messages (each with the exact command to run), pass/fail and a score.

Rules of the check (also in docs/QUALITY_GATE.md):
* no coverage data and no tests → not applicable (no score; does not fail, does not lift the overall
  score);
* tests but no data, or data older than the code it measures → warning naming the command that
  produces it; fails only with `security.coverage_strict: true`;
* total coverage below `security.coverage_min` → fails (not checked in the hook: a commit is judged
  by its own lines);
* coverage of changed lines below `security.diff_coverage_min` → fails. Changed lines of stale files
  are unknown (excluded from the ratio, listed, warned about). A fresh Python source file missing
  from the data (never imported by the tests) counts as uncovered when it sits in a measured
  directory; other files missing from the data are not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from buildrunner.coverage import readers
from buildrunner.coverage.data import CoverageData, FileCoverage
from buildrunner.coverage.freshness import SOURCE_SUFFIXES, Freshness
from buildrunner.coverage.lines import LineCache

TEST_FILE_RE = re.compile(
    r"(^|/)(tests?|__tests__|spec)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$"
    r"|\.(test|spec)\.[cm]?[jt]sx?$")
DEFAULT_COMMAND = "coverage run -m pytest && coverage xml"


@dataclass
class FileLines:
    """Changed lines of one file and what the data says about them."""

    path: str
    status: str  # "measured" | "stale" | "not-measured"
    covered: list[int] = field(default_factory=list)
    uncovered: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"path": self.path, "status": self.status, "covered": self.covered,
                "uncovered": self.uncovered, "unknown": self.unknown}


@dataclass
class Message:
    level: str  # "error" | "warning" | "notice"
    text: str
    kind: str = ""  # "missing" | "stale" | "total" | "unknown" | "diff" | "data": what it is about

    def to_dict(self) -> dict:
        return {"level": self.level, "text": self.text}


@dataclass
class CoverageReport:
    mode: str  # "total" | "staged" | "base"
    minimum: int
    diff_minimum: int
    strict: bool
    command: str
    data_files: list[dict] = field(default_factory=list)
    tests_found: bool = False
    total_statements: int = 0
    total_covered: int = 0
    files: list[FileLines] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # measured files changed since the data was made
    uncovered_by_file: dict[str, list[int]] = field(default_factory=dict)  # total check: lines never run
    messages: list[Message] = field(default_factory=list)
    freshness: str = ""
    checked_total: bool = True

    @property
    def data_found(self) -> bool:
        return bool(self.data_files)

    @property
    def total_percent(self) -> float | None:
        if not self.checked_total or not self.data_found or not self.total_statements:
            return None
        return 100.0 * self.total_covered / self.total_statements

    @property
    def diff_counts(self) -> tuple[int, int, int]:
        covered = sum(len(f.covered) for f in self.files)
        uncovered = sum(len(f.uncovered) for f in self.files)
        unknown = sum(len(f.unknown) for f in self.files)
        return covered, uncovered, unknown

    @property
    def diff_percent(self) -> float | None:
        covered, uncovered, _ = self.diff_counts
        return 100.0 * covered / (covered + uncovered) if covered + uncovered else None

    @property
    def passed(self) -> bool:
        return not any(m.level == "error" for m in self.messages)

    @property
    def applicable(self) -> bool:
        """False for a project without tests and without coverage data: there is nothing for
        coverage to measure (the spec's "if tests exist"), which is not a pass."""
        return self.data_found or self.tests_found

    @property
    def score(self) -> int | None:
        """The lower of total and changed-line coverage; 100 when the data measures nothing that
        changed; None (no score, not averaged into the overall one) without data."""
        values = [v for v in (self.total_percent, self.diff_percent) if v is not None]
        if values:
            return int(min(values))  # floor: 79.9 % is not 80
        if not self.data_found:
            return None
        return 100

    def to_dict(self) -> dict:
        covered, uncovered, unknown = self.diff_counts
        return {
            "passed": self.passed, "applicable": self.applicable, "score": self.score, "mode": self.mode,
            "minimum": self.minimum, "diff_minimum": self.diff_minimum, "strict": self.strict,
            "data_files": self.data_files, "tests_found": self.tests_found, "freshness": self.freshness,
            "total": {"percent": _round(self.total_percent), "statements": self.total_statements,
                      "covered": self.total_covered} if self.checked_total else None,
            "changed": {"percent": _round(self.diff_percent), "covered": covered, "uncovered": uncovered,
                        "unknown": unknown, "files": [f.to_dict() for f in self.files]}
            if self.mode != "total" else None,
            "stale_files": self.stale, "command": self.command,
            "messages": [m.to_dict() for m in self.messages],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass
class Changed:
    """Changed lines of one file, with the content they belong to (staged blob or work tree)."""

    path: str
    lines: frozenset[int]
    content: bytes | None = None  # None: read the work-tree file


def changed_from_documents(documents) -> list[Changed]:
    """From staged `Document`s (text = index blob, `changed_lines` = added/modified lines).
    A document without `changed_lines` (files named by the pre-commit framework) counts whole."""
    out = []
    for doc in documents:
        text = getattr(doc, "text", None)
        if text is None:
            continue
        lines = doc.changed_lines
        if lines is None:
            lines = frozenset(range(1, text.count("\n") + 2))
        out.append(Changed(doc.path, frozenset(lines), text.encode("utf-8", "surrogateescape")))
    return out


def changed_since(project, base: str) -> list[Changed]:
    """Lines added or modified in the work tree since the merge base of `base` and HEAD (diff-cover's
    comparison: committed, staged and unstaged changes on this branch)."""
    from buildrunner.engine import gitio

    gitio.require_repo(project)
    root = project.root
    if gitio.git(root, "rev-parse", "-q", "--verify", f"{base}^{{commit}}", check=False).strip() == b"":
        from buildrunner.errors import BrError

        raise BrError(f"--base {base}: no such revision", hint="fetch it first (e.g. `git fetch origin main`) "
                                                                 "or name a commit, branch or tag")
    merge_base = gitio.git(root, "merge-base", base, "HEAD", check=False).decode().strip() or base
    patch = gitio.git(root, "diff", "-U0", "-M", *gitio.DIFF_OPTS, merge_base, "--")
    return [Changed(path, frozenset(lines)) for path, lines in gitio.added_lines_by_path(patch).items() if lines]


def list_project_files(project) -> list[str]:
    """Tracked and untracked-but-not-ignored files (git), or a pruned walk outside git — the same
    listing a full scan uses."""
    from buildrunner.engine import gitio, sources

    if gitio.in_repo(project.root):
        return sorted(sources._git_listing(project.root, []))
    return sorted(sources._walk(project.root, ["."]))


def is_test_file(path: str) -> bool:
    return bool(TEST_FILE_RE.search(path))


def find_tests(files: list[str]) -> list[str]:
    return [f for f in files if is_test_file(f) and f.endswith(SOURCE_SUFFIXES)]


def suggested_command(project, config) -> str:
    configured = (config.get("security.coverage_command") or "").strip() if config is not None else ""
    if configured:
        return configured
    if (project.root / "package.json").is_file() and not any(
            (project.root / n).exists() for n in ("pyproject.toml", "setup.py", "setup.cfg")):
        return "npx c8 --reporter=lcov npm test"
    return DEFAULT_COMMAND


# ---------------------------------------------------------------------------------------------
# The check


def _source_lines(content: bytes) -> set[int]:
    """Changed-line candidates of a non-Python file we have no line data for: non-blank lines."""
    return {i for i, line in enumerate(content.splitlines(), 1) if line.strip()}


def run_check(project, config, *, changed: list[Changed] | None = None, mode: str = "total",  # noqa: C901 — existing debt: split it
              check_total: bool = True, data: CoverageData | None = None) -> CoverageReport:
    strict = bool(config.get("security.coverage_strict"))
    report = CoverageReport(mode=mode, minimum=int(config.get("security.coverage_min")),
                            diff_minimum=int(config.get("security.diff_coverage_min")), strict=strict,
                            command=suggested_command(project, config), checked_total=check_total)
    if data is None:
        data = readers.load(project.root, list(config.get("security.coverage_files") or []) or None)
    report.data_files = [{"path": s.path, "format": s.format, "files": s.files} for s in data.sources]
    for err in data.errors:
        report.messages.append(Message("warning", err, "data"))
    fresh = Freshness(project, data, staged=(mode == "staged"))
    report.freshness = fresh.method if data.found else ""
    cache = LineCache(project)
    produce = f"produce it with: {report.command}  (or `br coverage run`, which runs that and records which " \
              f"file versions were measured)"
    soft = "error" if strict else "warning"
    rerun = _rerun_command(fresh, report.command)

    if not data.found:
        report.tests_found = bool(find_tests(list_project_files(project)))
        if report.tests_found:
            report.messages.append(Message(soft, f"tests exist but there is no coverage data; {produce}", "missing"))
        else:
            report.messages.append(Message("notice", "coverage not applicable: no tests and no coverage data "
                                                     "(add tests, then produce coverage data)", "missing"))
        return report
    report.tests_found = True  # data exists: something was measured

    if check_total:
        for rel, fc in sorted(data.files.items()):
            path = project.root / rel
            content = _read(path)
            if content is None:
                continue  # measured file no longer exists
            executable, executed = _lines_of(fc, content, cache, rel)
            if executable is None:
                continue
            report.total_statements += len(executable)
            report.total_covered += len(executed & executable)
            if executable - executed:
                report.uncovered_by_file[rel] = sorted(executable - executed)
            if not fresh.is_fresh(rel, content if fresh.manifest else None):
                report.stale.append(rel)
        if report.stale:
            shown = ", ".join(report.stale[:5]) + (f" and {len(report.stale) - 5} more" if len(report.stale) > 5 else "")
            report.messages.append(Message(soft, f"coverage data is older than {len(report.stale)} of the files it "
                                                 f"measures ({shown}); rerun: {rerun}", "stale"))
        pct = report.total_percent
        if pct is not None and pct < report.minimum:
            # From stale data the total is a guess (old hit lines against new code): it fails, like
            # any stale data, only when strict.
            report.messages.append(Message("error" if not report.stale else soft,
                                           f"total coverage {pct:.1f}% is below the minimum {report.minimum}% "
                                           f"(security.coverage_min)" + (" by stale data" if report.stale else ""),
                                           "total"))

    if changed is not None:
        measured_dirs = {str(PurePosixPath(p).parent) for p in data.files}
        for ch in sorted(changed, key=lambda c: c.path):
            entry = _diff_file(project, ch, data, fresh, cache, measured_dirs)
            if entry is not None and (entry.covered or entry.uncovered or entry.unknown):
                report.files.append(entry)
        covered, uncovered, unknown = report.diff_counts
        if unknown:
            stale_files = [f.path for f in report.files if f.unknown]
            report.messages.append(Message(
                soft, f"{unknown} changed line(s) in {len(stale_files)} file(s) changed after the coverage data was "
                      f"produced ({', '.join(stale_files[:5])}): their coverage is unknown; rerun: {rerun}", "unknown"))
        pct = report.diff_percent
        if pct is not None and pct < report.diff_minimum:
            report.messages.append(Message("error", f"coverage of changed lines {pct:.1f}% is below the minimum "
                                                    f"{report.diff_minimum}% (security.diff_coverage_min): "
                                                    f"{uncovered} changed line(s) never ran in the tests", "diff"))
    cache.save()
    return report


def _rerun_command(fresh: Freshness, default: str) -> str:
    """How to refresh the data: the recorded `br coverage run` command when there is one (it also
    refreshes the manifest), else the suggested coverage command."""
    import shlex

    command = fresh.manifest.command if fresh.manifest is not None else ""
    if not command:
        return default
    try:
        words = shlex.split(command)
        as_argv = shlex.join(words) == command
    except ValueError:
        as_argv = False
    if as_argv:
        command = shlex.join(portable_argv(words, fresh.root))
    return f"br coverage run -- {command if as_argv else shlex.quote(command)}"


def portable_argv(words: list[str], root) -> list[str]:
    """A command as anyone on the team can type it: absolute paths inside the project become
    relative (`.venv/bin/pytest`), other absolute programs their name (`/usr/bin/python3` →
    `python3`; whatever PATH finds on the reader's machine)."""
    import os

    out = []
    for i, word in enumerate(words):
        if os.path.isabs(word):
            rel = os.path.relpath(word, root)
            if not rel.startswith(".."):
                word = rel if i or "/" in rel else f"./{rel}"
            elif i == 0 or os.path.basename(os.path.dirname(word)) == "bin":
                word = os.path.basename(word)
        out.append(word)
    return out


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _lines_of(fc: FileCoverage, content: bytes, cache: LineCache, rel: str):
    """(executable, executed) statement lines of a measured file."""
    if fc.executable is not None:
        return fc.executable, fc.executed
    if not rel.endswith((".py", ".pyi", ".pyw")) and not fc.raw:
        return None, None
    info = cache.get(content, rel)
    if info is None:  # not parseable any more (or not Python): cannot say
        return None, None
    statements, multiline = info
    return statements, {multiline.get(n, n) for n in fc.executed} & statements


def _diff_file(project, ch: Changed, data: CoverageData, fresh: Freshness, cache: LineCache,
               measured_dirs: set[str]) -> FileLines | None:
    content = ch.content if ch.content is not None else _read(project.root / ch.path)
    if content is None:
        return None
    fc = data.files.get(ch.path)
    is_python = ch.path.endswith((".py", ".pyw"))
    if fc is None:
        if is_test_file(ch.path) or not is_python:
            return None  # not measured and not something we can judge (JS without data, tests, docs)
        parent = str(PurePosixPath(ch.path).parent)
        if not any(parent == d or parent.startswith(d + "/") or d == "." for d in measured_dirs):
            return None
    info = cache.get(content, ch.path) if (is_python or (fc is not None and fc.raw)) else None
    if not fresh.is_fresh(ch.path, content):
        candidates = (info[0] if info else _source_lines(content)) & ch.lines
        return FileLines(ch.path, "stale", unknown=sorted(candidates))
    if fc is None:
        if info is None:
            return None
        return FileLines(ch.path, "not-measured", uncovered=sorted(info[0] & ch.lines))
    executable, executed = _lines_of(fc, content, cache, ch.path)
    if executable is None:
        return None
    lines = executable & ch.lines
    return FileLines(ch.path, "measured", covered=sorted(lines & executed), uncovered=sorted(lines - executed))
