"""Python template forms beyond a literal formatted in place: a `%` mapping held in a local
variable (only the keys the template uses count), `string.Template` (inline or in a variable,
keywords or a mapping, only the `$names` it uses), and `.format()` called with values on SQL text
that has no `{}` field but `%s` placeholders (the values were meant to go into the SQL: at best the
query is broken, at worst the next edit makes it an injection).
"""

from __future__ import annotations

import re

from buildrunner.engine.analysis.base import CONST, UNKNOWN_VALUE, Value, named_nodes
from buildrunner.engine.analysis.templates import Field, split_brace, split_dollar, split_percent

_TEMPLATE_CLASSES = ("Template", "string.Template")


def _unwrap(node):
    while node is not None and node.type == "parenthesized_expression" and len(named_nodes(node)) == 1:
        node = named_nodes(node)[0]
    return node


def single_assignment(an, ident):
    """The right-hand side of the only assignment to a name (in its function, else the module),
    when the object is never changed in place afterwards (`d[k] = v`, `d.update(...)`); else None."""
    name = an.text(ident)
    scope = an.scope_of(ident)
    while scope is not None:
        if scope.type != an.MODULE and name in an.params(scope):
            return None
        defs = an.defs(scope).get(name)
        if defs:
            break
        scope = an.outer_scope(scope)
    else:
        return None
    if len(defs) != 1 or defs[0].op != "=" or defs[0].rhs is None or defs[0].binding is not None:
        return None
    mutated = re.compile(rf"\b{re.escape(name)}\s*(?:\[[^\]]*\]\s*(?:=[^=]|[-+*/|&%]=)|\.\s*(?:update|setdefault|"
                         rf"pop|popitem|clear|__setitem__)\s*\(|\|=)")
    if mutated.search(an.text(scope)):
        return None
    return defs[0].rhs


def mapping_args(an, node) -> dict | None:
    """`{"a": x, "b": y}` (or a local variable holding one) → {"a": x_node, "b": y_node}; None when
    it is not a literal with constant string keys."""
    node = _unwrap(node)
    if node is not None and node.type == "identifier":
        node = _unwrap(single_assignment(an, node))
    if node is None or node.type != "dictionary":
        return None
    out = {}
    for pair in named_nodes(node):
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is None or key.type != "string":
            return None
        kv = an.value_of(key)
        if kv.kind != CONST:
            return None
        out[kv.text] = pair.child_by_field_name("value")
    return out


def substitute(an, obj, args, depth: int) -> Value:
    """`Template(sql).substitute(name=value)` / `tpl.safe_substitute({"name": value})`: each value
    lands where the template's `$name` is; values for names the template lacks are ignored."""
    obj = _unwrap(obj)
    if obj is not None and obj.type == "identifier":
        obj = _unwrap(single_assignment(an, obj))
    if obj is None or obj.type != "call" or an.text(obj.child_by_field_name("function")) not in _TEMPLATE_CLASSES:
        return UNKNOWN_VALUE
    targs = named_nodes(obj.child_by_field_name("arguments"))
    if not targs:
        return UNKNOWN_VALUE
    template = an.value_of(targs[0], depth)
    values: dict = {}
    for a in named_nodes(args):
        if a.type == "keyword_argument":
            values[an.text(a.child_by_field_name("name"))] = a.child_by_field_name("value")
        elif a.type == "dictionary_splat" or (mapping := mapping_args(an, a)) is None:
            values["*"] = a
        else:
            values = {**mapping, **values}  # keywords win over the mapping, as in substitute()
    return an.format_parts(targs[0], template, split_dollar, values, depth, "substituted into")


def misplaced_format(an, obj, template: Value, args, depth: int) -> Value | None:
    """`"... WHERE id = '%s'".format(uid)`: no `{}` field to take the value, a `%s` waiting for it."""
    values = named_nodes(args)
    if template.kind != CONST or not values:
        return None
    braces, percents = split_brace(template.text), split_percent(template.text)
    if braces is None or any(isinstance(f, Field) for f in braces) or \
            not percents or not any(isinstance(f, Field) for f in percents):
        return None
    values = [v.child_by_field_name("value") if v.type == "keyword_argument" else v for v in values]
    parts = [(obj, template)] + [(v, an.value_of(v, depth)) for v in values if v is not None]
    return an.concat(parts, "meant (by `.format()` on a `%s` template) to be formatted into")
