"""The language-neutral part of the SQL injection autofixes: SQL text split into literal text and
runtime values, and the checks that decide whether each value may become a placeholder.

No parser here (no libcst, no tree-sitter): `fixes/sqli.py` (Python, libcst) and
`fixes/javascript.py` (JS/TS, tree-sitter) split their expressions into `Piece`s and hand them to
`place()` with a few language hooks (`Hooks`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from buildrunner.engine.model import Finding, Fix

_VALUE_BEFORE = re.compile(r"(?:[=<>]|\b(?:like|ilike|limit|offset|between|then|else|when))\s*$", re.I)
_BETWEEN_AND = re.compile(r"\bbetween\s+\S+\s+and\s*$", re.I)
_LIST_OPENER = re.compile(r"\b(?:in|values)\s*\($", re.I)


@dataclass
class Planned:
    finding: Finding
    fix: Fix | None = None
    reason: str = ""  # why it was refused


@dataclass
class FileResult:
    path: str
    original: str
    fixed: str
    planned: list[Planned] = field(default_factory=list)

    @property
    def applied(self) -> list[Planned]:
        return [p for p in self.planned if p.fix is not None]

    @property
    def refused(self) -> list[Planned]:
        return [p for p in self.planned if p.fix is None]


class Refuse(Exception):
    pass


@dataclass(eq=False)
class Val:
    """One runtime value spliced into the SQL text, and what it becomes as a parameter."""

    expr: object
    key: object = None
    code: str = ""        # the parameter expression's code
    name: str = ""        # named/pyformat placeholder name
    sequence: str = ""    # IN-list from `", ".join(seq)`: the sequence's code (one placeholder per item)
    quoted: bool = False  # the value sat inside a quoted SQL literal ('{v}' or '%{v}%')
    position: str = ""    # the SQL text right before the value (lower-cased, stripped)


@dataclass
class Piece:
    """One string expression (the argument, or one of `q = ...` / `q += ...`): prefix, quote and
    tokens alternating text / Val / text ... (always starting and ending with text)."""

    prefix: str
    quote: str
    tokens: list = field(default_factory=list)

    def add(self, token) -> None:
        if isinstance(token, str) and self.tokens and isinstance(self.tokens[-1], str):
            self.tokens[-1] += token
        else:
            if not isinstance(token, str) and (not self.tokens or not isinstance(self.tokens[-1], str)):
                self.tokens.append("")
            self.tokens.append(token)

    def close(self) -> Piece:
        if not self.tokens or not isinstance(self.tokens[-1], str):
            self.tokens.append("")
        return self


class Hooks:
    """What `place()` needs to know about the language the values are written in."""

    sequence_hint = "annotate it, e.g. `ids: list[int]`"

    def code(self, expr) -> str:  # the value's source code
        raise NotImplementedError

    def escaped(self, code: str) -> bool:  # the value is already escaped for SQL
        return False

    def join_sequence(self, expr) -> str | None:
        """`", ".join(ids)` (or its equivalent) over a proven sequence: the sequence's code."""
        return None

    def joins_something(self, expr) -> bool:
        """A join of a value not proven to be a sequence (a whole IN list in one value)."""
        return False

    def partial(self, head: str, code: str, tail: str) -> str:
        """Code for the parameter `head + value + tail` (LIKE patterns: `'%{v}%'`)."""
        raise Refuse("a value is part of a larger quoted literal")


def check_value_position(done: str, before: str, after: str) -> None:
    """Refuse unless the value (already unquoted) sits where SQL takes a value.

    `done` is the SQL text already emitted before `before` (for quote parity)."""
    if (done + before).count("'") % 2:
        raise Refuse("a value is part of a larger quoted literal")
    if before.endswith('"') or before.endswith("`") or before.rstrip().endswith("."):
        raise Refuse("a value is in an identifier position")
    if re.match(r"[\w.\"`\x00]", after):
        raise Refuse("a value is glued to other SQL text")
    stripped = (done + before).rstrip()
    if _VALUE_BEFORE.search(stripped) or _BETWEEN_AND.search(stripped):
        return
    if stripped.endswith(",") or stripped.endswith("("):
        depth = 0
        for i in range(len(stripped) - 1, -1, -1):
            ch = stripped[i]
            if ch == ")":
                depth += 1
            elif ch == "(":
                if depth == 0:
                    if _LIST_OPENER.search(stripped[: i + 1]):
                        if stripped.endswith("(") and after.lstrip().startswith(")") and \
                                re.search(r"\bin\s*\($", stripped, re.I):
                            raise Refuse("a value is the whole IN (...) list: one placeholder would compare "
                                         "against the whole string (pass a list and let the fix expand it)")
                        return
                    break
                depth -= 1
    raise Refuse("a value is not in a value position (identifiers and keywords cannot be parameters)")


def place(pieces: list[Piece], hooks: Hooks) -> list[Val]:
    """Unquote each value, check its position, and turn LIKE-style partial literals and IN lists
    into parameters; rewrites the pieces' text tokens in place. Returns the values in order."""
    flat: list[tuple[Piece, int]] = [(p, i) for p in pieces for i in range(len(p.tokens))]
    values: list[Val] = []
    for n, (piece, i) in enumerate(flat):
        val = piece.tokens[i]
        if not isinstance(val, Val):
            continue
        val.code = hooks.code(val.expr)
        if hooks.escaped(val.code):
            raise Refuse("a value is already escaped for SQL: bound as a parameter, the escape characters "
                         "would become part of the data")
        done = "".join(p.tokens[k] if isinstance(p.tokens[k], str) else "\x00" for p, k in flat[: n - 1])
        before, after = piece.tokens[i - 1], piece.tokens[i + 1]
        rest = ""
        for p, k in flat[n + 2:]:
            if not isinstance(p.tokens[k], str):
                rest += "\x00"  # the next value
                break
            rest += p.tokens[k]
        sequence = hooks.join_sequence(val.expr)
        if sequence is None and hooks.joins_something(val.expr):
            raise Refuse("an IN list joined at run time from a value not proven to be a list, tuple or set "
                         f"({hooks.sequence_hint}, and the fix expands one placeholder per item)")
        if sequence and re.search(r"\bin\s*\(\s*$", done + before, re.I) and (after + rest).lstrip().startswith(")") \
                and (done + before).count("'") % 2 == 0:
            val.sequence = sequence
            values.append(val)
            continue
        if (done + before).count("'") % 2:
            before, after = _unquote(val, before, after, done, hooks)
            piece.tokens[i - 1], piece.tokens[i + 1] = before, after
        check_value_position(done, before, after + rest)
        val.position = " ".join((done + before).split()).lower()
        values.append(val)
    return values


def _unquote(val: Val, before: str, after: str, done: str, hooks: Hooks) -> tuple[str, str]:
    """The value sits inside a quoted SQL literal: `'{v}'` loses its quotes; `'%{v}%'` (LIKE
    patterns) moves the literal's text into the parameter."""
    if "'" not in before or "'" not in after:
        raise Refuse("a value is part of a larger quoted literal")
    q = before.rindex("'")
    head, rest = before[q + 1:], before[:q]
    c = after.index("'")
    tail, after = after[:c], after[c + 1:]
    if (done + rest).count("'") % 2:
        raise Refuse("a value is part of a larger quoted literal")
    if head or tail:
        val.code = hooks.partial(head, val.code, tail)
    val.quoted = True
    return rest, after


def apply_fixes(text: str, fixes: list[Fix]) -> str:
    """Apply non-overlapping edits (1-based lines, 1-based code-point columns, end exclusive)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    out = text
    for fx in sorted(fixes, key=lambda f: (f.start_line, f.start_column), reverse=True):
        a, b = offset(fx.start_line, fx.start_column), offset(fx.end_line, fx.end_column)
        out = out[:a] + fx.replacement + out[b:]
    return out
