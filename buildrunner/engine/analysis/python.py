"""Python string building: literals, f-strings, `+`, `%`, `.format()`, `str.join`, local def-use."""

from __future__ import annotations

import re
from dataclasses import replace

from buildrunner.engine.analysis import folding, interprocedural
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
    word_spans,
)
from buildrunner.engine.analysis.pyformat import mapping_args, misplaced_format, substitute
from buildrunner.engine.analysis.templates import Field, split_brace, split_percent

_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "casefold", "title", "capitalize",
                          "expandtabs", "removeprefix", "removesuffix", "decode", "encode"})
_COLLECTIONS = frozenset({"list", "tuple", "set", "expression_list"})
_COMPREHENSIONS = frozenset({"list_comprehension", "generator_expression", "set_comprehension"})
_AUG_OPS = {"+=": "+=", "%=": "%="}
_SAME_TEXT = frozenset({"dedent", "textwrap.dedent", "cleandoc", "inspect.cleandoc"})  # reformat, keep the values
_NUMERIC = frozenset({"min", "max", "abs", "round"})  # of constants only: a constant


# Request input: Flask (args, form, values, json, get_json(), data), Django (GET, POST, body,
# COOKIES, META), Starlette/FastAPI (query_params, path_params); also `self.request` (class-based views).
_REQUEST = re.compile(r"^(?:self\.)?request\.(?:get_json\s*\(|(?:args|form|values|json|data|GET|POST|body|COOKIES|"
                      r"cookies|headers|META|query_params|path_params)\b)")
_NUMERIC_ARG = re.compile(r"\btype\s*=\s*(?:int|float|bool)\b")
# Route decorators: Flask/Quart `@app.route`, `@bp.get`; FastAPI `@app.get`, `@router.post`...
_ROUTE = re.compile(r"^@\s*[\w.]+\.(?:route|get|post|put|patch|delete|api_route|websocket)\s*\(")
_INPUT_TYPES = re.compile(r"^(?:str|Optional\[str\]|str\s*\|\s*None|None\s*\|\s*str|Any)$")


def _numeric(field: Field) -> bool:
    """A `%d` / `%.2f` / `{:d}` / `{:>5.1f}` field: formatting raises unless the value is a number."""
    if field.conversion in ("d", "i", "u", "f", "F", "e", "E", "g", "G", "x", "X", "o"):
        return True
    return field.conversion == "" and field.spec not in ("", "attr") and field.spec[-1] in "dnfFeEgGxXob%"


_QUOTE_DOUBLING = {("'", "''"), ('"', '""')}


_GLOBAL_WORD = re.compile(rb"global(?<!\wglobal)\b")  # `\bglobal\b`, led by its literal: ~30x faster
_QUERIES: dict[str, object] = {}


def _nodes(root, pattern: str) -> list:
    """The nodes a one-capture query finds in the tree, in document order (the tree is walked in C,
    not node by node in Python)."""
    from tree_sitter import Query, QueryCursor

    query = _QUERIES.get(pattern)
    if query is None:
        from buildrunner.engine.parsing import get_language

        query = _QUERIES[pattern] = Query(get_language("python"), pattern)
    return QueryCursor(query).captures(root).get("n", [])


class PythonAnalyzer(Analyzer):
    SCOPES = frozenset({"function_definition", "lambda", "module"})
    MODULE = "module"
    STRICT_LOCALS = True
    BRANCHES = frozenset({"if_statement", "elif_clause", "else_clause", "for_statement", "while_statement",
                          "try_statement", "except_clause", "except_group_clause", "match_statement",
                          "case_clause", "conditional_expression", "boolean_operator"})

    def query(self, pattern: str) -> list:
        """The nodes of the file a one-capture (`@n`) tree-sitter query finds, in document order."""
        return _nodes(self.root, pattern)

    # -- def-use ---------------------------------------------------------------------------------
    def rebound_globals(self) -> frozenset[str]:
        cached = getattr(self, "_globals", None)
        if cached is None and (b"global" not in self.source_bytes() or not _GLOBAL_WORD.search(self.source_bytes())):
            cached = self._globals = frozenset()
        if cached is None:
            names: set[str] = set()
            for n in _nodes(self.root, "(global_statement) @n"):  # (never inside a string or comment)
                names.update(self.text(c) for c in n.named_children if c.type == "identifier")
            cached = self._globals = frozenset(names)
        return cached

    def params(self, scope) -> list[str]:
        plist = scope.child_by_field_name("parameters")
        names: list[str] = []
        for p in named_nodes(plist) if plist is not None else ():
            if p.type == "identifier":
                names.append(self.text(p))
            elif p.type in ("default_parameter", "typed_default_parameter"):
                names.append(self.text(p.child_by_field_name("name")))
            elif p.type in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
                ident = next((c for c in p.named_children if c.type == "identifier"), None)
                if ident is not None:
                    names.append(self.text(ident))
        return names

    def _targets(self, node) -> list[str]:
        if node is None:
            return []
        if node.type == "identifier":
            return [self.text(node)]
        out: list[str] = []
        for c in node.named_children:
            out.extend(self._targets(c))
        return out

    # Expressions (and statements holding only expressions): a name is bound inside one only by a
    # walrus, a comprehension's `for` or an `as` pattern (tree-sitter parses `f((a as b))` too).
    OPAQUE = frozenset({"call", "argument_list", "attribute", "subscript", "binary_operator", "comparison_operator",
                        "boolean_operator", "not_operator", "unary_operator", "string", "concatenated_string",
                        "keyword_argument", "conditional_expression", "list", "dictionary", "set", "pair",
                        "return_statement", "decorator", "type"})
    DEF_MARKERS = re.compile(rb":=|for\b|as\b")  # (a superset: `format`, `class`)

    DEF_TYPES = frozenset({"assignment", "augmented_assignment", "named_expression", "for_statement", "for_in_clause",
                           "as_pattern_target", "global_statement", "nonlocal_statement", "function_definition",
                           "class_definition", "import_statement", "import_from_statement", "except_clause"})

    def collect_defs(self, node) -> list[tuple[str, Def]]:  # noqa: C901 — existing debt: split it
        t = node.type
        if t == "assignment":
            return self._assignment_defs(node)
        if t == "augmented_assignment":
            left = node.child_by_field_name("left")
            op = self.text(node.child_by_field_name("operator"))
            if left is not None and left.type == "identifier":
                kind = _AUG_OPS.get(op, "unknown")
                return [(self.text(left), Def(node, kind, node.child_by_field_name("right"), node.end_byte))]
            return []
        if t == "named_expression":
            name = node.child_by_field_name("name")
            return [(self.text(name), Def(node, "=", node.child_by_field_name("value"), node.end_byte))]
        if t == "for_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left.type == "identifier" and self._constant_iterable(right):
                # `for table in TABLES:` / `for i in range(3):`: each item is a constant
                return [(self.text(left), Def(node, "=", None if right.type == "call" else right, right.end_byte))]
            if self._foldable_loop(left, right):  # decided when used: see `_loop_item`
                return [(n, Def(node, "=", node, right.end_byte)) for n in self._targets(left)]
            return [(n, Def(node, "unknown", None, right.end_byte)) for n in self._targets(left)]
        if t == "for_in_clause":  # comprehension variables precede the comprehension's body
            start = node.parent.start_byte if node.parent is not None else node.start_byte
            return [(n, Def(node, "unknown", None, start)) for n in self._targets(node.child_by_field_name("left"))]
        if t in ("as_pattern_target", "global_statement", "nonlocal_statement"):
            return [(n, Def(node, "unknown", None, node.end_byte)) for n in self._targets(node)]
        if t in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            return [(self.text(name), Def(node, "unknown", None, node.end_byte))] if name is not None else []
        if t in ("import_statement", "import_from_statement"):
            names = []
            for c in node.named_children:
                if c.type == "aliased_import":
                    names.append((self.text(c.child_by_field_name("alias")), c))
                elif c.type == "dotted_name" and c != node.child_by_field_name("module_name"):
                    names.append((self.text(c).split(".")[0], c))
            # `from settings import PAGE_SIZE`: an ALL_CAPS name imported from a module is a constant
            # by convention, as it is when defined here (a plain `import X` binds a module, not a value).
            # With a project root, analysis.imports reads the value from the module (`binding`).
            return [(n, Def(node, "=" if t == "import_from_statement" and self.is_constant_name(n)
                            else "unknown", None, node.end_byte, c)) for n, c in names]
        if t == "except_clause":
            alias = node.child_by_field_name("alias")
            return [(self.text(alias), Def(node, "unknown", None, node.end_byte))] if alias is not None else []
        return []

    def _assignment_defs(self, node) -> list[tuple[str, Def]]:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if right is None:
            return []
        if left is not None and left.type == "identifier":
            return [(self.text(left), Def(node, "=", right, node.end_byte))]
        if right.type == "call" and self.is_sanitizer(self.text(right.child_by_field_name("function"))):
            # `sql, params = query.as_sql()`: already compiled SQL, its values bound as params
            return [(n, Def(node, "=", right, node.end_byte)) for n in self._targets(left)]
        return [(n, Def(node, "unknown", None, node.end_byte)) for n in self._targets(left)]

    def always_taken(self, node, branch) -> bool:
        return folding.always_taken(self, node, branch)

    def live(self, node, scope) -> bool:
        return folding.live(self, node, scope)

    # -- evaluation ------------------------------------------------------------------------------
    def param_value(self, scope, index: int, name: str) -> Value:
        if self._route_inputs(scope).get(name):
            return self.source(scope.child_by_field_name("parameters"), f"route input (parameter `{name}`)")
        constant = interprocedural.constant_parameter(self, scope, index, name, 0)
        return constant if constant is not None else super().param_value(scope, index, name)

    def _route_inputs(self, scope) -> dict[str, bool]:
        """Parameters of a web route handler that carry request input (str or untyped, not Depends())."""
        cache = self.__dict__.setdefault("_routes", {})
        if scope.id in cache:
            return cache[scope.id]
        out: dict[str, bool] = {}
        parent = scope.parent
        if scope.type == "function_definition" and parent is not None and parent.type == "decorated_definition" and \
                any(_ROUTE.match(self.text(d)) for d in parent.named_children if d.type == "decorator"):
            plist = scope.child_by_field_name("parameters")
            for p in named_nodes(plist) if plist is not None else ():
                ident = p if p.type == "identifier" else (p.child_by_field_name("name") or next(
                    (c for c in p.named_children if c.type == "identifier"), None))
                if ident is None or ident.type != "identifier":
                    continue
                ann = p.child_by_field_name("type")
                default = p.child_by_field_name("value")
                typed_ok = ann is None or bool(_INPUT_TYPES.match(" ".join(self.text(ann).split())))
                injected = default is not None and "Depends" in self.text(default)
                out[self.text(ident)] = typed_ok and not injected and self.text(ident) not in ("self", "cls")
        cache[scope.id] = out
        return out

    def evaluate(self, node, depth: int) -> Value:  # noqa: C901 — existing debt: split it
        t = node.type
        if t in ("subscript", "attribute", "call") and _REQUEST.match(self.text(node)):
            return SAFE if _NUMERIC_ARG.search(self.text(node)) else self.source(node)
        if t == "string":
            return self._string(node, depth)
        if t == "concatenated_string":
            return self.concat([(c, self.value_of(c, depth)) for c in named_nodes(node)])
        if t in ("integer", "float", "true", "false", "none"):
            return NUMBER
        if t == "identifier":
            return self.resolve(self.text(node), node, depth)
        if t in ("parenthesized_expression", "await"):
            inner = named_nodes(node)
            return self.value_of(inner[0], depth) if inner and t != "await" else UNKNOWN_VALUE
        if t == "binary_operator":
            return self._binary(node, depth)
        if t == "call":
            return self._call(node, depth)
        if t == "attribute":
            return self._attribute(node, depth)
        if t == "subscript":  # SORT_COLUMNS[key]: an entry of a constant mapping is a constant
            stored = folding.keyed_value(self, node.child_by_field_name("value"),
                                         node.child_by_field_name("subscript"), node, depth)
            if stored is not None:
                return stored  # m["a"] = "x"; m["b"] = param; m["a"]
            return Value(CONST, "", True) if self._constant_mapping(node.child_by_field_name("value"), depth) \
                else UNKNOWN_VALUE
        if t == "boolean_operator":  # `sort or "id"`: either side may be the value
            return self.phi([self.value_of(node.child_by_field_name("left"), depth),
                             self.value_of(node.child_by_field_name("right"), depth)])
        if t in ("comparison_operator", "not_operator"):
            return NUMBER
        if t == "conditional_expression":
            kids = named_nodes(node)
            taken = folding.condition(self, node)
            if taken is not None and len(kids) == 3:
                return self.value_of(kids[0] if taken else kids[2], depth)  # `a if 8 % 2 == 0 else b`
            return self.phi([self.value_of(kids[0], depth), self.value_of(kids[2], depth)]) \
                if len(kids) == 3 else UNKNOWN_VALUE
        if t in _COLLECTIONS:
            return self._collection_value(named_nodes(node), depth)
        if t == "dictionary_comprehension":  # {k: quote(v) for k, v in row.items()}: the values
            body = node.child_by_field_name("body")
            return self.value_of(body.child_by_field_name("value"), depth) if body is not None and \
                body.type == "pair" else UNKNOWN_VALUE
        if t == "dictionary":
            return self._collection_value([p.child_by_field_name("value") for p in named_nodes(node)
                                           if p.type == "pair"], depth)
        if t == "assignment":
            return self.value_of(node.child_by_field_name("right"), depth)
        if t == "named_expression":
            return self.value_of(node.child_by_field_name("value"), depth)
        if t == "for_statement":
            return self._loop_item(node, depth)
        return UNKNOWN_VALUE

    def _attribute(self, node, depth: int) -> Value:
        if self.is_sanitizer(self.text(node)):
            return SAFE
        imported = self.project.attribute_value(self, node, depth) if self.project is not None else None
        if imported is not None:
            return imported  # `sql.USER_Q`, a constant of a project module
        attr = node.child_by_field_name("attribute")
        if self.is_constant_name(self.text(attr)):
            return Value(CONST, "", True)
        obj = node.child_by_field_name("object")
        if self.text(obj) == "self":  # self.sql = "..." + x in one method, executed in another
            stored = self._stored_on_self(node, self.text(attr), depth)
            if stored.kind in (CONST, DYNAMIC):
                return stored
        # Status.ACTIVE.value: an Enum member's value
        if self.text(attr) in ("value", "name") and obj.type == "attribute" and \
                self.is_constant_name(self.text(obj.child_by_field_name("attribute"))):
            cls = obj.child_by_field_name("object")  # a class (CapWords), not `request.GET`
            if cls.type == "identifier" and self.text(cls)[:1].isupper():
                return Value(CONST, "", True)
        return UNKNOWN_VALUE

    def _foldable_loop(self, left, right) -> bool:
        """`for a, b in PAIRS:` / `for t in _tables:` / `for t in self.tables:`: the items may be
        constants (a literal collection, a module-level name or a class attribute bound to one)."""
        plain = left.type == "identifier" or (left.type in ("pattern_list", "tuple_pattern", "list_pattern") and
                                              all(c.type == "identifier" for c in named_nodes(left)))
        return plain and (right.type in ("list", "tuple", "set", "identifier") or (
            right.type == "attribute" and self.text(right.child_by_field_name("object")) in ("self", "cls")))

    def _loop_item(self, loop, depth: int) -> Value:
        """The items of a `for` loop's iterable, when it is a constant collection."""
        right = loop.child_by_field_name("right")
        if right.type in ("list", "tuple", "set"):
            value = self.value_of(right, depth)
        elif right.type == "identifier":
            value = interprocedural.module_collection(self, right, depth) or (
                self.value_of(right, depth) if self.is_constant_name(self.text(right)) else None)
        else:
            value = interprocedural.class_collection(self, right, depth)
        return value if value is not None and value.kind == CONST else UNKNOWN_VALUE

    def _constant_iterable(self, node) -> bool:
        """Literal collections and ALL_CAPS names (evaluated when used), or `range(...)` of anything."""
        if node.type == "call":
            func = node.child_by_field_name("function")
            return func.type == "identifier" and self.text(func) == "range"
        return node.type in ("list", "tuple", "set") or (node.type == "identifier" and
                                                          self.is_constant_name(self.text(node)))

    def _constant_mapping(self, node, depth: int) -> bool:
        """A dict/list/tuple literal of constants, or an ALL_CAPS variable holding one: looking a key up
        in it (an allowlist) gives a constant. A lower-case local is not trusted: `.append()` and
        `.update()` are not tracked."""
        if node.type in ("dictionary", "list", "tuple"):
            return self.value_of(node, depth).kind == CONST
        # (not attributes: `request.GET[...]`, `request.POST.get(...)` are ALL_CAPS and user input),
        # except a mapping the object itself holds: `self.operators[lookup]` (Django backends) is an
        # allowlist lookup, its values written in the class.
        if node.type == "attribute" and self.text(node.child_by_field_name("object")) in ("self", "cls"):
            return True
        return node.type == "identifier" and self.is_constant_name(self.text(node)) and \
            self.value_of(node, depth).kind == CONST

    def _collection_value(self, elements, depth: int) -> Value:
        values = [self.value_of(e, depth) for e in elements]
        dyn = [v for v in values if v.kind == DYNAMIC]
        if dyn:
            return self.phi(dyn)
        return NUMBER if all(v.kind == CONST for v in values) else UNKNOWN_VALUE

    def _string(self, node, depth: int) -> Value:
        start = node.child(0)
        prefix = self.text(start).lower() if start is not None else ""
        parts: list[tuple[object, Value]] = []
        interpolated = False
        for c in node.named_children:
            if c.type == "string_content":
                parts.append((c, Value(CONST, self.text(c), True)))
            elif c.type == "interpolation" and "f" in prefix:
                interpolated = True
                expr = c.child_by_field_name("expression")
                spec = next((k for k in c.named_children if k.type == "format_specifier"), None)
                conv = next((k for k in c.named_children if k.type == "type_conversion"), None)
                if spec is not None and conv is None and _numeric(Field(0, "", self.text(spec).lstrip(":") or "attr")):
                    parts.append((expr, NUMBER))  # f"{n:d}", f"{x:.2f}"
                else:
                    parts.append((expr, self.value_of(expr, depth)))
        if not interpolated:
            return Value(CONST, "".join(v.text for _, v in parts), True)
        return self.concat(parts, "interpolated into")

    def _flatten_plus(self, node, out: list) -> None:
        if node.type == "binary_operator" and node.child_by_field_name("operator").type == "+":
            self._flatten_plus(node.child_by_field_name("left"), out)
            self._flatten_plus(node.child_by_field_name("right"), out)
        elif node.type == "parenthesized_expression" and len(named_nodes(node)) == 1:
            self._flatten_plus(named_nodes(node)[0], out)
        else:
            out.append(node)

    def _binary(self, node, depth: int) -> Value:
        op = node.child_by_field_name("operator").type
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op == "+":
            items: list = []
            self._flatten_plus(node, items)
            parts = [(n, self.value_of(n, depth)) for n in items]
            if not any(v.stringy for _, v in parts) and any(n.type in ("integer", "float") for n, _ in parts):
                return NUMBER  # `i + 1`: arithmetic
            return self.concat(parts)
        if op in ("-", "/", "//", "**", "<<", ">>", "&", "|", "^", "@"):
            return NUMBER  # str has none of these: the result cannot be SQL text
        vl, vr = self.value_of(left, depth), self.value_of(right, depth)
        if op == "%" and vl.stringy:
            return self.format_parts(left, vl, split_percent, self._percent_args(right), depth)
        if op == "*" and (vl.kind == CONST or vr.kind == CONST) and (vl.stringy or vr.stringy or
                                                                    left.type in _COLLECTIONS or
                                                                    right.type in _COLLECTIONS):
            const = vl if vl.kind == CONST else vr
            return Value(CONST, const.text, const.stringy)  # "?" * n, ["%s"] * len(ids)
        if vl.kind == CONST and vr.kind == CONST:
            return NUMBER
        if op == "*" and not (vl.stringy or vr.stringy) and NUMBER in (vl, vr):
            return NUMBER  # (page - 1) * size
        return UNKNOWN_VALUE

    def _percent_args(self, right) -> dict:
        inner = right
        while inner.type == "parenthesized_expression" and len(named_nodes(inner)) == 1:
            inner = named_nodes(inner)[0]
        if inner.type == "tuple":
            return {i: e for i, e in enumerate(named_nodes(inner))}
        if inner.type == "dictionary":
            out = {}
            for pair in named_nodes(inner):
                if pair.type != "pair":
                    return {"*": right}
                key = pair.child_by_field_name("key")
                kv = self.value_of(key)
                if kv.kind != CONST or key.type != "string":
                    return {"*": right}
                out[kv.text] = pair.child_by_field_name("value")
            return out
        mapping = mapping_args(self, inner) if inner.type == "identifier" else None  # `"%(a)s" % values`
        return mapping if mapping is not None else {0: right}

    def format_parts(self, template_node, template: Value, splitter, args: dict, depth: int,
                     verb: str = "formatted into") -> Value:
        """A format template applied to args; each field lands where the template puts it."""
        fields = splitter(template.text) if template.kind == CONST else None
        if fields is None or "*" in args or any(isinstance(f, Field) and f.key not in args for f in fields):
            parts = [(template_node, template)] + [(n, self.value_of(n, depth)) for n in args.values()]
            return self.concat(parts, verb)
        parts = []
        origin = template.steps  # where an imported template is defined: kept with its first literal part
        for f in fields:
            if isinstance(f, Field) and _numeric(f):
                parts.append((args[f.key], NUMBER))  # `%d`, `{:d}`, `{:.2f}`: a number cannot inject
            elif isinstance(f, Field):
                parts.append((args[f.key], self.value_of(args[f.key], depth)))
            else:
                parts.append((template_node, Value(CONST, f, True, origin)))
                origin = ()
        return self.concat(parts, verb)

    def _call_args(self, args) -> dict:
        out: dict = {}
        pos = 0
        for a in named_nodes(args) if args is not None else ():
            if a.type == "keyword_argument":
                out[self.text(a.child_by_field_name("name"))] = a.child_by_field_name("value")
            elif a.type in ("list_splat", "dictionary_splat"):
                out["*"] = a
            else:
                out[pos] = a
                pos += 1
        return out

    def _call(self, node, depth: int) -> Value:
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if self.is_sanitizer(self.text(func)) or self._sanitizer_alias(func):
            return SAFE
        if self.text(func) in _SAME_TEXT and args is not None and len(named_nodes(args)) == 1:
            return self.value_of(named_nodes(args)[0], depth)  # textwrap.dedent(f"""SELECT ... {x}""")
        if func.type == "identifier":
            return self._function_call(node, func, args, depth)
        if func.type == "attribute" and self.text(func.child_by_field_name("object")) in ("self", "cls"):
            helper = self._helper_result(node, self.text(func.child_by_field_name("attribute")), args, depth,
                                         method=True)
            if helper.kind in (CONST, DYNAMIC):
                return helper
        return self._method_call(node, func, args, depth) if func.type == "attribute" else UNKNOWN_VALUE

    def _sanitizer_alias(self, func) -> bool:
        """`quote = self.preparer.quote_identifier; quote(t)`: a local name bound once, in the same
        function, to a sanitizer's dotted path (not a parameter, not rebound)."""
        if func.type != "identifier":
            return False
        scope = self.scope_of(func)
        name = self.text(func)
        if scope.type == self.MODULE or name in self.params(scope):
            return False
        defs = self.defs(scope).get(name, [])
        return len(defs) == 1 and defs[0].op == "=" and defs[0].node.type == "assignment" and \
            defs[0].rhs is not None and defs[0].rhs.type in ("attribute", "identifier") and \
            defs[0].end <= func.start_byte and self.is_sanitizer(self.text(defs[0].rhs))

    def _method_call(self, node, func, args, depth: int) -> Value:
        """`obj.method(...)`: string building methods, a project module's function, allowlist lookups."""
        obj = func.child_by_field_name("object")
        method = self.text(func.child_by_field_name("attribute"))
        if self.project is not None and obj.type in ("identifier", "attribute"):
            imported = self.project.call_value(self, node, func, args, depth)  # `queries.build(uid)`
            if imported is not None:
                return imported
        if obj.type == "call" and self.is_sanitizer(self.text(obj.child_by_field_name("function"))):
            return SAFE  # sql.SQL("...").format(sql.Identifier(t)), sql.SQL(", ").join(...)
        if obj.type == "call" and self.text(obj.child_by_field_name("function")) in self._classes():
            helper = self._helper_result(node, method, args, depth, method=True)  # Helper().pick(x)
            if helper.kind in (CONST, DYNAMIC):
                return helper
        stored = folding.keyed_value(self, obj, named_nodes(args)[0], node, depth) \
            if method == "get" and args is not None and named_nodes(args) else None
        if stored is not None:
            return stored
        if method == "get" and args is not None and self._constant_mapping(obj, depth) and \
                all(self.value_of(a, depth).kind == CONST for a in named_nodes(args)[1:]):
            return Value(CONST, "", True)  # {"name": "name", "date": "created_at"}.get(sort, "id")
        if method == "replace":
            return self._replace(obj, args, depth)
        if method in ("substitute", "safe_substitute"):
            return substitute(self, obj, args, depth)
        if method not in ("format", "join") and method not in _STR_METHODS:
            return UNKNOWN_VALUE
        vo = self.value_of(obj, depth)
        if not vo.stringy:
            return UNKNOWN_VALUE
        if method in _STR_METHODS:
            return vo
        if method == "format":
            return misplaced_format(self, obj, vo, args, depth) or \
                self.format_parts(obj, vo, split_brace, self._call_args(args), depth)
        return self._join(obj, vo, args, depth)

    def _function_call(self, node, func, args, depth: int) -> Value:
        """`str(x)`, `min(...)` of constants, or a helper function of this file."""
        if self.text(func) == "str" and args is not None and len(named_nodes(args)) == 1:
            return replace(self.value_of(named_nodes(args)[0], depth), stringy=True)
        if self.text(func) in _NUMERIC and args is not None and named_nodes(args) and \
                all(self.value_of(a, depth).kind == CONST for a in named_nodes(args)):
            return Value(CONST, "", True)  # min(int(n), 100)
        imported = self.project.call_value(self, node, func, args, depth) if self.project is not None else None
        return imported or self._helper_result(node, self.text(func), args, depth)  # (imported: a project helper)

    # -- across functions of the file ------------------------------------------------------------
    def _functions(self) -> dict[str, list]:
        """Function definitions of the file by name (module level and methods)."""
        cached = self.__dict__.get("_function_index")
        if cached is None:
            cached = self._function_index = {}
            stack = [self.root]
            while stack:
                n = stack.pop()
                if n.type == "function_definition":
                    cached.setdefault(self.text(n.child_by_field_name("name")), []).append(n)
                if n.type in _INDEXED:
                    stack.extend(n.named_children)
        return cached

    def _functions_named(self, name: str) -> list:
        """`_functions()[name]` (in another order), without indexing the whole file: each place the
        name is written is checked for a function definition the index would hold."""
        cache = self.__dict__.setdefault("_functions_by_name", {})
        found = cache.get(name)
        if found is None:
            if "_function_index" in self.__dict__ or not name.isascii():
                found = self._functions().get(name, [])
            else:
                found = []
                for start, end in word_spans(self.source_bytes(), name):
                    ident = self.root.descendant_for_byte_range(start, end)
                    fn = ident.parent if ident is not None and ident.type == "identifier" and \
                        (ident.start_byte, ident.end_byte) == (start, end) else None
                    if fn is not None and fn.type == "function_definition" and \
                            fn.child_by_field_name("name") == ident and _indexed(fn):
                        found.append(fn)
            cache[name] = found
        return found

    def _returns(self, node):
        for c in node.named_children:
            if c.type == "return_statement":
                yield c
            elif c.type not in ("function_definition", "lambda", "class_definition"):
                yield from self._returns(c)

    def _helper_result(self, call, name: str, args, depth: int, method: bool = False) -> Value:
        """`sql = build_query(uid)`: a helper of this file returning SQL text. Its returns are
        evaluated with its parameters bound to this call's argument values (so a builder called
        with constants builds constant SQL)."""
        defs = self._functions_named(name)
        if not defs or len(defs) > 1 or depth > 20:
            return UNKNOWN_VALUE
        return self.bound_call(self, defs[0], call, name, args, depth, method)

    def bound_call(self, owner: PythonAnalyzer, helper, call, name: str, args, depth: int,
                   method: bool = False) -> Value:
        """The value `helper` (a function of `owner`'s file) returns for this call's arguments."""
        params = owner.params(helper)
        if method and params:
            params = params[1:]
        bound: dict[str, Value] = {}
        for key, arg in self._call_args(args).items():
            if key == "*":
                return UNKNOWN_VALUE
            pname = params[key] if isinstance(key, int) and key < len(params) else key
            if isinstance(pname, str):
                bound[pname] = self.value_of(arg, depth)
        probe = _Bound(owner, helper, bound)
        body = helper.child_by_field_name("body")
        values = [probe.value_of(named_nodes(r)[0], depth) for r in self._returns(body) if named_nodes(r)] if body else []
        return self.returned(values, call, name, owner)

    def _stored_on_self(self, node, attr: str, depth: int) -> Value:
        """What `self.<attr>` holds, from the enclosing class: every `self.<attr> = / += ...`, the
        class-level `attr = ...` and a `@property` of that name. Dynamic when one of them builds SQL
        from runtime values; constant when all are (`cache_bust_counter = 1` / `+= 1`)."""
        cls = node.parent
        while cls is not None and cls.type != "class_definition":
            cls = cls.parent
        return UNKNOWN_VALUE if cls is None else self.class_attribute(cls, attr, depth)

    def class_attribute(self, cls, attr: str, depth: int, inherited: int = 0) -> Value:
        """What `self.<attr>` holds for instances of `cls` (see `_stored_on_self`); when the class
        never assigns it, what its base classes do (of this file, or imported from the project)."""
        cache = self.__dict__.setdefault("_self_attrs", {})
        key = (cls.id, attr)
        if key in cache:
            return cache[key]
        cache[key] = UNKNOWN_VALUE  # cycle guard
        values = []
        body = cls.child_by_field_name("body")
        for stmt in named_nodes(body) if body is not None else ():
            inner = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
            if inner is not None and inner.type == "assignment" and self.text(inner.child_by_field_name("left")) == attr:
                values.append(self.value_of(inner.child_by_field_name("right"), depth))  # class attribute
            elif stmt.type == "decorated_definition" and any(
                    self.text(d).strip() in ("@property", "@cached_property", "@functools.cached_property")
                    for d in stmt.named_children if d.type == "decorator"):
                fn = stmt.child_by_field_name("definition")
                if fn is not None and self.text(fn.child_by_field_name("name")) == attr:
                    fbody = fn.child_by_field_name("body")
                    values.extend(self.value_of(named_nodes(r)[0], depth) for r in self._returns(fbody) if named_nodes(r))
        for n in self._self_assignments(cls, attr):
            value = self.value_of(n.child_by_field_name("right"), depth)
            if value.kind == DYNAMIC:
                step = self.step(n, f"`self.{attr}` holds SQL text built from runtime values")
                value = replace(value, steps=value.steps + (step,))
            values.append(value)
        if not values and inherited < 3:
            values = [v for v in (self._base_attribute(base, attr, depth, inherited + 1) for base in self._bases(cls))
                      if v.kind != UNKNOWN][:1]
        cache[key] = self.phi(values) if values else UNKNOWN_VALUE
        return cache[key]

    def _self_assignments(self, cls, attr: str) -> list:
        """The `self.<attr> = / += ...` statements anywhere in the class, in the order of a
        right-to-left pre-order walk (the order the values were always combined in). Found by a
        byte search for `self.<attr>` in the class, each hit confirmed on the tree."""
        if not attr.isascii():  # (its bytes may not be what the text decoded from): walk the class
            found, stack = [], [cls]
            while stack:
                n = stack.pop()
                if n.type in ("assignment", "augmented_assignment"):
                    left = n.child_by_field_name("left")
                    if left is not None and left.type == "attribute" and self.text(left) == f"self.{attr}":
                        found.append(n)
                stack.extend(n.named_children)
            return found
        src, needle, found = self.source_bytes(), f"self.{attr}".encode(), []
        at = src.find(needle, cls.start_byte, cls.end_byte)
        while at >= 0:
            left = self.root.descendant_for_byte_range(at, at + len(needle))
            parent = left.parent if left is not None and left.type == "attribute" and left.start_byte == at and \
                left.end_byte == at + len(needle) else None
            if parent is not None and parent.type in ("assignment", "augmented_assignment") and \
                    parent.child_by_field_name("left") == left:
                found.append(parent)
            at = src.find(needle, at + 1, cls.end_byte)
        return sorted(found, key=lambda n: (-n.end_byte, n.start_byte))

    def _bases(self, cls) -> list:
        supers = cls.child_by_field_name("superclasses")
        return [b for b in named_nodes(supers) if b.type in ("identifier", "attribute")] if supers is not None else []

    def _base_attribute(self, base, attr: str, depth: int, inherited: int) -> Value:
        if base.type == "identifier":
            local = [c for c in self._classes().get(self.text(base), ())]
            if len(local) == 1:
                return self.class_attribute(local[0], attr, depth, inherited)
        if self.project is not None:
            return self.project.inherited_attribute(self, base, attr, depth, inherited)
        return UNKNOWN_VALUE

    def _classes(self) -> dict[str, list]:
        """Top-level class definitions of the file by name."""
        cached = self.__dict__.get("_class_index")
        if cached is None:
            cached = self._class_index = {}
            for stmt in self.root.named_children:
                cls = stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
                if cls is not None and cls.type == "class_definition":
                    cached.setdefault(self.text(cls.child_by_field_name("name")), []).append(cls)
        return cached

    def _replace(self, obj, args, depth: int) -> Value:
        """`value.replace("'", "''")` escapes a value for a quoted SQL literal; `TEMPLATE.replace(
        "{table}", name)` puts a value into SQL text like a format field."""
        named = named_nodes(args) if args is not None else []
        if len(named) < 2:
            return UNKNOWN_VALUE
        old, new = self.value_of(named[0], depth), self.value_of(named[1], depth)
        if old.kind == CONST and new.kind == CONST and named[0].type == "string" and \
                (old.text, new.text) in _QUOTE_DOUBLING:
            return SAFE
        vo = self.value_of(obj, depth)
        if not vo.stringy or new.kind == CONST:
            return vo if vo.stringy else UNKNOWN_VALUE
        return self.concat([(obj, vo), (named[1], new)], "substituted into")

    def _join(self, sep_node, sep: Value, args, depth: int) -> Value:
        if args is None:
            return UNKNOWN_VALUE
        iterable = args if args.type == "generator_expression" else (named_nodes(args) or [None])[0]
        if iterable is None:
            return UNKNOWN_VALUE
        if iterable.type in _COLLECTIONS:
            parts = []
            for i, e in enumerate(named_nodes(iterable)):
                if i:
                    parts.append((sep_node, sep))
                parts.append((e, self.value_of(e, depth)))
            return self.concat(parts, "joined into") if parts else Value(CONST, "", True)
        if iterable.type in _COMPREHENSIONS:
            body = self.value_of(iterable.child_by_field_name("body"), depth)
        else:
            body = self.value_of(iterable, depth)
        if body.kind in (CONST, DYNAMIC):
            return replace(body, stringy=True, param=None)
        return Value(UNKNOWN, stringy=True)


_INDEXED = frozenset({"module", "block", "class_definition", "decorated_definition", "function_definition"})


def _indexed(node) -> bool:
    """Is `node` reached from the module through definitions and blocks only (not under an `if`,
    `try`, `with`...)? The function index (`_functions`) holds exactly those definitions."""
    parent = node.parent
    while parent is not None:
        if parent.type not in _INDEXED:
            return False
        parent = parent.parent
    return True


class _Bound(PythonAnalyzer):
    """Evaluates one helper's returns with its parameters bound to a caller's argument values
    (unbound parameters keep their defaults, taken as constants)."""

    def __init__(self, parent: PythonAnalyzer, helper, bound: dict[str, Value]):
        super().__init__(parent.root, sanitizers=parent.sanitizers)
        self.helper, self.bound = helper, bound
        self.path, self.project, self.location = parent.path, parent.project, parent.location
        # what depends only on the tree is shared with the caller's analyzer (values are not)
        self._defs = parent._defs
        self._globals = parent.rebound_globals()
        self._functions_by_name = parent.__dict__.setdefault("_functions_by_name", {})
        if "_function_index" in parent.__dict__:
            self._function_index = parent._function_index
        self._source = parent.source_bytes()
        self._private_refs = parent.__dict__.setdefault("_private_refs", {})
        if "_module_bindings" in parent.__dict__:
            self._module_bindings = parent._module_bindings

    def param_value(self, scope, index: int, name: str) -> Value:
        if scope.id == self.helper.id:
            return self.bound.get(name, Value(CONST, "", True))
        return super().param_value(scope, index, name)
