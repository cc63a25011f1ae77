"""`TelemetryAnalyzer`: questions about the log, answered from the summary index when possible.

Counts, averages and weekly trends come from `summary.json` (kept current on every append), so
they cost one small file read whatever the size of the history. `query` walks the log itself
(archives are skipped by the dates in their names) for questions the index cannot answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from buildrunner.telemetry.collector import TelemetryCollector


class TelemetryAnalyzer:
    def __init__(self, project, collector: TelemetryCollector | None = None):
        self.project = project
        self.collector = collector or TelemetryCollector(project)
        self._summary: dict[str, Any] | None = None

    @property
    def summary(self) -> dict[str, Any]:
        if self._summary is None:
            self._summary = self.collector.summary()
        return self._summary

    # -- full queries ----------------------------------------------------------------------

    def query(self, event_type: str | None = None, since: str | None = None, until: str | None = None,
              **match: Any) -> Iterator[dict[str, Any]]:
        """Events of `event_type` between `since` and `until` (ISO dates/timestamps, inclusive),
        whose data fields equal `match` (e.g. `action="completed"`)."""
        for event in self.collector.iter_events(since=since, until=until):
            if event_type and event["type"] != event_type:
                continue
            if match and any(event["data"].get(k) != v for k, v in match.items()):
                continue
            yield event

    def count(self, event_type: str | None = None, since: str | None = None, until: str | None = None,
              **match: Any) -> int:
        if since is None and until is None and not match:
            return self.summary["events"] if event_type is None else self.summary["by_type"].get(event_type, 0)
        return sum(1 for _ in self.query(event_type, since, until, **match))

    # -- from the index --------------------------------------------------------------------

    def success_rate(self) -> float | None:
        c = self.summary["commands"]
        return round(c["ok"] / c["count"], 4) if c["count"] else None

    def averages(self) -> dict[str, Any]:
        s = self.summary
        c, f, b, q = s["commands"], s["features"], s["builds"], s["quality"]
        return {
            "command_ms": round(c["duration_ms"] / c["count"], 2) if c["count"] else None,
            "feature_hours": round(f["hours"] / f["completed"], 3) if f["completed"] else None,
            "build_hours": round(b["hours"] / b["completed"], 3) if b["completed"] else None,
            "quality_score": round(q["score_sum"] / q["count"], 2) if q["count"] else None,
            "coverage": round(q["coverage_sum"] / q["coverage_n"], 2) if q["coverage_n"] else None,
        }

    def model_usage(self) -> dict[str, Any]:
        models = self.summary["models"]
        total_cost = sum(m["cost_usd"] for m in models.values())
        total_calls = sum(m["calls"] for m in models.values())
        return {"calls": total_calls, "cost_usd": round(total_cost, 6),
                "by_model": {name: {**m, "cost_usd": round(m["cost_usd"], 6),
                                    "share": round(m["calls"] / total_calls, 4) if total_calls else 0.0}
                             for name, m in sorted(models.items())}}

    def trends(self, weeks: int = 8, today: date | None = None) -> list[dict[str, Any]]:
        """The last `weeks` ISO weeks (oldest first): features, builds, commands, success rate, cost."""
        today = today or date.today()
        rows = []
        for back in range(weeks - 1, -1, -1):
            y, w, _ = (today - timedelta(weeks=back)).isocalendar()
            label = f"{y}-W{w:02d}"
            bucket = self.summary["weeks"].get(label, {})
            cmds = bucket.get("commands", 0)
            rows.append({"week": label, "features": bucket.get("features", 0), "builds": bucket.get("builds", 0),
                         "commands": cmds,
                         "success_rate": round(bucket.get("commands_ok", 0) / cmds, 4) if cmds else None,
                         "model_calls": bucket.get("model_calls", 0),
                         "cost_usd": round(bucket.get("cost_usd", 0.0), 6)})
        return rows

    def features_per_week(self, weeks: int = 4) -> float:
        rows = self.trends(weeks)
        return round(sum(r["features"] for r in rows) / weeks, 2)

    def overview(self) -> dict[str, Any]:
        s = self.summary
        return {"events": s["events"], "corrupt_lines": s["corrupt"], "first_event": s["first_ts"],
                "last_event": s["last_ts"], "active_days": s["active_days"], "by_type": dict(sorted(s["by_type"].items())),
                "features": {k: v for k, v in s["features"].items() if k != "hours"},
                "builds": {k: v for k, v in s["builds"].items() if k != "hours"},
                "success_rate": self.success_rate(), "averages": self.averages(),
                "features_per_week": self.features_per_week(), "model_usage": self.model_usage(),
                "security": {"scans": s["security"]["scans"], "findings": s["security"]["findings"]}}
