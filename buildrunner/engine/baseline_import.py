"""Importing another scanner's accepted findings into br's baseline (`br security baseline --import`).

Three formats, detected from the content:

- **detect-secrets** `.secrets.baseline` (JSON with `results: {file: [{type, hashed_secret,
  line_number}]}`): a br finding matches an entry of the same file when the SHA-1 detect-secrets
  stores equals the SHA-1 of br's secret, or of the quoted/delimited token on the finding's line
  that contains it (detect-secrets' keyword plugin hashes the value without its quotes).
- **gitleaks JSON report** (`gitleaks git|dir --report-format json`: a list of objects with
  `File`, `StartLine`, `RuleID`, `Secret`, `Commit`, `Fingerprint`): matched by the secret when the
  report carries it, by file and line when it was written with `--redact`.
- **`.gitleaksignore`**: one gitleaks fingerprint a line, `[commit:]file:rule-id:line`: matched by
  file and line; an entry naming a commit only when that line is unchanged since the commit.

Matching happens against a fresh br scan of the work tree, so what is written is br's own
fingerprint (content based: it survives line moves and applies to staged and history scans too).
Secrets read from a report are compared in memory and never written anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from buildrunner.engine.model import Finding
from buildrunner.errors import BrError

DETECT_SECRETS = "detect-secrets baseline"
GITLEAKS_REPORT = "gitleaks report"
GITLEAKSIGNORE = ".gitleaksignore"
REDACTED = {"", "REDACTED"}
TOKEN_RE = re.compile(r"[^\s'\"`=:,;()\[\]{}<>]+")
COMMIT_PREFIX_RE = re.compile(r"^([0-9a-f]{7,64}):(.+)$")


@dataclass
class ForeignEntry:
    """One accepted finding of another tool. `secret` is held in memory only, never stored."""

    source: str
    where: str  # its place in the imported file, for messages: `FILE:LINE` or `FILE: results[a.py][0]`
    path: str
    line: int | None
    rule: str = ""
    sha1: str | None = None
    secret: str | None = None
    commit: str | None = None

    def describe(self) -> str:
        at = f"{self.path}:{self.line}" if self.line else self.path
        rule = f" {self.rule}" if self.rule else ""
        return f"{self.where}:{rule} at {at}"


@dataclass
class ImportMatch:
    finding: Finding
    entry: ForeignEntry
    how: str  # "sha1" | "secret" | "line"


# ---------------------------------------------------------------------------------------------
# Reading


def normalize_path(raw: str, root: Path) -> str:
    """A repository-relative POSIX path from what another tool wrote (`./a.py`, `a\\b.py`, absolute)."""
    text = raw.replace("\\", "/")
    path = Path(text)
    if path.is_absolute():
        try:
            text = path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return text
    return PurePosixPath(text).as_posix().removeprefix("./")


def read_foreign(path: Path, root: Path) -> tuple[str, list[ForeignEntry]]:
    """(format, entries) of an imported file; BrError (exit 2) naming the file and line when it is
    not one of the three formats."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BrError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BrError(f"{path}: cannot read it: {exc}") from None
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return GITLEAKSIGNORE, parse_gitleaksignore(text, path, root)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})",
                      hint="import a detect-secrets .secrets.baseline, a gitleaks JSON report or a .gitleaksignore") from None
    if isinstance(data, dict) and isinstance(data.get("results"), dict):
        return DETECT_SECRETS, parse_detect_secrets(data, path, root)
    if isinstance(data, list) or data is None:
        return GITLEAKS_REPORT, parse_gitleaks_report(data or [], path, root)
    raise BrError(f"{path}: not a detect-secrets baseline (no `results` object) nor a gitleaks JSON report "
                  "(a list of findings)")


def parse_detect_secrets(data: dict, path: Path, root: Path) -> list[ForeignEntry]:
    entries: list[ForeignEntry] = []
    for filename, items in data["results"].items():
        if not isinstance(items, list):
            raise BrError(f"{path}: results[{filename!r}] is not a list")
        for i, item in enumerate(items):
            where = f"{path.name}: results[{filename}][{i}]"
            sha1 = item.get("hashed_secret") if isinstance(item, dict) else None
            if not isinstance(sha1, str) or not re.fullmatch(r"[0-9a-f]{40}", sha1):
                raise BrError(f"{where}: no `hashed_secret` (40 hex digits)")
            line = item.get("line_number")
            entries.append(ForeignEntry(DETECT_SECRETS, where, normalize_path(str(item.get("filename") or filename), root),
                                        line if isinstance(line, int) else None, rule=str(item.get("type", "")),
                                        sha1=sha1))
    return entries


def parse_gitleaks_report(data: list, path: Path, root: Path) -> list[ForeignEntry]:
    entries: list[ForeignEntry] = []
    for i, item in enumerate(data):
        where = f"{path.name}: [{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("File"), str):
            raise BrError(f"{where}: a gitleaks finding needs `File` (and `StartLine`, `RuleID`)")
        line = item.get("StartLine")
        if not isinstance(line, int):
            raise BrError(f"{where}: `StartLine` must be a number")
        secret = item.get("Secret")
        entries.append(ForeignEntry(GITLEAKS_REPORT, where, normalize_path(item["File"], root), line,
                                    rule=str(item.get("RuleID", "")),
                                    secret=secret if isinstance(secret, str) and secret not in REDACTED else None,
                                    commit=str(item.get("Commit") or "") or None))
    return entries


def parse_gitleaksignore(text: str, path: Path, root: Path) -> list[ForeignEntry]:
    entries: list[ForeignEntry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, rule, at = (line.rsplit(":", 2) + ["", ""])[:3] if line.count(":") >= 2 else ("", "", "")
        if not head or not rule or not at.isdigit():
            raise BrError(f"{path}:{number}: not a gitleaks fingerprint (expected [commit:]file:rule-id:line)")
        commit = None
        m = COMMIT_PREFIX_RE.match(head)
        if m:
            commit, head = m.group(1), m.group(2)
        entries.append(ForeignEntry(GITLEAKSIGNORE, f"{path.name}:{number}", normalize_path(head, root), int(at),
                                    rule=rule, commit=commit))
    return entries


# ---------------------------------------------------------------------------------------------
# Matching


def sha1_hex(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


DELIMITERS = frozenset(" \t'\"`=:,;()[]{}<>")
MIN_PREFIX = 20  # a shorter prefix of a secret may be shared by many (`MIIEvQIBADANBgkqhkiG`, `sk_live_`)
NEAREST = 6  # delimiters tried on each side of the secret


def _superstrings(value: str, line: str) -> set[str]:
    """The stretches of the line around the secret that end at delimiters (`https://…/T0/B0/x`,
    `KEY=value`), as other tools' regexes cut them."""
    at = line.find(value)
    if at < 0:
        return set()
    end = at + len(value)
    lefts = [0, at] + [i + 1 for i in range(at) if line[i] in DELIMITERS][-NEAREST:]
    rights = [len(line), end] + [j for j in range(end, len(line)) if line[j] in DELIMITERS][:NEAREST]
    return {line[a:b] for a in lefts for b in rights if b - a > len(value)}


def _candidates(value: str, line_text: str) -> dict[str, bool]:
    """SHA-1 → whether it identifies the secret, for br's secret and what other tools hash instead.

    Strong: the value; the tokens on its line that contain it or that it contains, and the
    delimited stretches around it (tools cut values at different delimiters); its prefixes of at
    least MIN_PREFIX characters (detect-secrets' Stripe plugin hashes `sk_live_` + 24 characters of
    a longer key). Weak: the pieces of the value between `_`, `-` and `.` (its GitHub plugin hashes
    only the `ghp` a regex group captured): on the same line they mark the entry as carried over,
    but never import a finding on their own."""
    strong = {value} | _superstrings(value, line_text) | {
        tok for tok in TOKEN_RE.findall(line_text) if len(tok) >= 8 and (value in tok or tok in value)}
    strong |= {value[:k] for k in range(MIN_PREFIX, len(value))}
    out = {sha1_hex(piece): False for piece in re.split(r"[_\-.]", value) if piece}
    out.update((sha1_hex(c), True) for c in strong)
    return out


def _same_secret(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 8 and (a in b or b in a))


class LineCheck:
    """Whether a work-tree line is unchanged since a commit (for entries that name one)."""

    def __init__(self, root: Path, reader):
        self.root = root
        self.reader = reader
        self._blobs: dict[tuple[str, str], list[str] | None] = {}

    def unchanged(self, commit: str, path: str, line: int, current: str) -> bool:
        key = (commit, path)
        if key not in self._blobs:
            from buildrunner.engine.gitio import git

            data = git(self.root, "show", f"{commit}:{path}", check=False)
            self._blobs[key] = data.decode("utf-8", "replace").splitlines() if data else None
        lines = self._blobs[key]
        return bool(lines) and 0 < line <= len(lines) and lines[line - 1] == current


def match_entries(findings: list[Finding], entries: list[ForeignEntry], reader,
                  line_check: LineCheck | None = None) -> tuple[list[ImportMatch], list[ForeignEntry]]:
    """(matches, entries that matched no finding). `reader` is a secretvalues.ValueReader."""
    by_path: dict[str, list[ForeignEntry]] = {}
    for e in entries:
        by_path.setdefault(e.path, []).append(e)
    matches: list[ImportMatch] = []
    used: set[int] = set()
    for f in findings:
        candidates = by_path.get(f.path)
        if not candidates or f.kind != "secret":
            continue
        hits = _matches(f, candidates, reader, line_check)
        # Several of a tool's types may name one secret (detect-secrets: GitHub Token + Base64 High
        # Entropy String). A weak hash alone (`ghp`) would accept any token later put on that line.
        strong = [h for h in hits if h[1] != "weak"]
        if strong:
            matches.append(ImportMatch(f, *strong[0]))
            used.update(id(e) for e, _how in hits)
    return matches, [e for e in entries if id(e) not in used]


def _matches(f: Finding, entries: list[ForeignEntry], reader, line_check) -> list[tuple[ForeignEntry, str]]:
    """Every entry that names `f`'s secret, with how it matched."""
    value = reader.value(f)
    line_text = reader.line(f)
    hashes = _candidates(value, line_text) if value else {}
    out: list[tuple[ForeignEntry, str]] = []
    for e in entries:
        if e.sha1 is not None:
            if hashes.get(e.sha1):
                out.append((e, "sha1"))
            elif e.sha1 in hashes and e.line == f.line:
                out.append((e, "weak"))
        elif e.secret is not None:
            if value and _same_secret(e.secret, value):
                out.append((e, "secret"))
        elif e.line == f.line and (e.commit is None or (
                line_check is not None and line_check.unchanged(e.commit, f.path, e.line, line_text))):
            out.append((e, "line"))
    return out


@dataclass
class ImportReport:
    formats: dict[str, str]  # imported file → its format
    matches: list[ImportMatch]
    unmatched: list[ForeignEntry]


def import_findings(root: Path, findings: list[Finding], files: list[Path], salt: str,
                    texts: dict[str, str] | None = None) -> ImportReport:
    """Match every entry of `files` against br's `findings` of a work-tree scan of `root`."""
    from buildrunner.engine.secretvalues import ValueReader

    formats: dict[str, str] = {}
    entries: list[ForeignEntry] = []
    for file in files:
        fmt, found = read_foreign(file, root)
        formats[str(file)] = fmt
        entries.extend(found)
    reader = ValueReader(root, salt, texts)
    matches, unmatched = match_entries(findings, entries, reader, LineCheck(root, reader))
    return ImportReport(formats, matches, unmatched)


def imported_entry(match: ImportMatch, base: dict) -> dict:
    """A br baseline entry that remembers where it came from (never the value)."""
    return {**base, "imported_from": match.entry.source, "imported_rule": match.entry.rule,
            "matched_by": match.how}
