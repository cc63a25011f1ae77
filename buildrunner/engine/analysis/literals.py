"""Byte-level helpers on source text (no parser), shared by the built-sql prefilters."""

from __future__ import annotations


def closing(text: str, start: int, delim: str) -> int:
    """The index just after the literal's closing delimiter, or -1."""
    i = start
    while True:
        j = text.find(delim, i)
        if j < 0:
            return -1
        backslashes = 0
        while j - 1 - backslashes >= start and text[j - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return j + len(delim)
        i = j + 1
