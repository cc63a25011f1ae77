"""Shared validation of rule specs (secret, code, repo kinds) and of other YAML specs (plans).

Each helper raises `SpecError(field, message)` naming the offending field; the caller turns it
into `file:line: rule 'id': field 'x': …` (rules) or its own error (plans: `unknown_fields`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from buildrunner.engine.model import SpecError


def unknown_fields(raw: dict, known: Iterable[str]) -> list[str]:
    """The keys of `raw` that are not `known`, sorted (for specs that raise their own errors)."""
    known = set(known)
    return sorted(str(k) for k in raw if k not in known)


def refuse_unknown(raw: dict, known: Iterable[str], what: str, *, field: str | None = None) -> None:
    """SpecError for the first field of `raw` not in `known` ("unknown field `x` for a secret rule")."""
    known = sorted(known)
    unknown = unknown_fields(raw, known)
    if unknown:
        raise SpecError(field or unknown[0], f"unknown field `{unknown[0]}` for {what}; known: {', '.join(known)}")


def is_str_list(value: Any, *, non_empty_items: bool = False) -> bool:
    """Whether `value` is a list of strings (of non-empty strings with `non_empty_items`)."""
    return isinstance(value, list) and all(isinstance(v, str) and (v or not non_empty_items) for v in value)


def str_list(raw: dict, name: str, field: str | None = None, *, non_empty_items: bool = False) -> list[str]:
    """`raw[name]` as a list of strings (one string counts as a list of one; missing: [])."""
    field = field or name
    value = raw.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not is_str_list(value, non_empty_items=non_empty_items):
        kind = "non-empty strings" if non_empty_items else "strings"
        raise SpecError(field, f"`{field}` must be a list of {kind}")
    return value


def boolean(raw: dict, name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        raise SpecError(name, f"`{name}` must be true or false")
    return value


def number(raw: dict, name: str, lo: float, hi: float, *, whole: bool, default: Any) -> Any:
    """`raw[name]` within [lo, hi] (an int when `whole`); `default` when missing."""
    if name not in raw:
        return default
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise SpecError(name, f"`{name}` must be a number between {lo} and {hi}")
    if whole and not isinstance(value, int):
        raise SpecError(name, f"`{name}` must be a whole number")
    return int(value) if whole else float(value)
