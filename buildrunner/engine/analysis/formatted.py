"""Values a SQL library formats into the query text itself (`sink.values` of a code rule).

pg-promise replaces `$1` / `${name}` variables with escaped, quoted values: safe. Its filters
change that: `$1:raw` / `$1^` / `${name:raw}` / `${name^}` insert the value verbatim, and
`$1:value` / `$1#` / `${name:value}` / `${name#}` insert it escaped but without quotes (safe only
inside a quoted SQL literal: `'%$1#%'`). A value formatted raw is SQL built from a runtime value,
exactly like string concatenation, and is judged the same way: the query text with the value put
where the placeholder is.

Spec (data, per rule)::

    values:
      argument: [1, values]                          # where the values are (position / keyword)
      raw: ['\\$(?P<key>\\d+)(?::raw|\\^)', ...]      # placeholders formatted verbatim
      unquoted: ['\\$(?P<key>\\d+)(?::value|#)', ...] # verbatim unless inside '...'

`key` is a 1-based index into an array of values (a single non-array value is `$1`) or a property
name of an object of values.
"""

from __future__ import annotations

import re

from buildrunner.engine.analysis.base import CONST, Value
from buildrunner.engine.model import SpecError

_FIELDS = {"argument", "raw", "unquoted"}


def compile_values(raw) -> dict | None:
    """Validate `sink.values`; the argument list is normalised like `sink.argument`."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - _FIELDS or "argument" not in raw or not (raw.get("raw") or
                                                                                       raw.get("unquoted")):
        raise SpecError("sink", "`sink.values` must be a mapping with `argument` and `raw` and/or `unquoted` "
                                "placeholder patterns")
    argument = raw["argument"] if isinstance(raw["argument"], list) else [raw["argument"]]
    if not argument or not all((isinstance(a, int) and not isinstance(a, bool) and a >= 0) or isinstance(a, str)
                               for a in argument):
        raise SpecError("sink", "`sink.values.argument` must be a position, a keyword name, or a list of them")
    patterns = {}
    for kind in ("raw", "unquoted"):
        items = raw.get(kind) or []
        if not isinstance(items, list):
            raise SpecError("sink", f"`sink.values.{kind}` must be a list of regular expressions")
        compiled = []
        for item in items:
            try:
                rx = re.compile(item)
            except (re.error, TypeError) as exc:
                raise SpecError("sink", f"`sink.values.{kind}`: not a valid regex: {exc}") from None
            if "key" not in rx.groupindex:
                raise SpecError("sink", f"`sink.values.{kind}` patterns need a `(?P<key>...)` group")
            compiled.append(rx)
        patterns[kind] = tuple(compiled)
    return {"argument": tuple(argument), **patterns}


def _in_quotes(text: str, pos: int) -> bool:
    """Inside a single-quoted SQL literal (`''` is an escaped quote: the parity still holds)?"""
    return text.count("'", 0, pos) % 2 == 1


def raw_placeholders(text: str, spec: dict) -> list[tuple[int, str, str]]:
    """(position, key, placeholder text) of every placeholder whose value goes in verbatim."""
    found = []
    for rx in spec.get("raw", ()):
        found.extend((m.start(), m.group("key"), m.group(0)) for m in rx.finditer(text))
    for rx in spec.get("unquoted", ()):
        found.extend((m.start(), m.group("key"), m.group(0)) for m in rx.finditer(text)
                     if not _in_quotes(text, m.start()))
    return sorted(set(found))


def _unwrap(an, node):
    while node is not None and node.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
        node = next((c for c in node.named_children if c.type != "comment"), None)
    return node


def _value_node(an, values, key: str):
    """The expression holding the value of placeholder `key` in the values argument, or None."""
    values = _unwrap(an, values)
    if values is None:
        return None
    kids = [c for c in values.named_children if c.type != "comment"]
    if key.isdigit():
        index = int(key) - 1
        if values.type == "array":
            return kids[index] if 0 <= index < len(kids) and kids[index].type != "spread_element" else None
        return values if index == 0 and values.type != "object" else None  # a single value is $1
    if values.type == "object":
        for pair in kids:
            if pair.type == "shorthand_property_identifier" and an.text(pair) == key:
                return pair
            name = pair.child_by_field_name("key") if pair.type == "pair" else None
            if name is not None and an.text(name).strip("'\"") == key:
                return pair.child_by_field_name("value")
        return None
    if values.type == "member_expression" or values.type == "identifier":
        return values  # `values: req.body`: the property is the object's (request input stays input)
    return None


def formatted_value(an, query_node, query: Value, values, spec: dict) -> Value | None:
    """The SQL text with each raw-formatted value in place (None when nothing goes in verbatim, or
    the query text is not a constant)."""
    if query.kind != CONST or not query.stringy or values is None:
        return None
    found = raw_placeholders(query.text, spec)
    if not found:
        return None
    parts: list[tuple[object, Value]] = []
    used: list[str] = []
    pos = 0
    for start, key, placeholder in found:
        node = _value_node(an, values, key)
        if node is None or start < pos:
            continue
        parts.append((query_node, Value(CONST, query.text[pos:start], True)))
        parts.append((node, an.value_of(node)))
        used.append(f"`{placeholder}`")
        pos = start + len(placeholder)
    if not parts:
        return None
    parts.append((query_node, Value(CONST, query.text[pos:], True)))
    return an.concat(parts, f"formatted verbatim by the driver ({', '.join(dict.fromkeys(used))}) into")
