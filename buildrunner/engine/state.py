"""The last scan's summary in `.buildrunner/state/last_scan.json`, for `br status`.

Only counts, mode, timestamp and exit code are stored, never a finding's value or snippet.
State is a convenience: an unwritable or corrupt file is ignored, never an error.
"""

from __future__ import annotations

import json

from buildrunner.engine.model import ScanResult, Severity
from buildrunner.fsutil import utc_now_iso

FILE_NAME = "last_scan.json"


def summary(result: ScanResult, exit_code: int | None = None) -> dict:
    counts = {s.value: 0 for s in Severity}
    for f in result.findings:
        counts[f.severity.value] += 1
    how: dict[str, int] = {}
    for s in result.suppressed:
        how[s.how] = how.get(s.how, 0) + 1
    return {
        "timestamp": utc_now_iso(),
        "mode": result.mode,
        "exit_code": result.exit_code if exit_code is None else exit_code,
        "findings": len(result.findings),
        "by_severity": counts,
        "suppressed": how,
        "skipped": result.skipped_counts(),
        "files_scanned": result.files_scanned,
        "duration_s": round(result.duration_s, 3),
    }


def record_last_scan(project, result: ScanResult, exit_code: int | None = None) -> bool:
    """Write the summary atomically; False (and nothing raised) when the directory is unwritable.

    Telemetry's `security` event for the same scan is `telemetry.scans.record_scan` (the engine
    knows nothing about telemetry; `br security check` calls both).
    """
    if not project.br_dir.is_dir():
        return False  # a scan writes nothing where `br init` has not run
    try:
        from buildrunner.fsutil import atomic_write_json

        atomic_write_json(project.state_dir / FILE_NAME, summary(result, exit_code))
        return True
    except OSError:
        return False


def read_last_scan(project) -> dict | None:
    try:
        data = json.loads((project.state_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
