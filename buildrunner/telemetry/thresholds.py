"""`ThresholdMonitor`: learning phases (data in `phases.yaml`) measured against the summary index.

A phase is ready when every threshold is met. Metrics come from the project's summary (`scope:
project`) or from the user-level registry summed over projects (`scope: user`), never from a scan
of the log, so a check costs a few small JSON reads even with 100,000 events on disk.

Alert history (`.buildrunner/alerts/history.json` for project phases, `<user data dir>/alerts.json`
for cross-project phases) records when a phase became ready, whether its banner was shown (once on
the command that crossed the threshold, once more on the next `br status`), delivery results and
dismissals, so an alert is raised exactly once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from buildrunner.telemetry import registry
from buildrunner.telemetry._files import (
    parse_iso,
    read_json,
    update_json,
    user_data_dir,
    utc_now_iso,
    write_json_atomic,
)

PHASES_PATH = Path(__file__).with_name("phases.yaml")
METRIC_LABELS = {"features": "Features completed", "builds": "Builds completed", "projects": "Projects",
                 "days": "Days of data"}


def load_phases(path: Path = PHASES_PATH) -> list[dict[str, Any]]:
    """The phases, parsed once per file version (cached as JSON: PyYAML costs ~20 ms to import)."""
    st = os.stat(path)
    key = [str(path), st.st_mtime_ns, st.st_size]
    cache = user_data_dir() / "cache" / "phases.json"
    cached = read_json(cache)
    if isinstance(cached, dict) and cached.get("key") == key:
        return cached["phases"]
    import yaml

    phases = yaml.safe_load(path.read_text(encoding="utf-8"))["phases"]
    for phase in phases:
        if phase.get("scope") not in ("project", "user") or not isinstance(phase.get("thresholds"), dict):
            raise ValueError(f"{path}: phase {phase.get('id')!r} needs scope project|user and thresholds")
        unknown = set(phase["thresholds"]) - set(METRIC_LABELS)
        if unknown:
            raise ValueError(f"{path}: phase {phase['id']!r}: unknown metrics {sorted(unknown)}")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(cache, {"key": key, "phases": phases})
    except OSError:
        pass
    return phases


def history_path(project, scope: str) -> Path:
    return project.br_dir / "alerts" / "history.json" if scope == "project" else user_data_dir() / "alerts.json"


def alert_file(project) -> Path:
    return project.br_dir / "alerts" / "learning_ready.md"


def _days_since(day: str | None, now: float) -> int:
    if not day:
        return 0
    return max(0, int((now - parse_iso(day[:10] + "T00:00:00Z")) // 86400))


class ThresholdMonitor:
    def __init__(self, project, summary: dict[str, Any], *, project_id: str | None = None,
                 projects: dict | None = None, now: float | None = None, phases: list | None = None):
        self.project = project
        self.summary = summary
        self.project_id = project_id
        self._projects = projects
        self.now = time.time() if now is None else now
        self.phases = phases if phases is not None else load_phases()

    # -- measuring -------------------------------------------------------------------------

    @property
    def projects(self) -> dict:
        if self._projects is None:
            self._projects = registry.load()
        return self._projects

    def stats(self, scope: str) -> dict[str, int]:
        s = self.summary
        if scope == "project":
            return {"features": s["features"]["completed"], "builds": s["builds"]["completed"],
                    "days": _days_since(s.get("first_ts"), self.now), "projects": 1 if s.get("events") else 0}
        projects = dict(self.projects)
        if self.project_id and s.get("events"):  # this project's freshest numbers
            projects[self.project_id] = registry.entry_from_summary(s)
        t = registry.totals(projects)
        return {"features": t["features"], "builds": t["builds"], "projects": t["projects"],
                "days": _days_since(t["first_day"], self.now)}

    def phase(self, phase_id: str) -> dict[str, Any]:
        for phase in self.phases:
            if phase["id"] == phase_id:
                return phase
        raise KeyError(phase_id)

    def progress(self, phase: dict[str, Any]) -> list[dict[str, Any]]:
        stats = self.stats(phase["scope"])
        return [{"metric": m, "label": METRIC_LABELS[m], "current": stats[m], "required": req,
                 "met": stats[m] >= req} for m, req in phase["thresholds"].items()]

    def is_ready(self, phase: dict[str, Any]) -> bool:
        return all(p["met"] for p in self.progress(phase))

    def report(self) -> list[dict[str, Any]]:
        out = []
        for phase in self.phases:
            prog = self.progress(phase)
            out.append({"id": phase["id"], "title": phase["title"], "scope": phase["scope"],
                        "ready": all(p["met"] for p in prog), "progress": prog})
        return out

    # -- alerting --------------------------------------------------------------------------

    def history(self, scope: str) -> dict[str, Any]:
        data = read_json(history_path(self.project, scope), {})
        return data if isinstance(data, dict) else {}

    def check(self) -> list[dict[str, Any]]:
        """Record phases that just became ready; returns them (each exactly once, ever)."""
        new: list[dict[str, Any]] = []
        histories = {scope: self.history(scope) for scope in ("project", "user")}
        for phase in self.phases:
            entry = histories[phase["scope"]].get(phase["id"]) or {}
            if entry.get("ready_at") or not self.is_ready(phase):
                continue
            created = []
            progress = self.progress(phase)

            def mutate(data, phase=phase, progress=progress, created=created):
                current = data.setdefault(phase["id"], {})
                if current.get("ready_at"):
                    return  # another process got there first
                current["ready_at"] = utc_now_iso(self.now)
                current["stats"] = {p["metric"]: p["current"] for p in progress}
                created.append(not current.get("dismissed_at"))

            update_json(history_path(self.project, phase["scope"]), mutate)
            if created and created[0]:
                new.append(phase)
                self.write_alert_file(phase)
        return new

    def write_alert_file(self, phase: dict[str, Any]) -> Path:
        from buildrunner.fsutil import atomic_write_text
        from buildrunner.telemetry.banner import render_banner

        path = alert_file(self.project)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, render_banner(phase, self.progress(phase), markdown=True))
        return path

    def banners_due(self, command: str) -> list[dict[str, Any]]:
        """Ready, undismissed phases whose banner is due now; marks them shown."""
        due = []
        for scope in ("project", "user"):
            hist = self.history(scope)
            for phase in self.phases:
                entry = hist.get(phase["id"]) or {}
                if phase["scope"] != scope or not entry.get("ready_at") or entry.get("dismissed_at"):
                    continue
                marks = []
                if not entry.get("banner_shown_at"):
                    marks.append("banner_shown_at")
                    if command == "status":
                        marks.append("status_shown_at")
                elif command == "status" and not entry.get("status_shown_at"):
                    marks.append("status_shown_at")
                if not marks:
                    continue
                due.append(phase)
                now = utc_now_iso(self.now)
                update_json(history_path(self.project, scope),
                            lambda d, pid=phase["id"], marks=marks, now=now: d.setdefault(pid, {}).update({m: now for m in marks}))
        return due

    def dismiss(self, phase_id: str) -> dict[str, Any]:
        phase = self.phase(phase_id)
        now = utc_now_iso(self.now)
        data = update_json(history_path(self.project, phase["scope"]),
                           lambda d: d.setdefault(phase_id, {}).setdefault("dismissed_at", now))
        return data[phase_id]

