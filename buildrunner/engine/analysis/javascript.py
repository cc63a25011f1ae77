"""JavaScript/TypeScript string building: literals, template literals, `+`, `concat()`, `join()`,
local def-use (`const/let/var`, `=`, `+=`)."""

from __future__ import annotations

import re
from dataclasses import replace

from buildrunner.engine.analysis.base import CONST, DYNAMIC, NUMBER, SAFE, UNKNOWN, UNKNOWN_VALUE, Analyzer, Def, Value

# Request input: Express `req.query/body/params/cookies/headers`, Koa `ctx.query`, `ctx.request.body`.
_REQUEST = re.compile(r"^(?:req|request|ctx|ctx\.request)\.(?:query|body|params|cookies|headers)\b")
_MATH = frozenset({"Math.min", "Math.max", "Math.abs", "Math.round", "Math.floor", "Math.ceil", "Math.trunc"})

_STR_METHODS = frozenset({"trim", "trimStart", "trimEnd", "toUpperCase", "toLowerCase", "toString",
                          "normalize"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression",
                       "non_null_expression", "type_assertion"})


def _named(node):
    return [c for c in node.named_children if c.type != "comment"]


class JavaScriptAnalyzer(Analyzer):
    SCOPES = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                        "method_definition", "generator_function_declaration", "generator_function",
                        "program", "class_static_block"})
    MODULE = "program"
    BRANCHES = frozenset({"if_statement", "else_clause", "for_statement", "for_in_statement",
                          "while_statement", "do_statement", "try_statement", "catch_clause", "switch_case",
                          "switch_default", "ternary_expression", "binary_expression"})

    def __init__(self, root, *, sanitizers=frozenset(), conditional_sanitizers=None):
        super().__init__(root, sanitizers=sanitizers)
        self.conditional = conditional_sanitizers or {}

    # -- def-use ---------------------------------------------------------------------------------
    def params(self, scope) -> list[str]:
        single = scope.child_by_field_name("parameter")
        if single is not None:
            return [self.text(single)]
        plist = scope.child_by_field_name("parameters")
        names: list[str] = []
        for p in _named(plist) if plist is not None else ():
            target = p
            if p.type in ("required_parameter", "optional_parameter"):
                target = p.child_by_field_name("pattern")
            if target is not None and target.type == "assignment_pattern":
                target = target.child_by_field_name("left")
            if target is not None and target.type == "rest_pattern":
                target = (_named(target) or [None])[0]
            names.append(self.text(target) if target is not None and target.type == "identifier" else "")
        return names

    def _targets(self, node) -> list[str]:
        if node is None:
            return []
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            return [self.text(node)]
        out: list[str] = []
        for c in node.named_children:
            if c.type == "property_identifier":
                continue
            out.extend(self._targets(c))
        return out

    DEF_TYPES = frozenset({"variable_declarator", "assignment_expression", "augmented_assignment_expression",
                           "for_in_statement", "function_declaration", "class_declaration",
                           "generator_function_declaration", "catch_clause", "import_clause"})

    def collect_defs(self, node) -> list[tuple[str, Def]]:
        t = node.type
        if t == "variable_declarator":
            name = node.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return [(self.text(name), Def(node, "=", node.child_by_field_name("value"), node.end_byte))]
            value = node.child_by_field_name("value")
            if name is not None and name.type == "object_pattern" and value is not None and \
                    _REQUEST.match(self.text(value)):  # const { sort } = req.query
                return [(n, Def(node, "=", value, node.end_byte)) for n in self._targets(name)]
            return [(n, Def(node, "unknown", None, node.end_byte)) for n in self._targets(name)]
        if t == "assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                return [(self.text(left), Def(node, "=", node.child_by_field_name("right"), node.end_byte))]
            if left is not None and left.type in ("object_pattern", "array_pattern"):
                return [(n, Def(node, "unknown", None, node.end_byte)) for n in self._targets(left)]
            return []
        if t == "augmented_assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                op = self.text(node.child_by_field_name("operator"))
                kind = "+=" if op == "+=" else "unknown"
                return [(self.text(left), Def(node, kind, node.child_by_field_name("right"), node.end_byte))]
            return []
        if t == "for_in_statement":
            right = node.child_by_field_name("right")
            end = right.end_byte if right is not None else node.start_byte
            return [(n, Def(node, "unknown", None, end)) for n in self._targets(node.child_by_field_name("left"))]
        if t in ("function_declaration", "class_declaration", "generator_function_declaration"):
            name = node.child_by_field_name("name")
            return [(self.text(name), Def(node, "unknown", None, node.end_byte))] if name is not None else []
        if t == "catch_clause":
            return [(n, Def(node, "unknown", None, node.start_byte + 1))
                    for n in self._targets(node.child_by_field_name("parameter"))]
        if t == "import_clause":  # `import { PAGE_SIZE } from "./config"`: ALL_CAPS imports are constants
            return [(n, Def(node, "=" if self.is_constant_name(n) else "unknown", None, node.end_byte))
                    for n in self._targets(node)]
        return []

    def builtin_value(self, name: str) -> Value:
        return NUMBER if name in ("undefined", "NaN", "Infinity") else UNKNOWN_VALUE

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate(self, node, depth: int) -> Value:  # noqa: C901 — existing debt: split it
        t = node.type
        if t == "string":
            return Value(CONST, "".join(self.text(c) for c in node.named_children), True)
        if t == "template_string":
            return self._template(node, depth)
        if t in ("number", "true", "false", "null", "undefined"):
            return NUMBER
        if t == "identifier":
            return self.resolve(self.text(node), node, depth)
        if t in _WRAPPERS:
            inner = _named(node)
            return self.value_of(inner[0], depth) if inner else UNKNOWN_VALUE
        if t == "binary_expression":
            return self._binary(node, depth)
        if t == "call_expression":
            return self._call(node, depth)
        if t == "member_expression":
            return self._member(node)
        if t == "ternary_expression":
            return self.phi([self.value_of(node.child_by_field_name("consequence"), depth),
                             self.value_of(node.child_by_field_name("alternative"), depth)])
        if t == "array":
            values = [self.value_of(e, depth) for e in _named(node)]
            dyn = [v for v in values if v.kind == DYNAMIC]
            if dyn:
                return self.phi(dyn)
            return NUMBER if all(v.kind == CONST for v in values) else UNKNOWN_VALUE
        if t == "object":  # a constant only when every entry is a `key: constant` pair (never dynamic)
            kids = _named(node)
            return NUMBER if all(p.type == "pair" and self.value_of(p.child_by_field_name("value"), depth).kind
                                 == CONST for p in kids) else UNKNOWN_VALUE
        if t == "subscript_expression":
            return self._subscript(node, depth)
        if t == "assignment_expression":
            return self.value_of(node.child_by_field_name("right"), depth)
        return UNKNOWN_VALUE

    def _member(self, node) -> Value:
        if _REQUEST.match(self.text(node)):
            return self.source(node)  # req.query.sort
        if self.is_sanitizer(self.text(node)):
            return SAFE
        prop = node.child_by_field_name("property")
        return Value(CONST, "", True) if prop is not None and self.is_constant_name(self.text(prop)) \
            else UNKNOWN_VALUE

    def _subscript(self, node, depth: int) -> Value:
        """SORT_COLUMNS[req.query.sort]: an allowlist lookup; req.query["sort"]: request input."""
        if _REQUEST.match(self.text(node)):
            return self.source(node)
        obj = node.child_by_field_name("object")
        allowlist = obj.type in ("object", "array") or (obj.type == "identifier" and
                                                          self.is_constant_name(self.text(obj)))
        return Value(CONST, "", True) if allowlist and self.value_of(obj, depth).kind == CONST \
            else UNKNOWN_VALUE

    def _template(self, node, depth: int) -> Value:
        parts: list[tuple[object, Value]] = []
        subst = False
        for c in node.named_children:
            if c.type == "template_substitution":
                subst = True
                expr = (_named(c) or [None])[0]
                parts.append((expr or c, self.value_of(expr, depth)))
            else:
                parts.append((c, Value(CONST, self.text(c), True)))
        if not subst:
            return Value(CONST, "".join(v.text for _, v in parts), True)
        return self.concat(parts, "interpolated into")

    def _flatten_plus(self, node, out: list) -> None:
        if node.type == "binary_expression" and self.text(node.child_by_field_name("operator")) == "+":
            self._flatten_plus(node.child_by_field_name("left"), out)
            self._flatten_plus(node.child_by_field_name("right"), out)
        elif node.type == "parenthesized_expression" and len(_named(node)) == 1:
            self._flatten_plus(_named(node)[0], out)
        else:
            out.append(node)

    def _binary(self, node, depth: int) -> Value:
        op = self.text(node.child_by_field_name("operator"))
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op == "+":
            items: list = []
            self._flatten_plus(node, items)
            parts = [(n, self.value_of(n, depth)) for n in items]
            if not any(v.stringy for _, v in parts) and any(n.type == "number" for n, _ in parts):
                return NUMBER  # `i + 1`: arithmetic
            return self.concat(parts)
        if op in ("||", "??", "&&"):  # `req.query.sort || "id"`: either side may be the value
            return self.phi([self.value_of(left, depth), self.value_of(right, depth)])
        return NUMBER  # - * / % ** bitwise comparisons: a number or a boolean, never SQL text

    def _call(self, node, depth: int) -> Value:
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        arglist = _named(args) if args is not None and args.type == "arguments" else []
        callee = self.text(func)
        cond = self._conditional(callee)
        if cond is not None:
            template = self.value_of(arglist[0], depth) if arglist else UNKNOWN_VALUE
            if template.kind == CONST and cond not in template.text:
                return SAFE  # pg-format with only %I / %L
            return self.concat([(a, self.value_of(a, depth)) for a in arglist], "formatted into")
        if self.is_sanitizer(callee):
            return SAFE
        if func.type == "identifier":
            if callee == "String" and len(arglist) == 1:
                v = self.value_of(arglist[0], depth)
                return replace(v, stringy=True)
            return UNKNOWN_VALUE
        if func.type != "member_expression":
            return UNKNOWN_VALUE
        if callee in _MATH and arglist and all(self.value_of(a, depth).kind == CONST for a in arglist):
            return Value(CONST, "", True)  # Math.min(parseInt(n, 10), 100)
        obj = func.child_by_field_name("object")
        method = self.text(func.child_by_field_name("property"))
        if method == "join":
            return self._join(obj, arglist, depth)
        if method in ("fill", "map") and arglist:
            v = self._element_value(method, arglist[0], depth)
            return NUMBER if v.kind == CONST else (v if v.kind == DYNAMIC else UNKNOWN_VALUE)
        vo = self.value_of(obj, depth)
        if not vo.stringy:
            return UNKNOWN_VALUE
        if method == "concat":
            return self.concat([(obj, vo)] + [(a, self.value_of(a, depth)) for a in arglist])
        if method == "repeat" and vo.kind == CONST:
            return vo
        if method in _STR_METHODS:
            return vo
        return UNKNOWN_VALUE

    def _conditional(self, callee: str) -> str | None:
        for name, marker in self.conditional.items():
            if callee == name or callee.endswith("." + name):
                return marker
        return None

    def _element_value(self, method: str, arg, depth: int) -> Value:
        """`.fill("?")` / `.map(() => "?")`: the value every element of the new array has."""
        if method == "fill":
            return self.value_of(arg, depth)
        if arg.type in ("arrow_function", "function_expression", "function"):
            body = arg.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                return self.value_of(body, depth)
            returns = [r for r in self._returns(body)] if body is not None else []
            if returns:
                return self.phi([self.value_of((_named(r) or [None])[0], depth) for r in returns])
        return UNKNOWN_VALUE

    def _returns(self, node):
        for c in node.named_children:
            if c.type == "return_statement":
                yield c
            elif c.type not in self.SCOPES:
                yield from self._returns(c)

    def _join(self, obj, arglist, depth: int) -> Value:
        sep = self.value_of(arglist[0], depth) if arglist else Value(CONST, ",", True)
        if obj.type == "array":
            parts = []
            for i, e in enumerate(_named(obj)):
                if i:
                    parts.append((arglist[0] if arglist else obj, sep))
                parts.append((e, self.value_of(e, depth)))
            return self.concat(parts, "joined into") if parts else Value(CONST, "", True)
        vo = self.value_of(obj, depth)
        if vo.kind in (CONST, DYNAMIC):
            return replace(vo, stringy=True, param=None)
        return Value(UNKNOWN, stringy=True)
