"""Python string building: literals, f-strings, `+`, `%`, `.format()`, `str.join`, local def-use."""

from __future__ import annotations

from buildrunner.engine.analysis.base import CONST, DYNAMIC, NUMBER, SAFE, UNKNOWN, UNKNOWN_VALUE, Analyzer, Def, Value
from buildrunner.engine.analysis.templates import Field, split_brace, split_percent

_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "casefold", "title", "capitalize",
                          "expandtabs", "removeprefix", "removesuffix"})
_COLLECTIONS = frozenset({"list", "tuple", "set", "expression_list"})
_COMPREHENSIONS = frozenset({"list_comprehension", "generator_expression", "set_comprehension"})
_AUG_OPS = {"+=": "+=", "%=": "%="}
_SAME_TEXT = frozenset({"dedent", "textwrap.dedent", "cleandoc", "inspect.cleandoc"})  # reformat, keep the values
_NUMERIC = frozenset({"min", "max", "abs", "round"})  # of constants only: a constant


def _named(node):
    return [c for c in node.named_children if c.type != "comment"]


class PythonAnalyzer(Analyzer):
    SCOPES = frozenset({"function_definition", "lambda", "module"})
    MODULE = "module"
    BRANCHES = frozenset({"if_statement", "elif_clause", "else_clause", "for_statement", "while_statement",
                          "try_statement", "except_clause", "except_group_clause", "match_statement",
                          "case_clause", "conditional_expression", "boolean_operator"})

    # -- def-use ---------------------------------------------------------------------------------
    def rebound_globals(self) -> frozenset[str]:
        cached = getattr(self, "_globals", None)
        if cached is None:
            names: set[str] = set()
            stack = [self.root]
            while stack:
                n = stack.pop()
                if n.type == "global_statement":
                    names.update(self.text(c) for c in n.named_children if c.type == "identifier")
                elif n.type not in ("string", "comment"):
                    stack.extend(n.children)
            cached = self._globals = frozenset(names)
        return cached

    def params(self, scope) -> list[str]:
        plist = scope.child_by_field_name("parameters")
        names: list[str] = []
        for p in _named(plist) if plist is not None else ():
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

    def collect_defs(self, node) -> list[tuple[str, Def]]:  # noqa: C901 — existing debt: split it
        t = node.type
        if t == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if right is None:
                return []
            if left is not None and left.type == "identifier":
                return [(self.text(left), Def(node, "=", right, node.end_byte))]
            return [(n, Def(node, "unknown", None, node.end_byte)) for n in self._targets(left)]
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
                    names.append(self.text(c.child_by_field_name("alias")))
                elif c.type == "dotted_name" and c != node.child_by_field_name("module_name"):
                    names.append(self.text(c).split(".")[0])
            # `from settings import PAGE_SIZE`: an ALL_CAPS name imported from a module is a constant
            # by convention, as it is when defined here (a plain `import X` binds a module, not a value).
            return [(n, Def(node, "=" if t == "import_from_statement" and self.is_constant_name(n)
                            else "unknown", None, node.end_byte)) for n in names]
        if t == "except_clause":
            alias = node.child_by_field_name("alias")
            return [(self.text(alias), Def(node, "unknown", None, node.end_byte))] if alias is not None else []
        return []

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate(self, node, depth: int) -> Value:  # noqa: C901 — existing debt: split it
        t = node.type
        if t == "string":
            return self._string(node, depth)
        if t == "concatenated_string":
            return self.concat([(c, self.value_of(c, depth)) for c in _named(node)])
        if t in ("integer", "float", "true", "false", "none"):
            return NUMBER
        if t == "identifier":
            return self.resolve(self.text(node), node, depth)
        if t in ("parenthesized_expression", "await"):
            inner = _named(node)
            return self.value_of(inner[0], depth) if inner and t != "await" else UNKNOWN_VALUE
        if t == "binary_operator":
            return self._binary(node, depth)
        if t == "call":
            return self._call(node, depth)
        if t == "attribute":
            if self.is_sanitizer(self.text(node)):
                return SAFE
            attr = node.child_by_field_name("attribute")
            if self.is_constant_name(self.text(attr)):
                return Value(CONST, "", True)
            obj = node.child_by_field_name("object")  # Status.ACTIVE.value: an Enum member's value
            if self.text(attr) in ("value", "name") and obj.type == "attribute" and \
                    self.is_constant_name(self.text(obj.child_by_field_name("attribute"))):
                cls = obj.child_by_field_name("object")  # a class (CapWords), not `request.GET`
                if cls.type == "identifier" and self.text(cls)[:1].isupper():
                    return Value(CONST, "", True)
            return UNKNOWN_VALUE
        if t == "subscript":  # SORT_COLUMNS[key]: an entry of a constant mapping is a constant
            return Value(CONST, "", True) if self._constant_mapping(node.child_by_field_name("value"), depth) \
                else UNKNOWN_VALUE
        if t == "boolean_operator":  # `sort or "id"`: either side may be the value
            return self.phi([self.value_of(node.child_by_field_name("left"), depth),
                             self.value_of(node.child_by_field_name("right"), depth)])
        if t in ("comparison_operator", "not_operator"):
            return NUMBER
        if t == "conditional_expression":
            kids = _named(node)
            return self.phi([self.value_of(kids[0], depth), self.value_of(kids[2], depth)]) \
                if len(kids) == 3 else UNKNOWN_VALUE
        if t in _COLLECTIONS:
            return self._collection_value(_named(node), depth)
        if t == "dictionary":
            return self._collection_value([p.child_by_field_name("value") for p in _named(node)
                                           if p.type == "pair"], depth)
        if t == "assignment":
            return self.value_of(node.child_by_field_name("right"), depth)
        if t == "named_expression":
            return self.value_of(node.child_by_field_name("value"), depth)
        return UNKNOWN_VALUE

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
        # (not attributes: `request.GET[...]`, `request.POST.get(...)` are ALL_CAPS and user input)
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
                parts.append((expr, self.value_of(expr, depth)))
        if not interpolated:
            return Value(CONST, "".join(v.text for _, v in parts), True)
        return self.concat(parts, "interpolated into")

    def _flatten_plus(self, node, out: list) -> None:
        if node.type == "binary_operator" and node.child_by_field_name("operator").type == "+":
            self._flatten_plus(node.child_by_field_name("left"), out)
            self._flatten_plus(node.child_by_field_name("right"), out)
        elif node.type == "parenthesized_expression" and len(_named(node)) == 1:
            self._flatten_plus(_named(node)[0], out)
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
        while inner.type == "parenthesized_expression" and len(_named(inner)) == 1:
            inner = _named(inner)[0]
        if inner.type == "tuple":
            return {i: e for i, e in enumerate(_named(inner))}
        if inner.type == "dictionary":
            out = {}
            for pair in _named(inner):
                if pair.type != "pair":
                    return {"*": right}
                key = pair.child_by_field_name("key")
                kv = self.value_of(key)
                if kv.kind != CONST or key.type != "string":
                    return {"*": right}
                out[kv.text] = pair.child_by_field_name("value")
            return out
        return {0: right}

    def format_parts(self, template_node, template: Value, splitter, args: dict, depth: int) -> Value:
        """A format template applied to args; each field lands where the template puts it."""
        fields = splitter(template.text) if template.kind == CONST else None
        if fields is None or "*" in args or any(isinstance(f, Field) and f.key not in args for f in fields):
            parts = [(template_node, template)] + [(n, self.value_of(n, depth)) for n in args.values()]
            return self.concat(parts, "formatted into")
        parts = []
        for f in fields:
            if isinstance(f, Field):
                parts.append((args[f.key], self.value_of(args[f.key], depth)))
            else:
                parts.append((template_node, Value(CONST, f, True)))
        return self.concat(parts, "formatted into")

    def _call_args(self, args) -> dict:
        out: dict = {}
        pos = 0
        for a in _named(args) if args is not None else ():
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
        if self.is_sanitizer(self.text(func)):
            return SAFE
        if self.text(func) in _SAME_TEXT and args is not None and len(_named(args)) == 1:
            return self.value_of(_named(args)[0], depth)  # textwrap.dedent(f"""SELECT ... {x}""")
        if func.type == "identifier":
            if self.text(func) == "str" and args is not None and len(_named(args)) == 1:
                v = self.value_of(_named(args)[0], depth)
                return Value(v.kind, v.text, True, v.steps, v.param)
            if self.text(func) in _NUMERIC and args is not None and _named(args) and \
                    all(self.value_of(a, depth).kind == CONST for a in _named(args)):
                return Value(CONST, "", True)  # min(int(n), 100)
            return UNKNOWN_VALUE
        if func.type != "attribute":
            return UNKNOWN_VALUE
        obj = func.child_by_field_name("object")
        method = self.text(func.child_by_field_name("attribute"))
        if obj.type == "call" and self.is_sanitizer(self.text(obj.child_by_field_name("function"))):
            return SAFE  # sql.SQL("...").format(sql.Identifier(t)), sql.SQL(", ").join(...)
        if method == "get" and args is not None and self._constant_mapping(obj, depth) and \
                all(self.value_of(a, depth).kind == CONST for a in _named(args)[1:]):
            return Value(CONST, "", True)  # {"name": "name", "date": "created_at"}.get(sort, "id")
        if method not in ("format", "join") and method not in _STR_METHODS:
            return UNKNOWN_VALUE
        vo = self.value_of(obj, depth)
        if not vo.stringy:
            return UNKNOWN_VALUE
        if method in _STR_METHODS:
            return vo
        if method == "format":
            return self.format_parts(obj, vo, split_brace, self._call_args(args), depth)
        return self._join(obj, vo, args, depth)

    def _join(self, sep_node, sep: Value, args, depth: int) -> Value:
        if args is None:
            return UNKNOWN_VALUE
        iterable = args if args.type == "generator_expression" else (_named(args) or [None])[0]
        if iterable is None:
            return UNKNOWN_VALUE
        if iterable.type in _COLLECTIONS:
            parts = []
            for i, e in enumerate(_named(iterable)):
                if i:
                    parts.append((sep_node, sep))
                parts.append((e, self.value_of(e, depth)))
            return self.concat(parts, "joined into") if parts else Value(CONST, "", True)
        if iterable.type in _COMPREHENSIONS:
            body = self.value_of(iterable.child_by_field_name("body"), depth)
        else:
            body = self.value_of(iterable, depth)
        if body.kind in (CONST, DYNAMIC):
            return Value(body.kind, body.text, True, body.steps)
        return Value(UNKNOWN, stringy=True)
