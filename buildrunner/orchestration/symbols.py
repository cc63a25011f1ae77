"""Symbols and call sites of Python / JavaScript / TypeScript files, via tree-sitter.

The merge checker uses this to find semantic conflicts that git cannot see: two streams changing
the same function, class or method, and one stream changing a function's signature while another
adds or edits calls to it. It lives in orchestration (its only user) and builds on the engine's
shared parsers (`buildrunner.engine.parsing`).

A symbol's *own* text excludes the symbols nested in it, so editing one method does not count as
editing its class, and two streams editing two different methods of one class do not conflict.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from buildrunner.engine.parsing import language_for_path, parse

_WS = re.compile(rb"\s+")

# node type → kind, per language family
_PY_DEFS = {"function_definition": "function", "class_definition": "class"}
_JS_DEFS = {
    "function_declaration": "function", "generator_function_declaration": "function",
    "class_declaration": "class", "abstract_class_declaration": "class", "class": "class",
    "method_definition": "method", "interface_declaration": "interface",
    "type_alias_declaration": "type", "enum_declaration": "enum",
    "function_signature": "function", "abstract_method_signature": "method",
}
_JS_FUNC_VALUES = {"arrow_function", "function_expression", "function", "generator_function",
                   "class"}


@dataclass(frozen=True)
class Symbol:
    name: str            # qualified: Class.method, outer.inner
    kind: str            # function | method | class | interface | type | enum
    signature: str       # parameters (+ return type) or bases, whitespace-normalized
    digest: str          # hash of the symbol's own text (nested symbols excluded)
    line: int            # 1-based first line

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Call:
    callee: str          # the called name: `f` for f(), obj.f(), mod.f()
    text: str            # the call, whitespace-normalized
    line: int


def _norm(data: bytes) -> str:
    return _WS.sub(b" ", data).strip().decode("utf-8", "replace")


def _field_text(node, name: str) -> str:
    child = node.child_by_field_name(name)
    return _norm(child.text) if child is not None else ""


def _own_digest(node, nested: list) -> str:
    """Hash of the node's text with nested symbol spans cut out."""
    data, start = node.text, node.start_byte
    parts, pos = [], 0
    for child in sorted(nested, key=lambda n: n.start_byte):
        parts.append(data[pos:child.start_byte - start])
        pos = child.end_byte - start
    parts.append(data[pos:])
    return hashlib.sha1(_WS.sub(b" ", b"".join(parts))).hexdigest()[:16]


def language_of(path: str) -> str | None:
    return language_for_path(path)


def family(language: str | None) -> str | None:
    if language == "python":
        return "python"
    if language in {"javascript", "typescript", "tsx"}:
        return "js"
    return None


def extract(text: bytes | str, language: str) -> tuple[dict[str, Symbol], list[Call]]:
    """All symbols (qualified name → Symbol) and call sites of one file."""
    tree = parse(text, language)
    fam = family(language)
    symbols: dict[str, Symbol] = {}
    calls: list[Call] = []
    _walk(tree.root_node, fam, "", symbols, calls)
    return symbols, calls


def _definition(node, fam: str):
    """(name, kind, signature, symbol-node) if `node` defines a symbol, else None."""
    t = node.type
    if fam == "python":
        if t in _PY_DEFS:
            kind = _PY_DEFS[t]
            if kind == "function":
                sig = _field_text(node, "parameters")
                ret = _field_text(node, "return_type")
                sig = f"{sig} -> {ret}" if ret else sig
            else:
                sig = _field_text(node, "superclasses")
            return _field_text(node, "name"), kind, sig
        return None
    if t in _JS_DEFS:
        name = _field_text(node, "name")
        if not name:
            return None
        kind = _JS_DEFS[t]
        if kind in {"function", "method"}:
            sig = _field_text(node, "parameters")
            ret = _field_text(node, "return_type")
            sig = f"{sig}{ret}" if ret else sig
        elif kind == "class":
            heritage = next((c for c in node.children if c.type == "class_heritage"), None)
            sig = _norm(heritage.text) if heritage is not None else ""
        else:
            sig = ""
        return name, kind, sig
    if t == "variable_declarator":  # const f = (a, b) => ...; const C = class {...}
        value = node.child_by_field_name("value")
        if value is not None and value.type in _JS_FUNC_VALUES:
            params = value.child_by_field_name("parameters") or value.child_by_field_name("parameter")
            sig = _norm(params.text) if params is not None else ""
            kind = "class" if value.type == "class" else "function"
            return _field_text(node, "name"), kind, sig
    return None


# family → (call node types, member-access node type, the field naming the member)
_CALLS = {"python": ({"call"}, "attribute", "attribute"),
          "js": ({"call_expression", "new_expression"}, "member_expression", "property")}


def _callee(node, fam: str) -> str | None:
    """The called name: `f` of `f(...)`, `m` of `obj.m(...)` (and `new C(...)` in JS)."""
    calls, member_type, member_field = _CALLS.get(fam, ((), "", ""))
    if node.type not in calls:
        return None
    fn = node.child_by_field_name("function") or node.child_by_field_name("constructor")
    if fn is not None and fn.type == member_type:
        fn = fn.child_by_field_name(member_field)
    elif fn is not None and fn.type != "identifier":
        return None
    return fn.text.decode("utf-8", "replace") if fn is not None else None


def _walk(node, fam: str, prefix: str, symbols: dict, calls: list) -> list:
    """Visit `node`'s subtree; return the symbol nodes found directly under the current symbol."""
    found_here: list = []
    for child in node.children:
        callee = _callee(child, fam)
        if callee:
            calls.append(Call(callee, _norm(child.text), child.start_point[0] + 1))
        d = _definition(child, fam)
        if d:
            name, kind, sig = d
            if prefix and kind == "function" and fam == "python" and node.type == "block" \
                    and node.parent is not None and node.parent.type == "class_definition":
                kind = "method"
            qual = f"{prefix}.{name}" if prefix else name
            nested = _walk(child, fam, qual, symbols, calls)
            key, n = qual, 2
            while key in symbols:  # overloads / redefinitions
                key, n = f"{qual}#{n}", n + 1
            symbols[key] = Symbol(key, kind, sig, _own_digest(child, nested), child.start_point[0] + 1)
            found_here.append(child)
        else:
            found_here.extend(_walk(child, fam, prefix, symbols, calls))
    return found_here


@dataclass(frozen=True)
class SymbolChange:
    path: str
    name: str
    kind: str
    change: str                  # added | removed | modified | signature
    old_signature: str = ""
    new_signature: str = ""
    line: int = 0


def diff_file(path: str, old: bytes | None, new: bytes | None) -> tuple[list[SymbolChange], list[Call]]:
    """Symbol changes between two versions of a file, and the call sites that are new or edited."""
    lang = language_of(path)
    if lang is None:
        return [], []
    try:
        old_syms, old_calls = extract(old, lang) if old is not None else ({}, [])
        new_syms, new_calls = extract(new, lang) if new is not None else ({}, [])
    except (ValueError, UnicodeError):  # unparsable bytes: textual checks still apply
        return [], []
    changes: list[SymbolChange] = []
    for name, sym in new_syms.items():
        before = old_syms.get(name)
        if before is None:
            changes.append(SymbolChange(path, name, sym.kind, "added", "", sym.signature, sym.line))
        elif before.signature != sym.signature:
            changes.append(SymbolChange(path, name, sym.kind, "signature", before.signature, sym.signature, sym.line))
        elif before.digest != sym.digest:
            changes.append(SymbolChange(path, name, sym.kind, "modified", sym.signature, sym.signature, sym.line))
    for name, sym in old_syms.items():
        if name not in new_syms:
            changes.append(SymbolChange(path, name, sym.kind, "removed", sym.signature, "", sym.line))
    seen = Counter((c.callee, c.text) for c in old_calls)
    edited: list[Call] = []
    for c in new_calls:
        if seen[(c.callee, c.text)] > 0:
            seen[(c.callee, c.text)] -= 1
        else:
            edited.append(c)
    return changes, edited
