"""Suppressing findings: inline comments, `.buildrunner/whitelist.txt` and the baseline.

- **Inline**: `# br: ignore[rule-id]`, `// br: ignore[rule-id]` or `/* br: ignore[a, b] */` on the
  finding's line, or alone on the line above. An id matches a rule whose id equals it or starts
  with it followed by a dot, so `br: ignore[secrets]` covers every secret rule but
  `br: ignore[secrets.aws]` does not cover `secrets.aws-access-key`. A bare `br: ignore` naming no
  rule suppresses nothing (the finding carries a hint saying so).
- **Other tools' annotations** (on by default, `security.foreign_annotations: false` turns them
  off), so a team moving from gitleaks, detect-secrets, Bandit or Semgrep keeps its reviewed
  exceptions: `gitleaks:allow` and `pragma: allowlist secret` on a secret's line,
  `pragma: allowlist nextline secret` on the line above it; `nosec` (bare, or naming B608) and
  `nosemgrep: <rule>` naming a SQL rule on a SQL-injection finding's line (nosemgrep also on a
  comment line above). The report names the annotation (`how: annotation`, reason
  `gitleaks:allow`...).
- **Whitelist**: one fingerprint per line, `<fingerprint>  # rule-id path:line reason (added
  YYYY-MM-DD)`. The comment is for humans; only the fingerprint matters, and it never contains the
  secret. Malformed lines produce a warning naming the line, not a crash.
- **Baseline**: JSON listing the fingerprints of findings that existed when it was written, so
  existing findings don't block while new ones do.

Fingerprints are content based (rule + path + salted value hash + occurrence), so entries survive
lines moving, and a *different* secret on a whitelisted line is a different fingerprint.
Nothing here writes the whitelist or baseline during a scan; the CLI's `whitelist` and `baseline`
commands are the only writers.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from buildrunner.engine.model import Document, Finding, Suppressed
from buildrunner.errors import BrError

INLINE_RE = re.compile(r"(?:#|//|/\*|<!--|--|;)\s*br:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
COMMENT_ONLY_RE = re.compile(r"^\s*(?:#|//|/\*|\*|<!--|--|;)")
FINGERPRINT_RE = re.compile(r"^[0-9a-f]{16}:\d+$")
BARE_IGNORE_HINT = "a bare `br: ignore` suppresses nothing: name the rule, e.g. `# br: ignore[{rule}]`"


# ---------------------------------------------------------------------------------------------
# Inline comments


def _ignore_ids(line: str) -> tuple[list[str], bool]:
    """Rule ids named by `br: ignore[...]` markers on a line, and whether a bare marker is there."""
    ids: list[str] = []
    bare = False
    for m in INLINE_RE.finditer(line):
        if m.group(1) is None or not m.group(1).strip():
            bare = True
        else:
            ids.extend(i.strip() for i in m.group(1).split(",") if i.strip())
    return ids, bare


def rule_matches(rule_id: str, ids: list[str]) -> bool:
    return any(rule_id == i or rule_id.startswith(i.rstrip(".") + ".") for i in ids)


# Other tools' annotations. Each regex runs on one line; the prefilter keeps unannotated files cheap.
FOREIGN_PREFILTER_RE = re.compile(r"gitleaks:allow|pragma:\s*allowlist|nosec|nosemgrep", re.IGNORECASE)
GITLEAKS_ALLOW_RE = re.compile(r"gitleaks:allow", re.IGNORECASE)
ALLOWLIST_SECRET_RE = re.compile(r"pragma:\s*allowlist[ -]secret", re.IGNORECASE)
ALLOWLIST_NEXTLINE_RE = re.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret", re.IGNORECASE)
# Bandit: `# nosec`, `# nosec B608`, `# nosec: B608, B101`, `# nosec hardcoded_sql_expressions`.
NOSEC_RE = re.compile(r"#\s*nosec\b:?((?:[ \t]*,?[ \t]*[A-Za-z][\w-]*)*)", re.IGNORECASE)
# Semgrep: `# nosemgrep`, `// nosemgrep: rule.id, other.rule`.
NOSEMGREP_RE = re.compile(r"(?:#|//|/\*|--)\s*nosemgrep\b:?((?:[ \t]*,?[ \t]*[\w.\-/]+)*)", re.IGNORECASE)
BANDIT_SQL_TESTS = {"b608", "hardcoded_sql_expressions"}
BANDIT_TEST_RE = re.compile(r"^B\d{3}$", re.IGNORECASE)


def _is_sql_finding(f: Finding) -> bool:
    return f.kind == "code" and "sql-injection" in f.rule_id


def _names(group: str | None) -> list[str]:
    return [n.strip() for n in re.split(r"[,\s]+", group or "") if n.strip()]


def foreign_annotation(f: Finding, same: str, above: str) -> str | None:
    """The other tool's annotation that suppresses `f`, given its line and the line above, or None."""
    if f.kind == "secret":
        if GITLEAKS_ALLOW_RE.search(same):
            return "gitleaks:allow"
        if ALLOWLIST_SECRET_RE.search(same):
            return "pragma: allowlist secret"
        if ALLOWLIST_NEXTLINE_RE.search(above):
            return "pragma: allowlist nextline secret"
        return None
    if not _is_sql_finding(f):
        return None
    m = NOSEC_RE.search(same)
    if m:
        # Words after `nosec` that are not Bandit test ids/names are prose: a blanket nosec.
        tests = [n for n in _names(m.group(1)) if BANDIT_TEST_RE.match(n) or n.lower() in BANDIT_SQL_TESTS]
        if not tests:
            return "nosec"
        hit = next((n for n in tests if n.lower() in BANDIT_SQL_TESTS), None)
        if hit:
            return f"nosec {hit}"
    for line in (same, above if COMMENT_ONLY_RE.match(above) else ""):
        for m in NOSEMGREP_RE.finditer(line):
            sql = next((n for n in _names(m.group(1)) if "sql" in n.lower()), None)
            if sql:
                return f"nosemgrep: {sql}"
    return None


# Literals each marker regex needs, in lowercase: `in` over the lowercased text rules a regex out far
# faster than the regex scans (its match starts with an alternation).
_INLINE_LITERALS = ("br:",)
_FOREIGN_LITERALS = ("gitleaks:allow", "pragma:", "nosec", "nosemgrep")
# The only non-ASCII characters re.IGNORECASE matches to ASCII letters (a test checks every code point).
_ASCII_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_ASCII_FOLD_TABLE = str.maketrans(_ASCII_FOLDS)


def _markers(text: str, foreign: bool) -> tuple[bool, bool]:
    """(an own `br: ignore` marker, another tool's annotation) is in the text (the regexes decide;
    a literal they need missing from the folded, lowercased text rules them out first)."""
    folded = text
    if not text.isascii() and any(c in text for c in _ASCII_FOLDS):
        folded = text.translate(_ASCII_FOLD_TABLE)
    lowered = folded.lower()
    own = any(w in lowered for w in _INLINE_LITERALS) and bool(INLINE_RE.search(text))
    foreign = foreign and any(w in lowered for w in _FOREIGN_LITERALS) and bool(FOREIGN_PREFILTER_RE.search(text))
    return own, foreign


def inline_suppressions(doc: Document, findings: list[Finding], *,
                        foreign: bool = True) -> tuple[list[Finding], list[Suppressed]]:
    """Split findings into (kept, suppressed by an inline comment). Cheap when no marker exists.

    `foreign` also honours other tools' annotations (see the module docstring)."""
    if not findings:
        return findings, []
    own, foreign = _markers(doc.text, foreign)
    if not own and not foreign:
        return findings, []
    lines = doc.text.splitlines()
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for f in findings:
        idx = f.line - 1 - doc.line_offset
        same = lines[idx] if 0 <= idx < len(lines) else ""
        above = lines[idx - 1] if 1 <= idx <= len(lines) else ""
        annotation = foreign_annotation(f, same, above) if foreign else None
        if annotation:
            suppressed.append(Suppressed(f, "annotation", annotation))
            continue
        ids, bare = _ignore_ids(same)
        if COMMENT_ONLY_RE.match(above):
            more, bare_above = _ignore_ids(above)
            ids += more
            bare = bare or bare_above
        if rule_matches(f.rule_id, ids):
            suppressed.append(Suppressed(f, "inline", f"br: ignore[{', '.join(ids)}]"))
            continue
        if bare:
            f.extra["hint"] = BARE_IGNORE_HINT.format(rule=f.rule_id)
        kept.append(f)
    return kept, suppressed


# ---------------------------------------------------------------------------------------------
# Whitelist


@dataclass
class WhitelistEntry:
    fingerprint: str
    comment: str
    line: int


@dataclass
class Whitelist:
    path: Path
    entries: list[WhitelistEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fingerprints(self) -> dict[str, WhitelistEntry]:
        return {e.fingerprint: e for e in self.entries}


def load_whitelist(path: Path) -> Whitelist:
    wl = Whitelist(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return wl
    except OSError as exc:
        wl.warnings.append(f"{path}: cannot read the whitelist: {exc.strerror}")
        return wl
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        token, _, comment = line.partition("#")
        token = token.strip()
        if not FINGERPRINT_RE.match(token):
            wl.warnings.append(f"{path}:{number}: not a fingerprint ({token[:40]!r}); expected "
                               "`<16 hex digits>:<n>  # comment` — line ignored "
                               "(add entries with `br security whitelist PATH:LINE`)")
            continue
        wl.entries.append(WhitelistEntry(token, comment.strip(), number))
    return wl


def whitelist_line(finding: Finding, reason: str = "", today: date | None = None) -> str:
    """The whitelist entry for a finding; the comment names the rule and place, never the value."""
    today = today or date.today()
    parts = [finding.rule_id, f"{finding.path}:{finding.line}"]
    if reason:
        parts.append(" ".join(reason.split()))
    parts.append(f"(added {today.isoformat()})")
    return f"{finding.fingerprint}  # {' '.join(parts)}"


def append_whitelist(path: Path, lines: list[str]) -> None:
    """Append entries (creating `.buildrunner/` and the file if needed), keeping existing content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        _lock(fh)  # concurrent `br security whitelist` runs append whole entries, one header
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        prefix = b""
        if size == 0:
            prefix = b"# br security whitelist: one finding fingerprint per line; the comment is for humans.\n"
        else:
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                prefix = b"\n"
        fh.seek(0, os.SEEK_END)
        fh.write(prefix + "".join(line + "\n" for line in lines).encode("utf-8"))
        fh.flush()


def _lock(fh) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: appends are still whole writes
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


# ---------------------------------------------------------------------------------------------
# Baseline


@dataclass
class Baseline:
    path: Path
    entries: dict[str, dict] = field(default_factory=dict)  # fingerprint → entry
    created: str = ""


def load_baseline(path: Path) -> Baseline:
    """Read the baseline; a corrupt file is an input error (exit 2), never silently ignored."""
    bl = Baseline(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return bl
    except (OSError, UnicodeDecodeError) as exc:
        raise BrError(f"{path}: cannot read the baseline: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrError(f"{path}:{exc.lineno}: the baseline is not valid JSON ({exc.msg})",
                      hint="regenerate it with `br security baseline --update`, or scan with --no-baseline") from None
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BrError(f"{path}: the baseline has no `findings` list",
                      hint="regenerate it with `br security baseline --update`")
    bl.created = str(data.get("created", ""))
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
            bl.entries[item["fingerprint"]] = item
    return bl


def baseline_entry(finding: Finding, created: str) -> dict:
    return {"fingerprint": finding.fingerprint, "rule_id": finding.rule_id, "path": finding.path,
            "line": finding.line, "masked_value": finding.masked_value, "created": created}


def write_baseline(path: Path, entries: list[dict]) -> None:
    from buildrunner.fsutil import atomic_write_json

    data = {"version": 1, "created": now_iso(), "tool": "br security baseline",
            "findings": sorted(entries, key=lambda e: (e["path"], e["rule_id"], e["fingerprint"]))}
    atomic_write_json(path, data)


def now_iso() -> str:
    """The one timestamp format (`fsutil.utc_now_iso`: UTC, milliseconds, `Z`)."""
    from buildrunner.fsutil import utc_now_iso

    return utc_now_iso()


# ---------------------------------------------------------------------------------------------
# Applying them


@dataclass
class Suppressions:
    whitelist: Whitelist | None = None
    baseline: Baseline | None = None

    @property
    def warnings(self) -> list[str]:
        return list(self.whitelist.warnings) if self.whitelist else []

    def apply(self, findings: list[Finding]) -> tuple[list[Finding], list[Suppressed], list[str]]:
        """(kept, suppressed, unused entry descriptions) for fingerprinted findings."""
        wl = self.whitelist.fingerprints() if self.whitelist else {}
        bl = self.baseline.entries if self.baseline else {}
        used: set[str] = set()
        kept: list[Finding] = []
        suppressed: list[Suppressed] = []
        for f in findings:
            if f.fingerprint in wl:
                used.add(f.fingerprint)
                suppressed.append(Suppressed(f, "whitelist", wl[f.fingerprint].comment))
            elif f.fingerprint in bl:
                used.add(f.fingerprint)
                suppressed.append(Suppressed(f, "baseline", f"baseline {bl[f.fingerprint].get('created', '')}"))
            else:
                kept.append(f)
        unused: list[str] = []
        if self.whitelist:
            for e in self.whitelist.entries:
                if e.fingerprint not in used:
                    unused.append(f"{self.whitelist.path.name}:{e.line}: {e.fingerprint}"
                                  + (f"  # {e.comment}" if e.comment else ""))
        if self.baseline:
            for fp, e in self.baseline.entries.items():
                if fp not in used:
                    unused.append(f"{self.baseline.path.name}: {fp}  # {e.get('rule_id', '?')} "
                                  f"{e.get('path', '?')}:{e.get('line', '?')}")
        return kept, suppressed, unused


def load_suppressions(project, *, use_baseline: bool = True) -> Suppressions:
    return Suppressions(whitelist=load_whitelist(project.whitelist_path),
                        baseline=load_baseline(project.baseline_path) if use_baseline else None)
