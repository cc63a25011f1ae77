"""Guarded bridge to `buildrunner.telemetry.record` (which never raises; nor does this).

Events are `orchestration.<action>` with counts, stream names and results only — never task
titles, file names or decision text.
"""

from __future__ import annotations

from pathlib import Path


def emit(event_type: str, root: Path | None = None, **fields) -> None:
    try:
        from buildrunner.project import Project
        from buildrunner.telemetry import record

        record(event_type, project=Project(Path(root)) if root else None, **fields)
    except Exception:  # noqa: BLE001 — telemetry is optional and must never break orchestration
        pass
