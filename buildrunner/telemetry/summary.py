"""The summary index: running totals kept next to the log, updated on every append.

`summary.json` holds counters (per type, per command, per model, per ISO week) plus the byte
`offset` of `events.jsonl` already counted. The collector updates it under the log's lock right
after each append by reading only the bytes past `offset`, so analyzers and the threshold monitor
read one small file instead of 100,000 events. `rebuild` recounts everything from the archives and
the live log; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

SUMMARY_VERSION = 1


def empty() -> dict[str, Any]:
    return {
        "version": SUMMARY_VERSION, "offset": 0, "ino": 0, "rotations": 0,
        "events": 0, "corrupt": 0, "first_ts": None, "last_ts": None, "active_days": 0, "last_day": None,
        "by_type": {},
        "commands": {"count": 0, "ok": 0, "failed": 0, "duration_ms": 0.0},
        "by_command": {},
        "features": {"added": 0, "started": 0, "completed": 0, "hours": 0.0, "by_complexity": {}},
        "builds": {"started": 0, "completed": 0, "succeeded": 0, "hours": 0.0},
        "quality": {"count": 0, "score_sum": 0.0, "last_score": None, "coverage_sum": 0.0, "coverage_n": 0,
                    "violations": 0},
        "security": {"scans": 0, "findings": 0, "by_rule": {}},
        "models": {},
        "orchestration": {},
        "weeks": {},
    }


def week_of(ts: str) -> str:
    """ISO week label `2026-W48` of a `YYYY-MM-DD...` timestamp."""
    y, w, _ = date(int(ts[0:4]), int(ts[5:7]), int(ts[8:10])).isocalendar()
    return f"{y}-W{w:02d}"


def _bump(d: dict, key: str, by: float = 1) -> None:
    d[key] = d.get(key, 0) + by


def _num(value: Any) -> float:
    """A counter increment from an event value; 0 for anything that is not a number."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def apply(summary: dict[str, Any], event: dict[str, Any], week_label: str | None = None) -> None:
    """Count one event into `summary` (in place). Values of the wrong type count as 0, so a
    hand-edited line can never stop the index from advancing."""
    etype = str(event.get("type"))
    summary["events"] += 1
    _bump(summary["by_type"], etype)
    ts = event.get("ts") or ""
    week = _count_time(summary, ts, week_label) if ts else {}
    counter = _COUNTERS.get(etype)
    if counter is not None:
        counter(summary, event.get("data") or {}, week)


def _count_time(summary: dict[str, Any], ts: str, week_label: str | None) -> dict[str, Any]:
    """First/last timestamp and active days; returns the counters of the event's ISO week."""
    if summary["first_ts"] is None or ts < summary["first_ts"]:
        summary["first_ts"] = ts
    if summary["last_ts"] is None or ts > summary["last_ts"]:
        summary["last_ts"] = ts
    day = ts[:10]
    if day != summary["last_day"]:
        summary["active_days"] += 1
        summary["last_day"] = day
    return summary["weeks"].setdefault(week_label or week_of(ts), {})


def _count_command(summary: dict[str, Any], data: dict, week: dict) -> None:
    c = summary["commands"]
    ok = bool(data.get("success"))
    c["count"] += 1
    c["ok" if ok else "failed"] += 1
    c["duration_ms"] += _num(data.get("duration_ms"))
    per = summary["by_command"].setdefault(str(data.get("command")), {"count": 0, "ok": 0, "duration_ms": 0.0})
    per["count"] += 1
    per["ok"] += ok
    per["duration_ms"] += _num(data.get("duration_ms"))
    _bump(week, "commands")
    _bump(week, "commands_ok", int(ok))


def _count_feature(summary: dict[str, Any], data: dict, week: dict) -> None:
    f = summary["features"]
    action = data.get("action")
    if action in ("added", "started", "completed"):
        f[action] += 1
    if action == "added" and data.get("complexity"):
        _bump(f["by_complexity"], str(data["complexity"]))
    if action == "completed":
        f["hours"] += _num(data.get("duration_hours"))
        _bump(week, "features")


def _count_build_run(summary: dict[str, Any], data: dict, week: dict) -> None:
    b = summary["builds"]
    if data.get("action") == "started":
        b["started"] += 1
    elif data.get("action") == "completed":
        b["completed"] += 1
        b["succeeded"] += int(bool(data.get("success", True)))
        b["hours"] += _num(data.get("duration_hours"))
        _bump(week, "builds")


def _count_quality(summary: dict[str, Any], data: dict, week: dict) -> None:
    q = summary["quality"]
    q["count"] += 1
    q["score_sum"] += _num(data.get("score"))
    q["last_score"] = data.get("score")
    if isinstance(data.get("coverage"), (int, float)):
        q["coverage_sum"] += _num(data["coverage"])
        q["coverage_n"] += 1
    q["violations"] += _num(data.get("violations"))


def _count_security(summary: dict[str, Any], data: dict, week: dict) -> None:
    s = summary["security"]
    s["scans"] += 1
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    total = data.get("total")
    s["findings"] += _num(total) if total is not None else sum(_num(n) for n in counts.values())
    for rule, n in counts.items():
        _bump(s["by_rule"], rule, _num(n))


def _count_model_usage(summary: dict[str, Any], data: dict, week: dict) -> None:
    m = summary["models"].setdefault(str(data.get("model")), {"calls": 0, "failed": 0, "input_tokens": 0,
                                                              "output_tokens": 0, "cost_usd": 0.0})
    m["calls"] += 1
    m["failed"] += int(data.get("success") is False)
    m["input_tokens"] += _num(data.get("input_tokens"))
    m["output_tokens"] += _num(data.get("output_tokens"))
    m["cost_usd"] += _num(data.get("cost_usd"))
    _bump(week, "model_calls")
    _bump(week, "cost_usd", _num(data.get("cost_usd")))


def _count_orchestration(summary: dict[str, Any], data: dict, week: dict) -> None:
    _bump(summary["orchestration"], str(data.get("action")))


# Event type → what it adds to the summary (other types are counted only in `by_type`).
_COUNTERS: dict[str, Callable[[dict[str, Any], dict, dict], None]] = {
    "command": _count_command,
    "feature": _count_feature,
    "build_run": _count_build_run,
    "quality": _count_quality,
    "security": _count_security,
    "model_usage": _count_model_usage,
    "orchestration": _count_orchestration,
}


def apply_lines(summary: dict[str, Any], lines: Iterable[bytes]) -> None:
    from buildrunner.telemetry.events import from_line

    for line in lines:
        if not line.strip():
            continue
        event = from_line(line)
        if event is None:
            summary["corrupt"] += 1
            continue
        try:
            week = week_of(event["ts"])
        except (ValueError, IndexError):  # valid JSON with a nonsense timestamp (a hand-edited line)
            summary["corrupt"] += 1
            continue
        apply(summary, event, week)


COUNTER_KEYS = ("events", "corrupt", "first_ts", "last_ts", "active_days", "by_type", "commands", "by_command",
                "features", "builds", "quality", "security", "models", "orchestration", "weeks")


def counters(summary: dict[str, Any]) -> dict[str, Any]:
    """The counting part of a summary (no file offsets), for comparisons."""
    return {k: summary.get(k) for k in COUNTER_KEYS}
