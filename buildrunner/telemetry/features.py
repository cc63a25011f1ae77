"""Features registry (`.buildrunner/features.json`) and build run records (`.buildrunner/builds.json`).

The two things the learning-phase thresholds count. Each change is a locked read-modify-write with
an atomic replace, and emits its telemetry event (`feature`, `build_run`) from here — command
modules stay free of telemetry code. Feature names stay in features.json (a project file the user
owns); telemetry only ever sees the feature id (`F12`) and its complexity.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from buildrunner.errors import BrError
from buildrunner.fsutil import atomic_write_text
from buildrunner.telemetry import record
from buildrunner.telemetry._files import parse_iso, read_json, update_json, utc_now_iso

COMPLEXITIES = ("simple", "medium", "complex")
STATUSES = ("planned", "in_progress", "done")
BUILD_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _hours(start: str | None, end: str) -> float | None:
    if not start:
        return None
    return round(max(0.0, (parse_iso(end) - parse_iso(start)) / 3600), 4)


def _load(path: Path, key: str) -> dict[str, Any]:
    data = read_json(path, None)
    if data is None and path.exists():
        raise BrError(f"{path}: not valid JSON", hint="fix or move the file; br will not overwrite it")
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
        raise BrError(f"{path}: expected an object with a {key!r} list")
    for i, entry in enumerate(data.get(key, [])):
        missing = [f for f in _REQUIRED[key] if not isinstance(entry, dict) or not isinstance(entry.get(f), str)]
        if missing:  # a hand edit gone wrong: say where, rather than fail later with a KeyError
            raise BrError(f"{path}: {key}[{i}] needs text fields {', '.join(missing)}",
                          hint="fix or move the file; br will not overwrite it")
    return data


_REQUIRED = {"features": ("id", "name", "status", "complexity"), "builds": ("id", "name", "status", "started_at")}


class FeatureRegistry:
    def __init__(self, project):
        self.project = project
        self.path = project.br_dir / "features.json"

    def _update(self, mutate):
        _load(self.path, "features")  # refuse a corrupt file before touching it
        return update_json(self.path, mutate, lambda: {"version": 1, "next_id": 1, "features": []}, timeout=5.0)

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        features = _load(self.path, "features").get("features", [])
        return [f for f in features if status is None or f.get("status") == status]

    def get(self, feature_id: str) -> dict[str, Any]:
        for f in self.list():
            if f["id"].lower() == feature_id.lower():
                return f
        raise BrError(f"no feature {feature_id!r}", hint="`br feature list` shows the ids")

    def add(self, name: str, complexity: str = "medium") -> dict[str, Any]:
        from buildrunner.engine.masking import sanitize_text

        name = sanitize_text(name.strip())  # a key pasted into a name is never stored or echoed
        if not name:
            raise BrError("a feature needs a name")
        if complexity not in COMPLEXITIES:
            raise BrError(f"complexity must be one of {', '.join(COMPLEXITIES)}")
        out: dict[str, Any] = {}

        def mutate(data):
            data.setdefault("features", [])
            n = int(data.get("next_id") or len(data["features"]) + 1)
            out.update({"id": f"F{n}", "name": name, "complexity": complexity, "status": "planned",
                        "added_at": utc_now_iso(), "started_at": None, "completed_at": None})
            data["features"].append(dict(out))
            data["next_id"] = n + 1

        self._update(mutate)
        record("feature", self.project, action="added", feature_id=out["id"], complexity=complexity)
        return out

    def _transition(self, feature_id: str, to: str) -> dict[str, Any]:
        target = self.get(feature_id)
        now = utc_now_iso()
        out: dict[str, Any] = {}

        def mutate(data):
            for f in data["features"]:
                if f["id"] == target["id"]:
                    if to == "in_progress":
                        if f["status"] == "done":
                            raise BrError(f"{f['id']} is already completed")
                        if f["status"] == "in_progress":
                            raise BrError(f"{f['id']} is already started")
                        f["started_at"] = now
                    else:
                        if f["status"] == "done":
                            raise BrError(f"{f['id']} is already completed")
                        f["completed_at"] = now
                    f["status"] = to
                    out.update(f)

        self._update(mutate)
        if to == "in_progress":
            record("feature", self.project, action="started", feature_id=out["id"], complexity=out["complexity"])
        else:
            hours = _hours(out.get("started_at") or out.get("added_at"), now)
            out["duration_hours"] = hours
            record("feature", self.project, action="completed", feature_id=out["id"],
                   complexity=out["complexity"], duration_hours=hours)
        return out

    def start(self, feature_id: str) -> dict[str, Any]:
        return self._transition(feature_id, "in_progress")

    def complete(self, feature_id: str) -> dict[str, Any]:
        return self._transition(feature_id, "done")


def _refuse_busy(busy: dict[str, Any] | None) -> None:
    if busy:
        raise BrError(f"build {busy['id']} ({busy['name']}) is still running",
                      hint="finish it with `br build complete` (or `--failed`)")


class BuildRecords:
    def __init__(self, project):
        self.project = project
        self.path = project.br_dir / "builds.json"

    def list(self) -> list[dict[str, Any]]:
        return _load(self.path, "builds").get("builds", [])

    def running(self) -> dict[str, Any] | None:
        return next((b for b in reversed(self.list()) if b.get("status") == "running"), None)

    def ensure_idle(self) -> None:
        """Raise if a build is running (checked again under the lock by `start`)."""
        _refuse_busy(self.running())

    def start(self, name: str, *, phase: str | None = None, spec: str | None = None) -> dict[str, Any]:
        if not BUILD_NAME_RE.match(name):
            from buildrunner.engine.masking import sanitize_text

            raise BrError(f"build name {sanitize_text(name)!r}: use letters, digits, '_', '-' or '.' (max 64)")
        _load(self.path, "builds")
        out: dict[str, Any] = {}

        def mutate(data):
            builds = data.setdefault("builds", [])
            _refuse_busy(next((b for b in builds if b.get("status") == "running"), None))
            out.update({"id": f"B{int(data.get('next_id') or len(builds) + 1)}", "name": name, "phase": phase,
                        "status": "running", "started_at": utc_now_iso(), "completed_at": None, "spec": spec})
            builds.append(dict(out))
            data["next_id"] = int(out["id"][1:]) + 1

        update_json(self.path, mutate, lambda: {"version": 1, "next_id": 1, "builds": []}, timeout=5.0)
        record("build_run", self.project, action="started", build_id=out["id"], phase=phase or "custom")
        return out

    def complete(self, *, success: bool = True) -> dict[str, Any]:
        _load(self.path, "builds")
        now = utc_now_iso()
        out: dict[str, Any] = {}

        def mutate(data):
            run = next((b for b in reversed(data.get("builds", [])) if b.get("status") == "running"), None)
            if run is None:
                raise BrError("no build is running", hint="start one with `br build start <name>`")
            run["status"] = "succeeded" if success else "failed"
            run["completed_at"] = now
            out.update(run)

        update_json(self.path, mutate, lambda: {"version": 1, "next_id": 1, "builds": []}, timeout=5.0)
        out["duration_hours"] = _hours(out["started_at"], now)
        record("build_run", self.project, action="completed", build_id=out["id"], phase=out.get("phase") or "custom",
               success=success, duration_hours=out["duration_hours"])
        return out


def write_phase_spec(project, phase: dict[str, Any], stats: list[dict[str, Any]], *, force: bool = False) -> Path:
    """A starter spec for a learning phase in `.buildrunner/specs/<phase>.md` (kept if it exists)."""
    path = project.br_dir / "specs" / f"{phase['id']}.md"
    if path.exists() and not force:
        return path
    spec = phase.get("spec") or {}
    lines = [f"# Build spec: {phase['title']}", "", f"_Generated by `br build start {phase['id']}` on "
             f"{time.strftime('%Y-%m-%d', time.gmtime())}. Edit freely; br will not overwrite it._", "",
             "## Goal", "", spec.get("goal", ""), "", "## Data available now", ""]
    lines += [f"- {'✅' if s['met'] else '❌'} {s['label']}: {s['current']} (threshold {s['required']})" for s in stats]
    lines += ["", "## What the user gains", ""] + [f"- {g}" for g in phase.get("gains", [])]
    lines += ["", "## Tasks", ""] + [f"- [ ] {t}" for t in spec.get("tasks", [])]
    lines += ["", "## Acceptance criteria", ""] + [f"- {a}" for a in spec.get("acceptance", [])]
    lines += ["", f"Estimated build time: {phase.get('estimated_build', 'unknown')}", "",
              "When done: `br build complete` (or `br build complete --failed`).", ""]
    atomic_write_text(path, "\n".join(lines))
    return path
