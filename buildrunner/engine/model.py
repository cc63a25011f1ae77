"""The engine's data types, shared by every rule kind, source, matcher and reporter."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):  # noqa: UP042 — str() and format() must keep their 3.11 Enum behaviour
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and thresholds."""
        return _RANK[self]

    @property
    def sarif_level(self) -> str:
        return {"critical": "error", "high": "error", "medium": "warning",
                "low": "note", "info": "note"}[self.value]

    @property
    def security_severity(self) -> str:
        """GitHub code scanning's numeric score: >9 critical, 7–8.9 high, 4–6.9 medium, <4 low."""
        return {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}[self.value]

    @property
    def editor_level(self) -> str:
        """`error` or `warning`, for problem-matcher lines and GitHub annotations."""
        return "error" if self.rank >= _RANK[Severity.HIGH] else "warning"


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}
SEVERITY_NAMES = tuple(s.value for s in Severity)


def at_or_above(severity: Severity | str, threshold: Severity | str | None) -> bool:
    """Whether `severity` counts under a `--fail-on threshold` (None: everything counts)."""
    return threshold is None or Severity(severity).rank >= Severity(threshold).rank


class Example(str):
    """One rule example: its text (it IS the string, so it reads like the plain examples it grew
    from) plus where the finding must be.

    Secret rules: `secret` is the exact value the rule must report and `line` the line it is on
    (default: the line where `secret` first occurs in the text). Code rules say where in the text
    itself, Semgrep style: `# ruleid: <rule-id>` (`// ruleid:` in JS/TS) on the line above each
    reported line. `path` is the document path (rules with path allowlists are tested with theirs).
    `strict` is False for a plain-string match example (rejected by `br rules test`).
    """

    secret: str | None
    line: int | None
    path: str | None
    strict: bool

    def __new__(cls, text: str, *, secret: str | None = None, line: int | None = None, path: str | None = None,
                strict: bool = False):
        self = super().__new__(cls, text)
        self.secret, self.line, self.path, self.strict = secret, line, path, strict
        return self

    def __reduce__(self):  # pickled in the rule cache
        return (_example, (str(self), self.secret, self.line, self.path, self.strict))

    @property
    def text(self) -> str:
        return str(self)

    def expected_line(self) -> int | None:
        """The line the secret must be reported on (1-based), None when unknown."""
        if self.line is not None:
            return self.line
        if self.secret is None or self.secret not in self:
            return None
        return self.count("\n", 0, self.index(self.secret)) + 1


def _example(text, secret, line, path, strict) -> Example:
    return Example(text, secret=secret, line=line, path=path, strict=strict)


@dataclass(frozen=True)
class Examples:
    match: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()


@dataclass
class Rule:
    """One rule, whatever its kind. `spec` holds the kind's own (validated) matcher fields."""

    id: str
    kind: str  # "secret" | "code" | "repo"
    name: str
    severity: Severity
    message: str
    fix: str = ""
    help: str = ""
    tags: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    examples: Examples = field(default_factory=Examples)
    enabled: bool = True
    source: str = ""  # the pack file it came from
    line: int | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """The class a rule belongs to, from its id: `python.sql-injection.x` → `sql-injection`."""
        parts = self.id.split(".")
        return parts[-2] if len(parts) >= 3 else parts[0]


@dataclass(frozen=True)
class Origin:
    """Where a document came from: the work tree, the git index, or a commit in history."""

    kind: str = "file"  # "file" | "staged" | "history"
    commit: str | None = None
    author_date: str | None = None  # ISO 8601
    author: str | None = None
    author_email: str | None = None  # shown and reported, never part of a fingerprint


@dataclass
class Document:
    """A unit of text to scan."""

    path: str  # repository-relative POSIX path as reported
    text: str
    language: str | None = None  # "python" | "javascript" | "typescript" | "tsx" | None
    origin: Origin = field(default_factory=Origin)
    changed_lines: frozenset[int] | None = None  # when set, report only findings on these lines
    line_offset: int = 0  # for history hunks: line number of text's first line minus one
    root: str = ""  # the project directory `path` is relative to, for a work-tree file: the SQL analysis
    # reads the project modules a document imports from there (empty: no cross-file analysis)

    def line_text(self, line: int) -> str:
        """The text of `line` (numbered like findings), '' outside the document. The text is split
        once, not once per call (a test module can hold dozens of findings); a new `text` is split
        again."""
        cached = self.__dict__.get("_lines")
        if cached is None or cached[0] is not self.text:
            cached = self.__dict__["_lines"] = (self.text, self.text.splitlines())
        lines = cached[1]
        idx = line - 1 - self.line_offset
        return lines[idx] if 0 <= idx < len(lines) else ""


@dataclass
class TraceStep:
    """One step of a finding's explanation (e.g. where a SQL string got its non-literal part)."""

    line: int
    message: str
    column: int = 1
    path: str = ""  # another file of the project the step is in (a helper or template imported from it)


@dataclass
class Fix:
    """A machine-applicable edit (SARIF `fixes`); `safe` marks fixes that preserve behaviour."""

    description: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    replacement: str
    safe: bool = True


@dataclass
class Finding:
    rule_id: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    snippet: str = ""  # the source line with any secret masked
    fix: str = ""  # human suggestion
    kind: str = "secret"
    rule_name: str = ""
    value_hash: str = ""  # salted hash of the matched value (never the value)
    masked_value: str = ""  # e.g. "sk-a…9xAA"
    fingerprint: str = ""  # assigned by the pipeline (see fingerprint_findings)
    origin: Origin = field(default_factory=Origin)
    trace: list[TraceStep] = field(default_factory=list)
    autofix: Fix | None = None
    tags: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    verified: str = ""  # with --verify: "live" | "revoked" | "unknown" (see engine/verify.py)

    @property
    def sort_key(self):
        return (self.path, self.line, self.column, self.rule_id)

    def to_dict(self) -> dict[str, Any]:
        d = {name: plain_data(getattr(self, name)) for name in _FINDING_FIELDS}  # dataclasses.asdict(self)
        d["severity"] = self.severity.value
        d["tags"] = list(self.tags)
        d["cwe"] = list(self.cwe)
        if not self.verified:
            del d["verified"]
        for step in d["trace"]:  # `path` only for a step in another file than the finding's
            if not step["path"]:
                del step["path"]
        return d


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))
# The types `copy.deepcopy` returns as they are (copy._deepcopy_atomic), by exact type: a subclass
# (an Enum over str, such as Severity) still goes through deepcopy.
_ATOMIC = frozenset({type(None), bool, int, float, complex, str, bytes})


def plain_data(obj: Any) -> Any:
    """`dataclasses.asdict`'s conversion of one value (Python 3.11's `_asdict_inner` with `dict`),
    with Python 3.12's shortcut for atomic values: a report converts every finding, and asdict
    deep-copied each of their ~25 strings and numbers one `copy.deepcopy` call at a time (~0.1 ms a
    finding). Same result by construction; tests/engine/test_finding_dict.py checks it against asdict."""
    if type(obj) in _ATOMIC:
        return obj
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain_data(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[plain_data(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain_data(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((plain_data(k), plain_data(v)) for k, v in obj.items())
    return copy.deepcopy(obj)


def value_hash(value: str, salt: str = "") -> str:
    """Salted SHA-256 of a matched value: identifies a secret without storing it."""
    return hashlib.sha256(f"br1:{salt}:{value}".encode("utf-8", "surrogatepass")).hexdigest()[:24]


def fingerprint_findings(findings: list[Finding]) -> list[Finding]:
    """Give each finding a content fingerprint: rule + path + value hash + occurrence index.

    Position is deliberately not part of it, so whitelists and baselines survive line moves,
    rebases and squashes; the occurrence index tells apart the same value twice in one file.
    """
    seen: dict[tuple[str, str, str], int] = {}
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.rule_id, f.path, f.value_hash)
        n = seen.get(key, 0)
        seen[key] = n + 1
        # a path from a non-UTF-8 file name carries surrogate escapes: hash its original bytes
        key_text = f"{f.rule_id}\0{f.path}\0{f.value_hash}"
        digest = hashlib.sha256(key_text.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        f.fingerprint = f"{digest}:{n}"
    return findings


@dataclass(frozen=True)
class Skipped:
    """A document the scan could not or would not read, and why (counted, never a crash)."""

    path: str
    reason: str  # "binary" | "too-large" | "unreadable" | "broken-symlink" | "parse-error"
    #              (code rules only, engine/parsing.py:) "minified" | "code-too-large"
    detail: str = ""


@dataclass
class Suppressed:
    finding: Finding
    how: str  # "inline" | "annotation" (another tool's, e.g. gitleaks:allow) | "whitelist" | "baseline"
    reason: str = ""


@dataclass
class ScanResult:
    """What one scan produced; reporters and the quality gate consume this and nothing else."""

    findings: list[Finding] = field(default_factory=list)  # reported, after suppression
    suppressed: list[Suppressed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_scanned: int = 0
    rules: list[Rule] = field(default_factory=list)  # the rules that ran (for SARIF tool.driver.rules)
    duration_s: float = 0.0
    mode: str = "files"  # "files" | "staged" | "history"
    root: str = ""  # absolute project root (SARIF originalUriBaseIds)
    unused_suppressions: list[str] = field(default_factory=list)  # whitelist/baseline entries matching nothing

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0

    def exit_code_at(self, fail_on: Severity | None) -> int:
        """1 when a finding is at or above `fail_on` (None: any finding), like Semgrep's --severity
        with --error: the report still lists the rest."""
        return 1 if any(at_or_above(f.severity, fail_on) for f in self.findings) else 0

    def skipped_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.skipped:
            counts[s.reason] = counts.get(s.reason, 0) + 1
        return counts


class SpecError(Exception):
    """Raised by a kind's compile_spec: `field` is the offending field name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
