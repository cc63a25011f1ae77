"""`--format json`: a stable, versioned document for scripts.

Schema (version 1):
    {"version": 1, "tool": {"name": "br", "version": "…"}, "mode": "files|staged|history",
     "summary": {findings, by_severity, files_scanned, skipped, skipped_by_reason, suppressed,
                 suppressed_by, unused_suppressions, rules, duration_s, exit_code},
     "findings": [Finding.to_dict() …], "skipped": [{path, reason, detail}],
     "suppressed": [{how, reason, finding}], "unused_suppressions": ["…"]}
Findings are in location order; keys never disappear (empty lists instead). A path from a file
name that is not valid UTF-8 keeps its bytes: each undecodable byte is the escape `\\udcXX`.
"""

from __future__ import annotations

from buildrunner.engine.model import ScanResult
from buildrunner.engine.reporters._common import (
    TOOL_NAME,
    by_location,
    clean_data,
    json_dumps_lossless,
    summary,
    tool_version,
)

SCHEMA_VERSION = 1


def document(result: ScanResult) -> dict:
    suppressed = sorted(result.suppressed, key=lambda s: s.finding.sort_key)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "mode": result.mode,
        "summary": summary(result),
        "findings": [clean_data(f.to_dict(), lossless=True) for f in by_location(result.findings)],
        "skipped": [clean_data({"path": s.path, "reason": s.reason, "detail": s.detail}, lossless=True)
                    for s in sorted(result.skipped, key=lambda s: (s.path, s.reason))],
        "suppressed": [clean_data({"how": s.how, "reason": s.reason, "finding": s.finding.to_dict()}, lossless=True)
                       for s in suppressed],
        "unused_suppressions": [clean_data(u, lossless=True) for u in sorted(result.unused_suppressions)],
    }


def render(result: ScanResult, *, indent: int = 2, **_opts) -> str:
    return json_dumps_lossless(document(result), indent=indent) + "\n"
