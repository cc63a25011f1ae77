"""The user-level project registry: one small summary per project, in the platform user data dir.

`<user data dir>/buildrunner/projects.json` maps project ids (salted hashes, never paths) to
`{first_day, last_day, features, builds}`. Cross-project learning phases (pattern recognition,
predictive intelligence) count projects and sum features/builds from this file instead of scanning
the disk. Each project's entry is rewritten only when one of its values changes (at most a few
times a day), under a lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from buildrunner.telemetry._files import read_json, update_json, user_data_dir


def registry_path() -> Path:
    return user_data_dir() / "projects.json"


def load() -> dict[str, dict[str, Any]]:
    data = read_json(registry_path(), {})
    projects = data.get("projects") if isinstance(data, dict) else None
    return projects if isinstance(projects, dict) else {}


def entry_from_summary(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_day": (summary.get("first_ts") or "")[:10] or None,
        "last_day": (summary.get("last_ts") or "")[:10] or None,
        "features": summary["features"]["completed"],
        "builds": summary["builds"]["completed"],
    }


def sync(project_id: str, summary: dict[str, Any], projects: dict | None = None) -> dict[str, dict[str, Any]]:
    """Store this project's entry if it changed; returns the (possibly updated) registry."""
    projects = load() if projects is None else projects
    entry = entry_from_summary(summary)
    if projects.get(project_id) == entry or not summary.get("events"):
        return projects

    def mutate(data):
        data.setdefault("version", 1)
        if not isinstance(data.get("projects"), dict):
            data["projects"] = {}
        data["projects"][project_id] = entry

    return update_json(registry_path(), mutate, indent=None)["projects"]


def forget(project_id: str) -> None:
    """Drop a project's entry (after `br telemetry clear`)."""
    if project_id not in load():
        return
    update_json(registry_path(), lambda d: (d.get("projects") or {}).pop(project_id, None), indent=None)


def totals(projects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    firsts = [p["first_day"] for p in projects.values() if p.get("first_day")]
    return {"projects": len(projects), "features": sum(int(p.get("features") or 0) for p in projects.values()),
            "builds": sum(int(p.get("builds") or 0) for p in projects.values()),
            "first_day": min(firsts) if firsts else None}
