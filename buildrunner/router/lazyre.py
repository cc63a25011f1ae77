"""Regular expressions compiled on first use, and only when the text can match at all.

`br model route` runs in a fresh process, and compiling the router's ~120 phrase patterns with the
stdlib `re` (a pure-Python parser and compiler) was a large part of its start-up. A `LazyPattern`
keeps the source and the *literals every match must contain* (derived from the pattern: "tests?"
needs "test", "(?:auth|oauth)\\w*" needs "auth" or "oauth"). When none of them occurs in the text the
pattern cannot match, so it is neither compiled nor run; otherwise it is compiled once and used.

The derivation is conservative: anything it does not understand (inline flags, a pattern with no
required literal) gives "always compile", never a missed match. tests/router check it on every
pattern of the router against the whole labelled set.

Deriving the literals is itself pure-Python parsing, so they are shipped as data too:
`data/pattern_literals.json` (written by `bench/router_train.py` with the weights, checked by its
`--check` and by a test). A pattern missing from it (just edited) is derived at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

LITERALS_PATH = Path(__file__).resolve().parent / "data" / "pattern_literals.json"
CREATED: list[LazyPattern] = []  # every pattern made here, for the table writer and the tests
_table: dict[str, list[str] | None] | None = None

_ZERO_WIDTH_ESCAPES = "bBAZ"
_CLASS_ESCAPES = "wWdDsSntrfv0123456789"
_MIN_ANCHOR = 2


class LazyPattern:
    """The `re.Pattern` methods the router uses, compiled on the first text that can match."""

    __slots__ = ("pattern", "flags", "anchors", "_compiled", "_fold")
    always = False  # tests set this to compare against eager matching

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self._fold = bool(flags & re.IGNORECASE)
        anchors = None if flags & re.VERBOSE else shipped_literals(pattern)
        self.anchors = frozenset(a.lower() for a in anchors) if anchors and self._fold else anchors
        self._compiled: re.Pattern | None = None
        CREATED.append(self)

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def may_match(self, text: str) -> bool:
        if self.anchors is None or LazyPattern.always:
            return True
        haystack = text.lower() if self._fold else text
        return any(anchor in haystack for anchor in self.anchors)

    def finditer(self, text: str) -> Iterator[re.Match]:
        return self.compiled().finditer(text) if self.may_match(text) else iter(())

    def search(self, text: str) -> re.Match | None:
        return self.compiled().search(text) if self.may_match(text) else None

    def match(self, text: str) -> re.Match | None:
        return self.compiled().match(text) if self.may_match(text) else None

    def sub(self, repl, text: str, count: int = 0) -> str:
        return self.compiled().sub(repl, text, count) if self.may_match(text) else text

    def subn(self, repl, text: str, count: int = 0) -> tuple[str, int]:
        return self.compiled().subn(repl, text, count) if self.may_match(text) else (text, 0)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)


def shipped_literals(pattern: str) -> frozenset[str] | None:
    """`required_literals(pattern)`, from the shipped table when it has the pattern."""
    global _table
    if _table is None:
        try:
            _table = json.loads(LITERALS_PATH.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            _table = {}
    if pattern in _table:
        known = _table[pattern]
        return None if known is None else frozenset(known)
    return required_literals(pattern)


def literals_table() -> str:
    """The JSON text of `data/pattern_literals.json` for every pattern made so far."""
    table = {}
    for p in CREATED:
        literals = required_literals(p.pattern)
        table[p.pattern] = None if literals is None else sorted(literals)
    return json.dumps(dict(sorted(table.items())), indent=0, ensure_ascii=False) + "\n"


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals one of which every match of `pattern` contains, or None when unknown."""
    alternatives = _split_top(pattern)
    if alternatives is None:
        return None
    found: set[str] = set()
    for alternative in alternatives:
        literals = _sequence_literals(alternative)
        if literals is None:
            return None
        found |= literals
    return frozenset(found)


def _split_top(pattern: str) -> list[str] | None:
    """`pattern` split at its top-level `|` (None when brackets do not balance)."""
    parts, depth, start = [], 0, 0
    for i, c in _structural(pattern, 0):
        if i < 0:
            return None
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    if depth:
        return None
    parts.append(pattern[start:])
    return parts


def _structural(pattern: str, start: int) -> Iterator[tuple[int, str]]:
    """(index, char) of each character from `start` outside escapes and classes; (-1, "") when a class does not close."""
    i = start
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            end = _class_end(pattern, i)
            if end < 0:
                yield -1, ""
                return
            i = end + 1
            continue
        yield i, c
        i += 1


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    for i, c in _structural(pattern, start):
        if i < 0:
            return -1
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _atom(seq: str, i: int) -> tuple[str, str, int] | None:
    """The atom at `i`: (kind, value, next index); kinds: lit, class, zero, group, skip."""
    c = seq[i]
    if c == "\\":
        nxt = seq[i + 1:i + 2]
        if not nxt:
            return None
        if nxt in _ZERO_WIDTH_ESCAPES:
            return "zero", "", i + 2
        return ("class", "", i + 2) if nxt in _CLASS_ESCAPES else ("lit", nxt, i + 2)
    if c == "[":
        end = _class_end(seq, i)
        return None if end < 0 else ("class", "", end + 1)
    if c == "(":
        end = _group_end(seq, i)
        if end < 0:
            return None
        inner = seq[i + 1:end]
        if inner.startswith("?:"):
            return "group", inner[2:], end + 1
        if inner.startswith("?P<"):
            return "group", inner[inner.index(">") + 1:], end + 1
        if inner.startswith(("?=", "?!", "?<=", "?<!")):
            return "zero", "", end + 1
        if inner.startswith("?"):
            return None  # inline flags or a conditional: give up (always compile)
        return "group", inner, end + 1
    if c in "^$":
        return "zero", "", i + 1
    if c == ".":
        return "class", "", i + 1
    if c in "*+?{|)":
        return None
    return "lit", c, i + 1


def _quantifier(seq: str, i: int) -> tuple[bool, bool, int]:
    """(optional, repeated, next index) of the quantifier at `i`, if any."""
    if i >= len(seq) or seq[i] not in "*+?{":
        return False, False, i
    if seq[i] == "{":
        end = seq.find("}", i)
        low = seq[i + 1:end].split(",")[0].strip() if end > 0 else ""
        if end < 0 or not low.isdigit():
            return False, False, i  # a literal "{"
        optional, i = int(low) == 0, end + 1
    else:
        optional, i = seq[i] in "*?", i + 1
    if i < len(seq) and seq[i] in "?+":
        i += 1
    return optional, True, i


def _sequence_literals(seq: str) -> frozenset[str] | None:
    run, i = "", 0
    while i < len(seq):
        atom = _atom(seq, i)
        if atom is None:
            return None
        kind, value, i = atom
        optional, repeated, i = _quantifier(seq, i)
        if kind == "lit" and not optional:
            run += value
            if not repeated:
                continue
        if len(run) >= _MIN_ANCHOR:
            return frozenset({run})
        run = ""
        if kind == "group" and not optional:
            inner = required_literals(value)
            if inner:
                return inner
    return frozenset({run}) if len(run) >= _MIN_ANCHOR else None
