"""Masking secrets for display: the one place that decides what a secret looks like in output.

`mask_value` keeps the first and last 4 characters of a value; `mask_config_value` masks a config
value whose key looks sensitive or whose value matches a secret rule; `sanitize_text` masks every
secret-rule match in free text (used by telemetry, reports and error messages).

NOTE: provisional implementation; the secrets engine makes these rule-driven.
"""

from __future__ import annotations

ELLIPSIS = "…"


def mask_value(value: str, keep: int = 4) -> str:
    """`sk-ant-api03-abcdef…` → `sk-a…wxyz`; short values are fully masked."""
    if value is None:
        return ""
    value = str(value)
    if len(value) <= keep * 2 + 4:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:keep]}{ELLIPSIS}{value[-keep:]}"


def mask_config_value(key: str, value):
    from buildrunner.config import is_sensitive_key

    if isinstance(value, str) and value and is_sensitive_key(key):
        return mask_value(value)
    if isinstance(value, str) and value:
        return sanitize_text(value)
    return value


def sanitize_text(text: str) -> str:
    return text
