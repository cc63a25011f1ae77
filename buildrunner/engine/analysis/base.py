"""The engine analysis behind `when: dynamic-string`: is this expression SQL text built from
non-literal parts, directly or through local def-use within the function?

Values form a small lattice:

* ``const``   — built only from literals and constants (folded: `"a" + "3"`, `"{}".format()` with no
  arguments, an f-string with nothing interpolated, a module-level constant, a quoting-helper call).
* ``dynamic`` — string text with a non-literal part; `steps` say where each part came in.
* ``param``   — exactly the value of one of the enclosing function's parameters (used to follow a
  query handed to a helper that forwards it to a sink).
* ``unknown`` — anything else (a call result, an attribute...): never reported on its own.

Request input (Flask `request.args[...]`, Django `request.GET`, FastAPI/Flask route parameters,
Express `req.query.x`) is a *source*: a ``dynamic`` value with ``tainted`` set and no literal text.
It is reported even with no SQL literal around it (`cur.execute(request.args["q"])`).

A non-literal part only counts once some literal text precedes it: `base + " LIMIT 10"` is a query
built elsewhere being extended (unknown), while `"... WHERE id = " + uid` puts a runtime value into
SQL text (dynamic). This keeps the check quiet on query-builder code.

Def-use is deliberately simple and local: the assignments to a name inside the same function that
come before the use, walking back until a plain assignment that dominates the use (one not inside a
branch or loop that does not also contain the use). Nested functions see the enclosing scopes'
assignments flow-insensitively; module scope contributes constants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

CONST, DYNAMIC, PARAM, UNKNOWN = "const", "dynamic", "param", "unknown"

MAX_DEPTH = 40


@dataclass(frozen=True)
class Step:
    line: int  # 1-based within the document text
    column: int
    message: str
    path: str = ""  # another project file (the analysis followed an import into it); "" = this document


@dataclass(frozen=True)
class Value:
    kind: str
    text: str = ""  # the literal text (const) or the literal fragments (dynamic)
    stringy: bool = False  # known to be a string (a literal, an f-string, a template...)
    steps: tuple[Step, ...] = ()
    param: tuple | None = None  # (scope node id, index, name) for PARAM
    tainted: bool = False  # carries request input (reported even without SQL text around it)


UNKNOWN_VALUE = Value(UNKNOWN)
NUMBER = Value(CONST)
SAFE = Value(CONST, "", True)  # the result of a quoting helper / numeric cast


@dataclass
class Def:
    node: object  # the defining statement/expression (for position and dominance)
    op: str  # "=" | "+=" | "%=" | "unknown"
    rhs: object | None
    end: int  # end byte: a def counts for uses after this
    binding: object = None  # for an import: the imported name's node (followed into the project's module)


def node_text(node) -> str:
    return node.text.decode("utf-8", "replace")


def named_nodes(node) -> list:
    """The node's named children, comments left out ([] for None)."""
    return [c for c in node.named_children if c.type != "comment"] if node is not None else []


def outermost(node, step_up):
    """Walk up from `node` while `step_up(node, parent)` gives the next node (None: stop here)."""
    while node.parent is not None:
        up = step_up(node, node.parent)
        if up is None:
            break
        node = up
    return node


_IDENTIFIER_BYTES = {"python": frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")}
_IDENTIFIER_BYTES["javascript"] = _IDENTIFIER_BYTES["python"] | {ord("$")}


def word_spans(src: bytes, word: str, family: str = "python") -> list[tuple[int, int]]:
    """Byte spans where the ASCII name `word` is written and not followed by an (ASCII) identifier
    character: a superset of the spans of the identifier nodes spelled `word` (a lexer takes the
    longest identifier). A byte search, no tree walk: callers confirm each span on the tree (no
    check on the left: `1name` lexes as a number and a name)."""
    chars, needle, out = _IDENTIFIER_BYTES[family], word.encode(), []
    size, limit = len(needle), len(src)
    at = src.find(needle)
    while at >= 0:
        end = at + size
        if end == limit or src[end] not in chars:
            out.append((at, end))
        at = src.find(needle, at + 1)
    return out


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Analyzer:
    """Language-neutral part; subclasses provide node types and the per-node evaluation."""

    SCOPES: frozenset[str] = frozenset()
    MODULE: str = ""
    # The node types `collect_defs` returns definitions for, when the subclass lists them: `defs`
    # then calls it only on those (tests/engine/test_perf_defs.py checks the list is complete).
    DEF_TYPES: frozenset[str] | None = None
    # Node types whose subtree can hold a definition only where its source matches `DEF_MARKERS`
    # (a Python expression binds a name only through `:=`, a comprehension's `for` or `as`): `defs`
    # skips such a subtree after one search of its bytes instead of visiting every node in it.
    OPAQUE: frozenset[str] = frozenset()
    DEF_MARKERS: re.Pattern | None = None
    BRANCHES: frozenset[str] = frozenset()
    STRICT_LOCALS = False  # reading a local before any assignment to it is an error (Python)
    path = ""  # set on analyzers of other project files (their steps name the file)
    project = None  # the project's modules (analysis.imports), when the document has a project root
    location = ""  # the analysed file's absolute path, when known (to resolve its relative imports)

    def __init__(self, root, *, sanitizers: frozenset[str] = frozenset()):
        self.root = root
        self.sanitizers = sanitizers
        self._memo: dict[int, Value] = {}
        self._defs: dict[int, dict[str, list[Def]]] = {}

    # -- helpers ---------------------------------------------------------------------------------
    text = staticmethod(node_text)

    def source_bytes(self) -> bytes:
        """The file's bytes, indexed by tree-sitter's byte offsets (the module node starts after
        leading blank lines: its text is padded back to offset 0), read from the tree once."""
        src = self.__dict__.get("_source")
        if src is None:
            src = self._source = b" " * self.root.start_byte + self.root.text
        return src

    def step(self, node, message: str) -> Step:
        return Step(node.start_point.row + 1, node.start_point.column + 1, message, self.path)

    def scope_of(self, node):
        n = node.parent
        while n is not None:
            if n.type in self.SCOPES:
                return n
            n = n.parent
        return self.root

    def outer_scope(self, scope):
        return None if scope.type == self.MODULE or scope.parent is None else self.scope_of(scope)

    def source(self, node, what: str = "request input") -> Value:
        """A value taken straight from the request: SQL injection even with no SQL text around it."""
        return Value(DYNAMIC, "", True, (self.step(node, f"`{short(self.text(node))}` is {what}"),), tainted=True)

    def param_value(self, scope, index: int, name: str) -> Value:
        """The value of a parameter inside its function: followed to callers, unless the function is
        a web route handler (then it is request input)."""
        return Value(PARAM, param=(scope.id, index, name))

    def is_sanitizer(self, dotted: str) -> bool:
        """`dotted` is a sanitizer name or ends with `.<sanitizer>` (set lookups of its suffixes)."""
        dotted = "".join(dotted.split())
        sanitizers = self.sanitizers
        if dotted in sanitizers:
            return True
        dot = dotted.find(".")
        while dot != -1:
            if dotted[dot + 1:] in sanitizers:
                return True
            dot = dotted.find(".", dot + 1)
        return False

    @staticmethod
    def is_constant_name(name: str) -> bool:
        """ALL_CAPS names are constants by convention (imported or class-level)."""
        return len(name) > 1 and name.upper() == name and any(c.isalpha() for c in name)

    # -- evaluation ------------------------------------------------------------------------------
    def value_of(self, node, depth: int = 0) -> Value:
        if node is None:
            return UNKNOWN_VALUE
        key = node.id
        if key in self._memo:
            return self._memo[key]
        if depth > MAX_DEPTH:
            return UNKNOWN_VALUE
        self._memo[key] = UNKNOWN_VALUE  # cycle guard
        value = self.evaluate(node, depth + 1)
        self._memo[key] = value
        return value

    def evaluate(self, node, depth: int) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError

    def concat(self, parts: list[tuple[object, Value]], verb: str = "concatenated into") -> Value:
        """Combine the parts of a string being built, in order."""
        texts: list[str] = []
        steps: list[Step] = []
        seen_literal = holes = stringy = tainted = False
        prefix_param: Value | None = None
        prefix_unknown = False
        for node, v in parts:
            if v.kind == CONST:
                texts.append(v.text)
                steps.extend(v.steps)  # where an imported template is defined (shown if values go in)
                stringy |= v.stringy
                seen_literal |= v.stringy and bool(v.text.strip())
            elif v.kind == DYNAMIC:
                texts.append(v.text)
                steps.extend(v.steps)
                if v.tainted and not v.text:  # request input itself: say where it enters the SQL too
                    steps.append(self.step(node, f"`{short(self.text(node))}` is {verb} the SQL text"))
                holes = stringy = seen_literal = True
                tainted |= v.tainted
            else:
                texts.append(" ")
                stringy |= v.stringy
                if seen_literal:
                    holes = True
                    steps.append(self.step(node, f"`{short(self.text(node))}` is {verb} the SQL text"))
                elif v.kind == PARAM and prefix_param is None and not prefix_unknown:
                    prefix_param = v
                else:
                    prefix_unknown = True
        if holes:
            return Value(DYNAMIC, "".join(texts), True, tuple(dict.fromkeys(steps)), tainted=tainted)
        if prefix_param is None and not prefix_unknown:
            return Value(CONST, "".join(texts), stringy)
        if prefix_param is not None and not prefix_unknown:
            return prefix_param  # a helper's SQL parameter, extended with literals: still forwarded
        return Value(UNKNOWN, stringy=stringy)

    def returned(self, values: list[Value], call, name: str, owner) -> Value:
        """What this call of `name` (a helper of `owner`'s file) gives, from the values its returns
        take: constant, SQL text built from runtime values (a step at the call added), else unknown."""
        result = self.phi(values)
        if result.kind == CONST:
            return result
        if result.kind != DYNAMIC:
            return UNKNOWN_VALUE
        where = f" (in {owner.path})" if owner.path != self.path else ""
        step = self.step(call, f"`{name}()`{where} returns SQL text built from runtime values")
        return replace(result, steps=result.steps + (step,))

    def phi(self, values: list[Value]) -> Value:
        """The value of a name reached by several definitions."""
        if not values:
            return UNKNOWN_VALUE
        if len(values) == 1:
            return values[0]
        dyn = [v for v in values if v.kind == DYNAMIC]
        if dyn:
            steps = tuple(dict.fromkeys(s for v in dyn for s in v.steps))
            return Value(DYNAMIC, " ".join(v.text for v in dyn), True, steps, tainted=any(v.tainted for v in dyn))
        if all(v.kind == CONST for v in values):
            return Value(CONST, values[0].text, any(v.stringy for v in values))
        params = {v.param for v in values if v.kind == PARAM}
        if len(params) == 1 and all(v.kind in (CONST, PARAM) for v in values):
            return next(v for v in values if v.kind == PARAM)
        return Value(UNKNOWN, stringy=any(v.stringy for v in values))

    # -- def-use ---------------------------------------------------------------------------------
    def collect_defs(self, node) -> list[tuple[str, Def]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def params(self, scope) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def defs(self, scope) -> dict[str, list[Def]]:
        cached = self._defs.get(scope.id)
        if cached is not None:
            return cached
        out: dict[str, list[Def]] = {}
        scopes, def_types, collect = self.SCOPES, self.DEF_TYPES, self.collect_defs
        opaque, markers = self.OPAQUE, self.DEF_MARKERS
        src = self.source_bytes() if opaque else b""
        stack = list(reversed(scope.children))
        while stack:
            n = stack.pop()
            t = n.type
            if def_types is None or t in def_types:
                for name, d in collect(n):  # a nested def binds its own name here
                    out.setdefault(name, []).append(d)
            if t in scopes or not n.child_count:
                continue
            if t in opaque and not n.has_error and not markers.search(src, n.start_byte, n.end_byte):
                continue
            stack.extend(reversed(n.children))
        for lst in out.values():
            lst.sort(key=lambda d: d.end)
        self._defs[scope.id] = out
        return out

    def dominates(self, def_node, use, scope) -> bool:
        n = def_node.parent
        while n is not None and n.id != scope.id:
            if n.type in self.BRANCHES and not (n.start_byte <= use.start_byte < n.end_byte) and \
                    not self.always_taken(def_node, n):
                return False
            n = n.parent
        return True

    def always_taken(self, node, branch) -> bool:
        """`node` is in a part of `branch` that always runs (its condition folds to true)."""
        return False

    def live(self, node, scope) -> bool:
        """False when `node` is in a branch that never runs (its condition folds to false)."""
        return True

    def def_value(self, d: Def, depth: int) -> Value:
        if d.binding is not None and self.project is not None:
            value = self.project.import_value(self, d.binding, depth)  # a name of a project module
            if value is not None:
                return value
        if d.op == "unknown" or d.rhs is None:
            return UNKNOWN_VALUE if d.op == "unknown" else Value(CONST)
        return self.value_of(d.rhs, depth)

    def resolve(self, name: str, use, depth: int) -> Value:
        scope = self.scope_of(use)
        before = [d for d in self.defs(scope).get(name, ()) if d.end <= use.start_byte and self.live(d.node, scope)]
        chain: list[Def] = []
        killed = False
        for d in reversed(before):
            chain.append(d)
            if d.op in ("=", "unknown") and self.dominates(d.node, use, scope):
                killed = True
                break
        chain.reverse()
        bases: list[Value] = []
        if not killed:
            params = self.params(scope) if scope.type != self.MODULE else []
            if name in params:
                bases.append(self.param_value(scope, params.index(name), name))
            elif not (chain and self.STRICT_LOCALS and scope.type != self.MODULE):
                bases.append(self.outer_value(name, scope, depth))
            # (a Python local assigned on some paths only: the others raise UnboundLocalError, so
            # `if c: x = "a"` / `else: x = "b"` is one of the two constants, not an outer value)
        for d in chain:
            if d.op in ("=", "unknown"):
                bases.append(self.def_value(d, depth))
                continue
            current = self.phi(bases)
            rhs = self.value_of(d.rhs, depth)
            verb = "formatted into" if d.op == "%=" else "appended to"
            bases = [self.concat([(d.node, current), (d.rhs, rhs)], verb)]
        return self.phi(bases)

    def outer_value(self, name: str, scope, depth: int) -> Value:
        outer = self.outer_scope(scope)
        while outer is not None:
            defs = self.defs(outer).get(name)
            if defs:
                values = [self.def_value(d, depth) if d.op in ("=", "unknown") else
                          self._augment(d, depth) for d in defs]
                if outer.type == self.MODULE:
                    if name in self.rebound_globals():
                        return UNKNOWN_VALUE
                    return values[0] if all(v.kind == CONST for v in values) else UNKNOWN_VALUE
                return self.phi(values)
            params = self.params(outer) if outer.type != self.MODULE else []
            if name in params:
                return UNKNOWN_VALUE
            outer = self.outer_scope(outer)
        return Value(CONST, "", True) if self.is_constant_name(name) else self.builtin_value(name)

    def _augment(self, d: Def, depth: int) -> Value:
        rhs = self.value_of(d.rhs, depth)
        return rhs if rhs.kind == CONST else self.concat([(d.node, Value(CONST, "x", True)), (d.rhs, rhs)],
                                                          "appended to")

    def builtin_value(self, name: str) -> Value:
        return UNKNOWN_VALUE

    def rebound_globals(self) -> frozenset[str]:
        """Module names that functions rebind (`global x`): never constants."""
        return frozenset()


def scope_name(analyzer: Analyzer, scope) -> str:
    """The name a function is called by (`def run`, `function run`, `const run = () =>`), or ""."""
    name = scope.child_by_field_name("name")
    if name is not None:
        return analyzer.text(name)
    parent = scope.parent
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression"):
        parent = parent.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
    elif parent.type in ("assignment_expression", "assignment"):
        target = parent.child_by_field_name("left")
        if target is not None and target.type in ("member_expression", "attribute"):
            target = target.child_by_field_name("property") or target.child_by_field_name("attribute")
    elif parent.type == "pair":
        target = parent.child_by_field_name("key")
    else:
        return ""
    return analyzer.text(target) if target is not None else ""
