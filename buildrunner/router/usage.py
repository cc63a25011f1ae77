"""The model-usage ledger: one JSON line per `br model run`, read back by `br model stats`.

Where: `.buildrunner/usage/model_usage.jsonl`, always, whatever the telemetry setting. The choice:
cost accounting is a feature the user asked for by running `br model run` (like a bill), while
telemetry is opt-out analytics. Keeping the ledger separate means `br model stats` never depends on
telemetry being enabled, and disabling telemetry never deletes cost history. When telemetry is
enabled the same event is also handed to the telemetry collector (`_to_telemetry`, one function).

Event shape (the telemetry issue's `model_usage` type)::

    {"event_type": "model_usage", "timestamp": "2026-11-23T23:15:49.123Z", "schema_version": 1,
     "model": "claude-haiku-5-5", "tier": "haiku", "task_type": "format", "complexity": "simple",
     "routing": "auto", "input_tokens": 812, "output_tokens": 120, "cache_read_input_tokens": 0,
     "cache_creation_input_tokens": 0, "cost_usd": 0.0001412, "duration_ms": 840.2,
     "fallback": false, "fallback_from": [], "attempts": 1, "success": true, "error": null}

Never the task text, the answer or a key. Appends are a single `write` on an `O_APPEND` descriptor,
so concurrent `br model run`s never interleave lines; unreadable lines are skipped and counted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrunner.telemetry._files import parse_iso, utc_now_iso

EVENT_TYPE = "model_usage"
SCHEMA_VERSION = 1
LEDGER = Path("usage") / "model_usage.jsonl"
ALLOWED_FIELDS = (
    "model", "tier", "task_type", "complexity", "routing", "route_id", "input_tokens", "output_tokens",
    "cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation_5m", "cache_creation_1h",
    "cost_usd", "long_context", "duration_ms", "total_ms", "fallback", "fallback_from", "attempts",
    "success", "error", "stop_reason", "prices_estimated",
)


def ledger_path(project) -> Path:
    return project.br_dir / LEDGER


def utc_timestamp(t: float | None = None) -> str:
    """`2026-11-23T23:15:49.123Z`: the same timestamps as telemetry events."""
    return utc_now_iso(t)


def make_event(fields: dict[str, Any], *, timestamp: str | None = None) -> dict[str, Any]:
    """A ledger event from known fields only (anything else, such as text, is dropped)."""
    event: dict[str, Any] = {"event_type": EVENT_TYPE, "timestamp": timestamp or utc_timestamp(),
                             "schema_version": SCHEMA_VERSION}
    event.update({k: fields[k] for k in ALLOWED_FIELDS if k in fields})
    return event


def record(project, fields: dict[str, Any]) -> dict[str, Any]:
    """Append one usage event; raises OSError if the ledger cannot be written (callers warn)."""
    event = make_event(fields)
    path = ledger_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(event, separators=(",", ":"), sort_keys=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    _to_telemetry(project, event)
    return event


def _to_telemetry(project, event: dict[str, Any]) -> None:
    """Hand the event to the telemetry collector (a no-op when telemetry is off). Never raises."""
    try:
        from buildrunner import telemetry

        data = {k: v for k, v in event.items() if k not in {"event_type", "timestamp", "schema_version"}
                and isinstance(v, (int, float, bool, str))}
        telemetry.record(EVENT_TYPE, project=project, **data)
    except Exception:  # noqa: BLE001 — telemetry never changes a command's result
        return


@dataclass
class Ledger:
    events: list[dict[str, Any]] = field(default_factory=list)
    corrupt_lines: int = 0
    path: Path | None = None


def parse_timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def read(project, *, since: float | None = None) -> Ledger:
    """All usage events (optionally those at or after `since`, a UNIX time)."""
    path = ledger_path(project)
    ledger = Ledger(path=path)
    try:
        with path.open("rb") as fh:
            _parse_lines(fh, ledger, since)
    except FileNotFoundError:
        pass
    return ledger


def _parse_lines(lines: Iterable[bytes], ledger: Ledger, since: float | None) -> None:
    for raw in lines:
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            ledger.corrupt_lines += 1
            continue
        if not isinstance(event, dict) or event.get("event_type") != EVENT_TYPE or not isinstance(event.get("model"), str):
            ledger.corrupt_lines += 1
            continue
        ts = parse_timestamp(event.get("timestamp"))
        if ts is None:
            ledger.corrupt_lines += 1
            continue
        if since is not None and ts < since:
            continue
        ledger.events.append(_clean(event))


_TEXT_FIELDS = ("tier", "task_type", "complexity", "routing", "error", "stop_reason")


def _clean(event: dict[str, Any]) -> dict[str, Any]:
    """A hand-edited line's wrong-typed labels become absent, so stats can sort and group them."""
    for key in _TEXT_FIELDS:
        if key in event and not isinstance(event[key], str):
            event[key] = None
    fallback_from = event.get("fallback_from")
    if fallback_from is not None and not (isinstance(fallback_from, list)
                                          and all(isinstance(m, str) for m in fallback_from)):
        event["fallback_from"] = []
    return event
