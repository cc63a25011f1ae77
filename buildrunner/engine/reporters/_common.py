"""Helpers every reporter shares: safe text, ordering, summaries, rule lookup.

Reporters only ever read masked fields of a `Finding` (`snippet`, `masked_value`, never a raw
value: the model holds none). As defence in depth, every free-text field goes through
`masking.sanitize_text` on its way out (`clean`), so a secret that slipped into a message or a
path by some other route is still masked in every format.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from buildrunner.engine.masking import sanitize_text
from buildrunner.engine.model import Finding, Rule, ScanResult, Severity
from buildrunner.fsutil import escape_undecodable

TOOL_NAME = "br"
INFORMATION_URI = "https://github.com/buildrunner/buildrunner"
SEVERITIES = tuple(Severity)  # worst first: critical, high, medium, low, info

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def tool_version() -> str:
    from buildrunner import __version__

    return __version__


def clean(text: Any) -> str:
    """Free text as it may appear in a report: secrets masked (defence in depth)."""
    if text is None:
        return ""
    return _clean(str(text))


@lru_cache(maxsize=8192)
def _clean(text: str) -> str:
    """Cached: a report repeats the same message, fix and rule name for every finding of a rule."""
    return sanitize_text(escape_undecodable(text))


@lru_cache(maxsize=8192)
def _sanitized(text: str) -> str:
    """`sanitize_text`, cached like `_clean`: every finding of a rule repeats its message, name and
    fix, every step of a trace its wording."""
    return sanitize_text(text)


def printable(text: Any) -> str:
    """`clean` plus: control characters other than newline and tab (e.g. the ESC of a terminal
    escape sequence planted in a source line) shown as `\\x1b` instead of reaching a terminal or
    a CI log that interprets them."""
    text = clean(text).replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(text: Any) -> str:
    """`printable`, flattened to one line."""
    return printable(text).replace("\n", " ").replace("\t", " ")


def clean_data(value: Any, *, lossless: bool = False) -> Any:
    """`clean` applied to every string in a JSON-like structure. `lossless` keeps undecodable
    bytes of a path as surrogate escapes (masked all the same), for `json_dumps_lossless`."""
    if isinstance(value, str):
        return _sanitized(value) if lossless else clean(value)
    if isinstance(value, dict):
        return {k: clean_data(v, lossless=lossless) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_data(v, lossless=lossless) for v in value]
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_dumps_lossless(data: Any, **kwargs) -> str:
    """JSON whose strings keep a non-UTF-8 file name's bytes: each undecodable byte is written as
    the escape `\\udcXX` (os.fsdecode's convention; `os.fsencode(json.loads(...)["path"])` gives
    the exact bytes back), so the document stays valid UTF-8 and no path is lost or merged."""
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def by_location(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by location: what a reader (or a 10-annotation limit) should see first."""
    return sorted(findings, key=lambda f: (-f.severity.rank, *f.sort_key))


def whitelist_command(finding: Finding) -> str:
    return f"br security whitelist --fingerprint {finding.fingerprint}" if finding.fingerprint else ""


def fingerprint_of(finding: Finding) -> str:
    """The pipeline's fingerprint; for a finding that never got one, a stable stand-in."""
    if finding.fingerprint:
        return finding.fingerprint
    raw = f"{finding.rule_id}\0{finding.path}\0{finding.value_hash}\0{finding.line}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16] + ":0"


def history_note(finding: Finding) -> str:
    """`commit 1a2b3c4d5e6f by Ada <ada@example.com>, 2024-03-01T10:00:00+00:00` for findings from
    git history, else ''."""
    origin = finding.origin
    if origin.kind != "history" or not origin.commit:
        return ""
    note = f"commit {clean(origin.commit[:12])}"
    if origin.author or origin.author_email:
        who = " ".join(p for p in (clean(origin.author or ""), f"<{clean(origin.author_email)}>"
                                   if origin.author_email else "") if p)
        note = f"{note} by {who}"
    return f"{note}, {clean(origin.author_date)}" if origin.author_date else note


def location(finding: Finding) -> str:
    """`path:line:col`, the path masked on its own (a secret's context is the field it is in)."""
    return f"{clean(finding.path)}:{finding.line}:{finding.column}"


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def summary(result: ScanResult) -> dict[str, Any]:
    """The numbers every format reports, in one place."""
    how: dict[str, int] = {}
    for s in result.suppressed:
        how[s.how] = how.get(s.how, 0) + 1
    return {
        "findings": len(result.findings),
        "by_severity": severity_counts(result.findings),
        "files_scanned": result.files_scanned,
        "skipped": len(result.skipped),
        "skipped_by_reason": dict(sorted(result.skipped_counts().items())),
        "suppressed": len(result.suppressed),
        "suppressed_by": dict(sorted(how.items())),
        "unused_suppressions": len(result.unused_suppressions),
        "rules": len(result.rules),
        "duration_s": round(result.duration_s, 3),
        "exit_code": result.exit_code,
    }


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def severity_phrase(counts: dict[str, int]) -> str:
    """`2 critical, 1 medium` (zero counts left out)."""
    return ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)


def summary_line(result: ScanResult) -> str:
    """One line: `3 findings (1 critical, 2 high) in 12 files · 2 skipped: 1 binary, … · 0.40s`,
    or for a clean result `No findings in 12 files (2 skipped: 1 binary, …; 0.40s)`."""
    s = summary(result)
    files = plural(s["files_scanned"], "file")
    extras = []
    if s["skipped"]:
        reasons = ", ".join(f"{n} {r}" for r, n in s["skipped_by_reason"].items())
        extras.append(f"{s['skipped']} skipped: {reasons}")
    if s["suppressed"]:
        hows = ", ".join(f"{n} {h}" for h, n in s["suppressed_by"].items())
        extras.append(f"{s['suppressed']} suppressed: {hows}")
    if s["unused_suppressions"]:
        extras.append(f"{plural(s['unused_suppressions'], 'unused suppression')}")
    extras.append(f"{result.duration_s:.2f}s")
    if not s["findings"]:
        return f"No findings in {files} ({'; '.join(extras)})"
    head = f"{plural(s['findings'], 'finding')} ({severity_phrase(s['by_severity'])}) in {files}"
    return " · ".join([head, *extras])


def rules_by_id(result: ScanResult) -> dict[str, Rule]:
    """The rules that ran, plus a stand-in for any finding whose rule is not among them
    (e.g. a repo-level check that reports without a pack rule), so every result has a rule."""
    rules = {r.id: r for r in result.rules}
    for f in result.findings + [s.finding for s in result.suppressed]:
        if f.rule_id not in rules:
            rules[f.rule_id] = Rule(id=f.rule_id, kind=f.kind, name=f.rule_name or f.rule_id,
                                    severity=f.severity, message=f.message, fix=f.fix,
                                    tags=tuple(f.tags), cwe=tuple(f.cwe))
    return rules
