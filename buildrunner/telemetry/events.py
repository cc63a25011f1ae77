"""The telemetry event schema: one envelope, one payload schema per event type, validation, JSON.

Envelope (every event)::

    {"schema": 1, "type": "command", "ts": "2026-11-23T23:15:49.123Z", "project": "p_3f…",
     "user": "u_9a…", "br": "0.1.0", "commit": "4b825dc642cb", "data": {...}}

`project` is a keyed BLAKE2 hash of the project root with a per-user random salt (never the path),
`user` a random id created on first use (never a name or e-mail), `commit` the short HEAD hash read
from `.git` without spawning git. The payload schemas below are the whole list of what br records;
docs/TELEMETRY.md lists every field and why.

String fields are short tokens without whitespace (`is_token`): free text (prompts, answers, error
messages, file contents) cannot be expressed. Undeclared extra fields are accepted only as numbers,
booleans or tokens, so other modules can add a metric without a schema change but never a sentence.
"""

from __future__ import annotations

import json
import re
from typing import Any

from buildrunner.telemetry.privacy import sanitize_args, sanitize_string

SCHEMA_VERSION = 1
ENVELOPE_FIELDS = ("schema", "type", "ts", "project", "user", "br", "commit", "data")

_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + "0123456789" + "_.:/@+<>=-…*")
_COMMAND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz" + "0123456789" + "-")
_FIELD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz" + "0123456789" + "_")


def is_token(text: str) -> bool:
    """A short string without whitespace: 1-80 characters of letters, digits and `_.:/@+<>=-…*`."""
    return 0 < len(text) <= 80 and set(text) <= _TOKEN_CHARS


def is_command_path(text: str) -> bool:
    """One or two lower-case command words: `status`, `security check`."""
    words = text.split(" ")
    return len(words) <= 2 and all(w and w[0].isalpha() and set(w) <= _COMMAND_CHARS for w in words)


def is_field_name(text: str) -> bool:
    return 0 < len(text) <= 32 and text[0].isalpha() and set(text) <= _FIELD_CHARS

# envelope checks (compiled on first use: the hot path builds envelopes from trusted values)
TS_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"
ID_PATTERN = r"^[pu]_[0-9a-f]{16}$"
COMMIT_PATTERN = r"^([0-9a-f]{7,40})?$"


class EventError(ValueError):
    """An event that does not match the schema (never written)."""


class Field:
    """One payload field: kind is str | int | num | bool | args | counts. (A plain class: a
    dataclass costs ~1 ms to create at import, on every command.)"""

    __slots__ = ("kind", "required", "choices", "minimum", "maximum", "pattern")

    def __init__(self, kind: str, required: bool = False, choices: tuple[str, ...] | None = None,
                 minimum: float | None = None, maximum: float | None = None, pattern: re.Pattern | None = None):
        self.kind, self.required, self.choices = kind, required, choices
        self.minimum, self.maximum, self.pattern = minimum, maximum, pattern


def _f(kind, required=False, **kw) -> Field:
    return Field(kind, required, **kw)


COMPLEXITY = ("simple", "medium", "complex")

EVENT_TYPES: dict[str, dict[str, Field]] = {
    # the "build events": one per `br` command, written by the CLI group's after-hook
    "command": {
        "command": _f("str", True, pattern=is_command_path),
        "args": _f("args"),
        "duration_ms": _f("num", True, minimum=0),
        "success": _f("bool", True),
        "exit_code": _f("int", True),
    },
    "feature": {
        "action": _f("str", True, choices=("added", "started", "completed")),
        "feature_id": _f("str", True),
        "complexity": _f("str", choices=COMPLEXITY),
        "duration_hours": _f("num", minimum=0),
    },
    # a build run: `br build start <name>` / `br build complete`
    "build_run": {
        "action": _f("str", True, choices=("started", "completed")),
        "build_id": _f("str", True),
        "phase": _f("str"),
        "success": _f("bool"),
        "duration_hours": _f("num", minimum=0),
    },
    "quality": {
        "score": _f("num", True, minimum=0, maximum=100),
        "coverage": _f("num", minimum=0, maximum=100),
        "violations": _f("int", minimum=0),
        "passed": _f("bool"),
    },
    "model_usage": {
        "model": _f("str", True),
        "tier": _f("str"),
        "input_tokens": _f("int", minimum=0),
        "output_tokens": _f("int", minimum=0),
        "cost_usd": _f("num", minimum=0),
        "duration_ms": _f("num", minimum=0),
        "success": _f("bool"),
        "complexity": _f("str"),
    },
    # `br model route|run`: which tier a task went to (never the task), and what came of it
    "model_route": {
        "id": _f("str", True),
        "tier": _f("str"),
        "mode": _f("str", choices=("auto", "manual", "override")),
        "complexity": _f("str"),
    },
    "model_outcome": {
        "id": _f("str", True),
        "outcome": _f("str", True, choices=("ok", "failed", "escalated", "overridden_down")),
        "tier": _f("str"),
        "source": _f("str", choices=("user", "rerun")),
    },
    # counts per rule id, never a matched value
    "security": {
        "counts": _f("counts", True),
        "total": _f("int", minimum=0),
        "scope": _f("str"),
    },
    # parallel builds: batch/merge progress
    "orchestration": {
        "action": _f("str", True),
        "duration_ms": _f("num", minimum=0),
        "success": _f("bool"),
    },
}


def _round(value: float) -> float:
    """4 decimals, but 4 significant digits below 1: a $0.000141 model call must not become $0.0001."""
    return round(value, 4) if abs(value) >= 1 else float(f"{value:.4g}")


def _check(name: str, spec: Field, value: Any) -> Any:  # noqa: C901 — existing debt: split it
    """The value, normalised; EventError if it does not fit `spec`."""
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise EventError(f"{name}: expected true/false")
        return value
    if kind in ("int", "num"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "int" and not isinstance(value, int)):
            raise EventError(f"{name}: expected {'an integer' if kind == 'int' else 'a number'}")
        if value != value or value in (float("inf"), float("-inf")):
            raise EventError(f"{name}: not a finite number")
        if spec.minimum is not None and value < spec.minimum:
            raise EventError(f"{name}: below {spec.minimum}")
        if spec.maximum is not None and value > spec.maximum:
            raise EventError(f"{name}: above {spec.maximum}")
        return _round(value) if isinstance(value, float) else value
    if kind == "str":
        if not isinstance(value, str):
            raise EventError(f"{name}: expected a string")
        if spec.choices is not None:
            if value not in spec.choices:
                raise EventError(f"{name}: must be one of {', '.join(spec.choices)}")
            return value
        value = sanitize_string(value)
        if not (spec.pattern or is_token)(value):
            raise EventError(f"{name}: not a short token (free text is never recorded)")
        return value
    if kind == "args":
        if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
            raise EventError(f"{name}: expected a list of strings")
        return [sanitize_string(a) for a in value]
    if kind == "counts":
        if not isinstance(value, dict):
            raise EventError(f"{name}: expected a mapping of rule id → count")
        out = {}
        for key, count in value.items():
            key = sanitize_string(str(key))
            if not is_token(key) or isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise EventError(f"{name}: entries must be rule id → non-negative integer")
            out[key] = count
        return out
    raise EventError(f"{name}: unknown field kind {kind}")  # pragma: no cover


def _extra(name: str, value: Any) -> Any | None:
    """An undeclared field: numbers, booleans and tokens only; anything else is dropped (None)."""
    if not is_field_name(name) or value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return _round(value) if isinstance(value, float) else value
    if isinstance(value, str):
        value = sanitize_string(value)
        return value if is_token(value) else None
    return None


def normalize_type(event_type: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`orchestration.batch_started` → (`orchestration`, {action: batch_started, ...}): a dotted
    sub-type names the action of a type that has an `action` field."""
    base, dot, action = event_type.partition(".")
    if dot and base in EVENT_TYPES and "action" in EVENT_TYPES[base] and "action" not in data:
        return base, {**data, "action": action}
    return event_type, data


def validate_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The payload checked against its type's schema and sanitized; raises EventError."""
    schema = EVENT_TYPES.get(event_type)
    if schema is None:
        raise EventError(f"unknown event type {event_type!r} (known: {', '.join(EVENT_TYPES)})")
    if not isinstance(data, dict):
        raise EventError("data must be a mapping")
    clean: dict[str, Any] = {}
    for name, spec in schema.items():
        value = data.get(name)
        if value is None:
            if spec.required:
                raise EventError(f"{event_type}.{name} is required")
            continue
        clean[name] = _check(f"{event_type}.{name}", spec, value)
    for name, value in data.items():
        if name not in schema:
            extra = _extra(name, value)
            if extra is not None:
                clean[name] = extra
    return clean


def make_event(event_type: str, data: dict[str, Any], *, ts: str, project: str, user: str,
               br: str, commit: str = "") -> dict[str, Any]:
    """A complete event; the payload is validated and sanitized (raises EventError). The envelope
    comes from trusted values; `validate_event` checks both when reading events back."""
    event_type, data = normalize_type(event_type, data)
    return {"schema": SCHEMA_VERSION, "type": event_type, "ts": ts, "project": project, "user": user,
            "br": br, "commit": commit, "data": validate_data(event_type, data)}


def validate_envelope(event: dict[str, Any]) -> None:
    """Check the envelope fields of a full event (raises EventError)."""
    if not isinstance(event, dict):
        raise EventError("an event is a JSON object")
    missing = [f for f in ENVELOPE_FIELDS if f not in event]
    if missing:
        raise EventError(f"missing envelope fields: {', '.join(missing)}")
    if event["schema"] != SCHEMA_VERSION:
        raise EventError(f"schema version {event['schema']!r} is not {SCHEMA_VERSION}")
    if event["type"] not in EVENT_TYPES:
        raise EventError(f"unknown event type {event['type']!r}")
    if not isinstance(event["ts"], str) or not re.match(TS_PATTERN, event["ts"]):
        raise EventError("ts must be a UTC ISO 8601 timestamp ending in Z")
    for name in ("project", "user"):
        if not isinstance(event[name], str) or not re.match(ID_PATTERN, event[name]):
            raise EventError(f"{name} must be a random/hashed id, not {event[name]!r}")
    if not isinstance(event["commit"], str) or not re.match(COMMIT_PATTERN, event["commit"]):
        raise EventError("commit must be a hex commit hash (or empty)")
    if not isinstance(event["br"], str) or not is_token(event["br"]):
        raise EventError("br must be a version string")


def validate_event(event: dict[str, Any]) -> dict[str, Any]:
    """Full validation of an event read back from disk; returns it (raises EventError)."""
    validate_envelope(event)
    validate_data(event["type"], event["data"])
    return event


def to_line(event: dict[str, Any]) -> bytes:
    """One compact JSON line (UTF-8, newline-terminated)."""
    return (json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def from_line(line: bytes | str) -> dict[str, Any] | None:
    """The event on one log line, or None for a torn/corrupt line."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict):
        return None
    ts = event.get("ts")
    if not isinstance(ts, str) or len(ts) < 10 or not (ts[:4] + ts[5:7] + ts[8:10]).isdigit():
        return None
    return event


def command_data(command: str, args: list[str], duration_ms: float, exit_code: int) -> dict[str, Any]:
    """Payload of a `command` event from the raw argv after the command words."""
    return {"command": command, "args": sanitize_args(args), "duration_ms": round(max(duration_ms, 0.0), 2),
            "success": exit_code == 0, "exit_code": int(exit_code)}


__all__ = ["EVENT_TYPES", "SCHEMA_VERSION", "EventError", "make_event", "validate_event", "validate_data",
           "to_line", "from_line", "command_data", "normalize_type"]
