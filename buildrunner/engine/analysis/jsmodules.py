"""JavaScript / TypeScript helpers that return SQL, in the same file or imported from another
module of the project.

`buildQuery(id)` — a function of this file (`function buildQuery(id) {...}`, `const buildQuery =
(id) => ...`) or imported from a project module (`import { buildQuery } from "./queries"`,
`const { buildQuery } = require("./queries")`, `import * as q from "./queries"; q.buildQuery(id)`)
— is evaluated with its parameters bound to the call's arguments, as in Python; an imported
constant (`import { USER_Q } from "./sql"`, `sql.USER_Q`) keeps its text. Exports understood:
`export function/const`, `export default`, `export { a as b }`, `module.exports = {...}`,
`module.exports = fn`, `exports.name = ...`. Only relative specifiers (`./x`, `../x`) are
resolved (`.js .ts .mjs .cjs .jsx .tsx`, `index.*`): packages from node_modules are not the
project's. Same bounds as the Python side (analysis/imports.py).
"""

from __future__ import annotations

import os
from dataclasses import replace

from buildrunner.engine.analysis.base import CONST, UNKNOWN_VALUE, Value, named_nodes, node_text
from buildrunner.engine.analysis.imports import HOP_DEPTH, ProjectModules
from buildrunner.engine.analysis.javascript import FUNCTIONS, JavaScriptAnalyzer, bound_call, top_level

_EXTENSIONS = (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx")
_LANGUAGE = {".ts": "typescript", ".tsx": "tsx"}


def _spec_of(string_node) -> str:
    return node_text(string_node).strip("'\"`")


def _require_spec(value) -> str | None:
    """`require("./x")` → "./x"."""
    if value is None or value.type != "call_expression" or node_text(value.child_by_field_name("function")) != "require":
        return None
    args = named_nodes(value.child_by_field_name("arguments"))
    return _spec_of(args[0]) if len(args) == 1 and args[0].type == "string" else None


def imports_of(an) -> dict[str, tuple[str, str]]:
    """Top-level import bindings: local name → (specifier, imported name | "*" (the module) |
    "default")."""
    cached = an.__dict__.get("_js_imports")
    if cached is not None:
        return cached
    out: dict[str, tuple[str, str]] = {}
    for stmt in named_nodes(an.root):
        if stmt.type == "import_statement":
            _es_import(stmt, out)
        elif stmt.type in ("lexical_declaration", "variable_declaration"):
            for d in named_nodes(stmt):
                if d.type == "variable_declarator":
                    _require(d, out)
    an._js_imports = out
    return out


def _es_import(stmt, out: dict) -> None:
    source = stmt.child_by_field_name("source")
    clause = next((c for c in named_nodes(stmt) if c.type == "import_clause"), None)
    if source is None or clause is None:
        return
    spec = _spec_of(source)
    for c in named_nodes(clause):
        if c.type == "identifier":
            out[node_text(c)] = (spec, "default")
        elif c.type == "namespace_import" and named_nodes(c):
            out[node_text(named_nodes(c)[-1])] = (spec, "*")
        elif c.type == "named_imports":
            for s in named_nodes(c):
                ids = [i for i in named_nodes(s) if i.type == "identifier"]
                if ids:
                    out[node_text(ids[-1])] = (spec, node_text(ids[0]))


def _require(declarator, out: dict) -> None:
    """`const q = require("./q")` (the module) / `const { a, b: c } = require("./q")`."""
    spec = _require_spec(declarator.child_by_field_name("value"))
    name = declarator.child_by_field_name("name") if spec is not None else None
    if name is None:
        return
    if name.type == "identifier":
        out[node_text(name)] = (spec, "*")
    elif name.type == "object_pattern":
        for p in named_nodes(name):
            if p.type == "shorthand_property_identifier_pattern":
                out[node_text(p)] = (spec, node_text(p))
            elif p.type == "pair_pattern" and p.child_by_field_name("value").type == "identifier":
                out[node_text(p.child_by_field_name("value"))] = (spec, node_text(p.child_by_field_name("key")))


def exports_of(an) -> dict[str, object]:
    """Exported name → the node holding its value or function (`default` for the default export
    and for `module.exports = fn`)."""
    cached = an.__dict__.get("_js_exports")
    if cached is not None:
        return cached
    local = top_level(an)
    out: dict[str, object] = {}
    for stmt in named_nodes(an.root):
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration")
            value = decl or stmt.child_by_field_name("value") or next(
                (c for c in named_nodes(stmt) if c.type in FUNCTIONS or c.type == "identifier"), None)
            if value is not None and "default" in [node_text(c) for c in stmt.children if not c.is_named]:
                out["default"] = _resolved(value, local)
            for clause in (c for c in named_nodes(stmt) if c.type == "export_clause"):
                for s in named_nodes(clause):
                    ids = [i for i in named_nodes(s) if i.type == "identifier"]
                    if ids and node_text(ids[0]) in local:
                        out[node_text(ids[-1])] = local[node_text(ids[0])]
        elif stmt.type == "expression_statement" and named_nodes(stmt) and named_nodes(stmt)[0].type == "assignment_expression":
            _commonjs(named_nodes(stmt)[0], local, out)
    an._js_exports = {**{k: v for k, v in local.items() if k not in out}, **out}
    return an._js_exports


def _resolved(node, local: dict):
    """A top-level name's declaration (function or value) for an identifier; the node itself otherwise."""
    return local.get(node_text(node), node) if node.type == "identifier" else node


def _commonjs(assign, local: dict, out: dict) -> None:
    left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
    target = " ".join(node_text(left).split())
    if target == "module.exports":
        if right.type == "object":
            for p in named_nodes(right):
                if p.type == "shorthand_property_identifier" and node_text(p) in local:
                    out[node_text(p)] = local[node_text(p)]
                elif p.type == "pair":
                    value = p.child_by_field_name("value")
                    key = node_text(p.child_by_field_name("key")).strip("'\"")
                    out[key] = _resolved(value, local)
        else:
            out["default"] = _resolved(right, local)
    elif target.startswith(("module.exports.", "exports.")):
        out[target.rsplit(".", 1)[1]] = _resolved(right, local)


class JsModules(ProjectModules):
    """The project's JS/TS modules, parsed on demand, for one scan in one process."""

    def __init__(self, root: str, sanitizers=frozenset(), conditional=None):
        super().__init__(root, sanitizers)
        self.conditional = conditional or {}

    def locate_js(self, importer: str, spec: str) -> str | None:
        if not spec.startswith(("./", "../")):
            return None
        key = (os.path.dirname(importer), spec, -1)
        if key not in self._located:
            base = os.path.normpath(os.path.join(os.path.dirname(importer), spec))
            candidates = [base] + [base + e for e in _EXTENSIONS] + [os.path.join(base, "index" + e) for e in _EXTENSIONS]
            if base.endswith(".js"):  # TypeScript sources import "./x.js" for ./x.ts
                candidates += [base[:-3] + e for e in (".ts", ".tsx")]
            self._located[key] = next((c for c in candidates if os.path.isfile(c) and self._inside(c)), None)
        return self._located[key]

    def _language(self, file: str) -> str:
        return _LANGUAGE.get(os.path.splitext(file)[1], "javascript")

    def _new_analyzer(self, root_node):
        return JavaScriptAnalyzer(root_node, sanitizers=self.sanitizers, conditional_sanitizers=self.conditional)

    # -- resolution ------------------------------------------------------------------------------
    def _binding(self, an, ident) -> tuple[str, str] | None:
        """(module file, imported name) for an identifier bound by a top-level import, unless a
        function around the use declares the same name."""
        name = node_text(ident)
        found = imports_of(an).get(name)
        if found is None:
            return None
        scope = an.scope_of(ident)
        while scope is not None and scope.type != an.MODULE:
            if name in an.params(scope) or name in an.defs(scope):
                return None
            scope = an.outer_scope(scope)
        file = self.locate_js(getattr(an, "location", ""), found[0])
        return (file, found[1]) if file is not None else None

    def _exported(self, file: str, name: str):
        mod = self.analyzer(file)
        return (mod, exports_of(mod).get(name)) if mod is not None else (None, None)

    def import_value(self, an, ident, depth: int) -> Value | None:
        """The value of an imported name (`USER_Q`): a constant keeps its text."""
        found = self._binding(an, ident)
        if found is None or found[1] == "*":
            return None if found is None else UNKNOWN_VALUE
        return self._value_in(found[0], found[1], depth)

    def member_value(self, an, node, depth: int) -> Value | None:
        """`sql.USER_Q` where `sql` is a project module (`import * as sql`, `require`)."""
        obj = node.child_by_field_name("object")
        found = self._binding(an, obj) if obj is not None and obj.type == "identifier" else None
        if found is None or found[1] != "*":
            return None
        return self._value_in(found[0], node_text(node.child_by_field_name("property")), depth)

    def _value_in(self, file: str, name: str, depth: int) -> Value:
        mod, node = self._exported(file, name)
        if node is None or node.type in FUNCTIONS or not self._enter(file, name):
            return UNKNOWN_VALUE
        try:
            value = mod.value_of(node, depth + HOP_DEPTH)
        finally:
            self._leave()
        if value.kind != CONST:
            return UNKNOWN_VALUE
        if value.stringy and value.text.strip():
            value = replace(value, steps=value.steps + (mod.step(node, f"`{name}` is the SQL text defined here"),))
        return value

    def call_value(self, an, call, func, args, depth: int) -> Value | None:
        """`buildQuery(id)` / `q.buildQuery(id)` of a project module."""
        if func.type == "identifier":
            found = self._binding(an, func)
            if found is None:
                return None
            file, name = found[0], ("default" if found[1] == "*" else found[1])
        elif func.type == "member_expression":
            obj = func.child_by_field_name("object")
            found = self._binding(an, obj) if obj is not None and obj.type == "identifier" else None
            if found is None or found[1] != "*":
                return None
            file, name = found[0], node_text(func.child_by_field_name("property"))
        else:
            return None
        mod, fn = self._exported(file, name)
        if fn is None or fn.type not in FUNCTIONS or depth > 20 or not self._enter(file, name):
            return UNKNOWN_VALUE
        try:
            return bound_call(an, mod, fn, call, name, args, depth + HOP_DEPTH)
        finally:
            self._leave()
