"""Telemetry's `security` event for one scan: counts per rule, never a value."""

from __future__ import annotations

from buildrunner.engine.model import ScanResult


def record_scan(project, result: ScanResult) -> None:
    from buildrunner import telemetry

    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
    telemetry.record("security", project, counts=counts, total=len(result.findings), scope=result.mode,
                     suppressed=len(result.suppressed), files=result.files_scanned)
