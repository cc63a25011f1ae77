"""JavaScript/TypeScript string building: literals, template literals, `+`, `concat()`, `join()`,
local def-use (`const/let/var`, `=`, `+=`)."""

from __future__ import annotations

import re
from dataclasses import replace

from buildrunner.engine.analysis.base import (
    CONST,
    DYNAMIC,
    NUMBER,
    SAFE,
    UNKNOWN,
    UNKNOWN_VALUE,
    Analyzer,
    Def,
    Value,
    named_nodes,
    node_text,
)

# Request input: Express `req.query/body/params/cookies/headers`, Koa `ctx.query`, `ctx.request.body`.
_REQUEST = re.compile(r"^(?:req|request|ctx|ctx\.request)\.(?:query|body|params|cookies|headers)\b")
_MATH = frozenset({"Math.min", "Math.max", "Math.abs", "Math.round", "Math.floor", "Math.ceil", "Math.trunc"})

_STR_METHODS = frozenset({"trim", "trimStart", "trimEnd", "toUpperCase", "toLowerCase", "toString",
                          "normalize"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression",
                       "non_null_expression", "type_assertion"})


def _import_bindings(clause) -> list:
    """The identifiers an import clause binds: default, `* as ns`, `{ a, b as c }` (c, not b)."""
    out = []
    for c in named_nodes(clause):
        if c.type == "identifier":
            out.append(c)
        elif c.type == "namespace_import" and named_nodes(c):
            out.append(named_nodes(c)[-1])
        elif c.type == "named_imports":
            out.extend(ids[-1] for s in named_nodes(c) if (ids := [i for i in named_nodes(s) if i.type == "identifier"]))
    return out


def _pattern_identifiers(pattern) -> list:
    """`{ a, b: c }` → the identifiers a, c."""
    out = []
    for p in named_nodes(pattern):
        if p.type == "shorthand_property_identifier_pattern":
            out.append(p)
        elif p.type == "pair_pattern" and p.child_by_field_name("value") is not None and \
                p.child_by_field_name("value").type == "identifier":
            out.append(p.child_by_field_name("value"))
    return out


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
        for p in named_nodes(plist) if plist is not None else ():
            target = p
            if p.type in ("required_parameter", "optional_parameter"):
                target = p.child_by_field_name("pattern")
            if target is not None and target.type == "assignment_pattern":
                target = target.child_by_field_name("left")
            if target is not None and target.type == "rest_pattern":
                target = (named_nodes(target) or [None])[0]
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
            if name is not None and name.type == "object_pattern" and value is not None and \
                    self.text(value.child_by_field_name("function") or value) == "require":
                return [(self.text(i), Def(node, "unknown", None, node.end_byte, i))  # const { Q } = require("./sql")
                        for i in _pattern_identifiers(name)]
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
            # (with a project root, analysis.jsmodules reads the value from the module: `binding`)
            return [(self.text(i), Def(node, "=" if self.is_constant_name(self.text(i)) else "unknown", None,
                                       node.end_byte, i)) for i in _import_bindings(node)]
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
            inner = named_nodes(node)
            return self.value_of(inner[0], depth) if inner else UNKNOWN_VALUE
        if t == "binary_expression":
            return self._binary(node, depth)
        if t == "call_expression":
            return self._call(node, depth)
        if t == "member_expression":
            return self._member(node, depth)
        if t == "ternary_expression":
            return self.phi([self.value_of(node.child_by_field_name("consequence"), depth),
                             self.value_of(node.child_by_field_name("alternative"), depth)])
        if t == "array":
            values = [self.value_of(e, depth) for e in named_nodes(node)]
            dyn = [v for v in values if v.kind == DYNAMIC]
            if dyn:
                return self.phi(dyn)
            return NUMBER if all(v.kind == CONST for v in values) else UNKNOWN_VALUE
        if t == "object":  # a constant only when every entry is a `key: constant` pair (never dynamic)
            kids = named_nodes(node)
            return NUMBER if all(p.type == "pair" and self.value_of(p.child_by_field_name("value"), depth).kind
                                 == CONST for p in kids) else UNKNOWN_VALUE
        if t == "subscript_expression":
            return self._subscript(node, depth)
        if t == "assignment_expression":
            return self.value_of(node.child_by_field_name("right"), depth)
        return UNKNOWN_VALUE

    def _helper(self, call, func, args, depth: int) -> Value:
        """`buildQuery(id)`: a function of this file, or imported from a project module."""
        imported = self.project.call_value(self, call, func, args, depth) if self.project is not None else None
        if imported is not None:
            return imported
        fn = local_function(self, self.text(func))
        if fn is None or fn.id == self.scope_of(call).id:
            return UNKNOWN_VALUE
        return bound_call(self, self, fn, call, self.text(func), args, depth)

    def _member(self, node, depth: int = 0) -> Value:
        if _REQUEST.match(self.text(node)):
            return self.source(node)  # req.query.sort
        imported = self.project.member_value(self, node, depth) if self.project is not None else None
        if imported is not None:
            return imported  # `sql.USER_Q` of a project module
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
                expr = (named_nodes(c) or [None])[0]
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
        elif node.type == "parenthesized_expression" and len(named_nodes(node)) == 1:
            self._flatten_plus(named_nodes(node)[0], out)
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
        arglist = named_nodes(args) if args is not None and args.type == "arguments" else []
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
            return self._helper(node, func, args, depth)
        return self._method_call(node, func, arglist, depth) if func.type == "member_expression" else UNKNOWN_VALUE

    def _method_call(self, node, func, arglist, depth: int) -> Value:
        """`obj.method(...)`: string methods, `join`, a project module's function, Math of constants."""
        callee = self.text(func)
        imported = self.project.call_value(self, node, func, node.child_by_field_name("arguments"), depth) \
            if self.project is not None else None
        if imported is not None:
            return imported  # `queries.buildQuery(id)` of a project module
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
        if method in ("replace", "replaceAll") and len(arglist) == 2 and vo.kind == CONST:
            new = self.value_of(arglist[1], depth)  # TEMPLATE.replace("%NAME%", name)
            return vo if new.kind == CONST else self.concat([(obj, vo), (arglist[1], new)], "substituted into")
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
                return self.phi([self.value_of((named_nodes(r) or [None])[0], depth) for r in returns])
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
            for i, e in enumerate(named_nodes(obj)):
                if i:
                    parts.append((arglist[0] if arglist else obj, sep))
                parts.append((e, self.value_of(e, depth)))
            return self.concat(parts, "joined into") if parts else Value(CONST, "", True)
        vo = self.value_of(obj, depth)
        if vo.kind in (CONST, DYNAMIC):
            return replace(vo, stringy=True, param=None)
        return Value(UNKNOWN, stringy=True)


# -- helpers returning SQL (this file; imported ones through analysis.jsmodules) ----------------

FUNCTIONS = frozenset({"function_declaration", "function_expression", "arrow_function", "function",
                       "generator_function_declaration"})
MAX_HELPER_BYTES = 8_000


def top_level(an) -> dict[str, object]:
    """Functions and constants declared at the top level (also exported ones): name → node (a
    function, or a declarator's value)."""
    cached = an.__dict__.get("_js_top")
    if cached is not None:
        return cached
    out: dict[str, object] = {}
    for stmt in named_nodes(an.root):
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
        if decl is None:
            continue
        if decl.type in ("function_declaration", "generator_function_declaration"):
            out[node_text(decl.child_by_field_name("name"))] = decl
        elif decl.type in ("lexical_declaration", "variable_declaration"):
            for d in named_nodes(decl):
                name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                if name is not None and name.type == "identifier" and d.child_by_field_name("value") is not None:
                    out[node_text(name)] = d.child_by_field_name("value")
    an._js_top = out
    return out


def local_function(an, name: str):
    node = top_level(an).get(name)
    return node if node is not None and node.type in FUNCTIONS else None


def bound_call(an, owner, fn, call, name: str, args, depth: int) -> Value:
    """What `fn` (a function of `owner`'s file) returns for this call's arguments."""
    if fn.end_byte - fn.start_byte > MAX_HELPER_BYTES or depth > 20:
        return UNKNOWN_VALUE
    params = owner.params(fn)
    bound: dict[str, Value] = {}
    for i, arg in enumerate(named_nodes(args) if args is not None and args.type == "arguments" else []):
        if arg.type == "spread_element":
            return UNKNOWN_VALUE
        if i < len(params) and params[i]:
            bound[params[i]] = an.value_of(arg, depth)
    probe = _Bound(owner, fn, bound)
    body = fn.child_by_field_name("body")
    if body is None:
        return UNKNOWN_VALUE
    if body.type != "statement_block":
        values = [probe.value_of(body, depth)]
    else:
        values = [probe.value_of(named_nodes(r)[0], depth) for r in owner._returns(body) if named_nodes(r)]
    return an.returned(values, call, name, owner)


class _Bound(JavaScriptAnalyzer):
    """Evaluates one helper's returns with its parameters bound to a caller's values (unbound
    parameters keep their defaults, taken as constants)."""

    def __init__(self, parent, helper, bound):
        super().__init__(parent.root, sanitizers=parent.sanitizers, conditional_sanitizers=parent.conditional)
        self.helper, self.bound = helper, bound
        self._defs = parent._defs
        self.path, self.project, self.location = parent.path, parent.project, parent.location
        for key in ("_js_imports", "_js_top", "_js_exports"):
            if key in parent.__dict__:
                self.__dict__[key] = parent.__dict__[key]

    def param_value(self, scope, index: int, name: str) -> Value:
        if scope.id == self.helper.id:
            return self.bound.get(name, Value(CONST, "", True))
        return super().param_value(scope, index, name)
