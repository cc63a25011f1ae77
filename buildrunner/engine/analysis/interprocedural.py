"""Constants that cross a function boundary inside one Python file:

* a private helper's parameter (`def _fetch_setting(self, conn, setting_name)`, a name starting with
  `_` is not exported by convention) is a constant when EVERY call of that name in the file passes a
  constant for it (positionally, by keyword, or by leaving a constant default), the name is only
  ever called directly (never passed as a value, assigned or aliased), and there is at least one
  call. Bounded: at most `MAX_CALLS` call sites per name; the recursion depth is the analysis' own.
* a loop over a constant collection: a module-level name or a class attribute bound once to a
  literal list/tuple/set of literals and never mutated in the file (`for ext, ver in _EXTENSIONS:`,
  `for t in self.geometry_tables:`).

Everything answers None (not folded) when it cannot decide.
"""

from __future__ import annotations

import re

from buildrunner.engine.analysis.base import CONST, Value, named_nodes, node_text, word_spans

MAX_CALLS = 24
_LITERALS = frozenset({"string", "concatenated_string", "integer", "float", "true", "false", "none"})
_COLLECTIONS = frozenset({"list", "tuple", "set"})
_MUTATORS = "append|extend|insert|remove|pop|clear|sort|reverse|add|discard|update|__setitem__|__iadd__"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# -- private helpers' parameters -------------------------------------------------------------------

def _references(an, name: str) -> list:
    """The identifier nodes of the file spelled `name`, in document order (cached per name). Found
    by a byte search for the word, each hit confirmed to be an identifier node of exactly that span:
    no query over every identifier of the file. (That query's captures came in no particular order;
    `_fold_parameter`'s answer does not depend on the order.)"""
    cache = an.__dict__.setdefault("_private_refs", {})
    refs = cache.get(name)
    if refs is None:
        if not name.isascii():  # (its bytes may not be what the text decoded from)
            refs = sorted((n for n in an.query("(identifier) @n") if an.text(n) == name), key=lambda n: n.start_byte)
        else:
            refs = []
            for start, end in word_spans(an.source_bytes(), name):
                node = an.root.descendant_for_byte_range(start, end)
                if node is not None and node.type == "identifier" and node.start_byte == start and \
                        node.end_byte == end:
                    refs.append(node)
        cache[name] = refs
    return refs


def _is_method(fn) -> tuple[bool, bool]:
    """(defined in a class body, takes self/cls first)."""
    node = fn.parent
    decorators = []
    if node is not None and node.type == "decorated_definition":
        decorators = [d for d in node.named_children if d.type == "decorator"]
        node = node.parent
    in_class = node is not None and node.type == "block" and node.parent is not None and \
        node.parent.type == "class_definition"
    static = any(node_text(d).strip() == "@staticmethod" for d in decorators)
    return in_class, in_class and not static


def _signature(an, fn):
    """[(name, default node or None)] for the parameters callers can pass positionally, then the
    keyword-only ones; None when the list cannot be read."""
    plist = fn.child_by_field_name("parameters")
    positional, keyword_only, after_star = [], [], False
    for p in named_nodes(plist):
        if p.type in ("list_splat_pattern", "keyword_separator", "dictionary_splat_pattern") or \
                (p.type == "positional_separator"):
            after_star = after_star or p.type != "positional_separator"
            continue
        if p.type == "identifier":
            entry = (an.text(p), None)
        elif p.type in ("default_parameter", "typed_default_parameter"):
            entry = (an.text(p.child_by_field_name("name")), p.child_by_field_name("value"))
        elif p.type == "typed_parameter":
            ident = next((c for c in p.named_children if c.type == "identifier"), None)
            if ident is None:
                return None
            entry = (an.text(ident), None)
        else:
            return None
        (keyword_only if after_star else positional).append(entry)
    return positional, keyword_only


def _call_of(ref):
    """The call `ref` is the callee of (`_f(...)`, `self._f(...)`, `obj._f(...)`), or None."""
    parent = ref.parent
    if parent is None:
        return None, False
    if parent.type == "call" and parent.child_by_field_name("function").id == ref.id:
        return parent, False
    if parent.type == "attribute" and parent.child_by_field_name("attribute").id == ref.id:
        outer = parent.parent
        if outer is not None and outer.type == "call" and outer.child_by_field_name("function").id == parent.id:
            return outer, True
    return None, False


def _argument(an, call, via_attribute: bool, method: bool, index: int, name: str):
    """The argument node this call passes for the parameter, "default" when it passes none, or
    False when it cannot be told (`*args`, `**kwargs`, a method called through its class)."""
    if method and via_attribute:
        obj = call.child_by_field_name("function").child_by_field_name("object")
        if obj.type == "identifier" and an.text(obj)[:1].isupper():
            return False  # `Class._m(obj, x)`: the positions shift
        shift = 1
    elif method:
        return False  # a method called by its bare name: not this function
    else:
        shift = 0
    pos = 0
    found = "default"
    for a in named_nodes(call.child_by_field_name("arguments")):
        if a.type in ("list_splat", "dictionary_splat"):
            return False
        if a.type == "keyword_argument":
            if an.text(a.child_by_field_name("name")) == name:
                found = a.child_by_field_name("value")
            continue
        if pos + shift == index:
            found = a
        pos += 1
    return found


def constant_parameter(an, scope, index: int, name: str, depth: int) -> Value | None:
    """The constant a private function's parameter holds at every call site of the file, or None."""
    fname_node = scope.child_by_field_name("name") if scope.type == "function_definition" else None
    if fname_node is None or not _private(an.text(fname_node)):
        return None
    cache = an.__dict__.setdefault("_constant_params", {})
    key = (scope.id, name)
    if key in cache:
        return cache[key]
    cache[key] = None  # cycle guard: a recursive helper passing its own parameter on is not folded
    cache[key] = _fold_parameter(an, scope, an.text(fname_node), name, depth)
    return cache[key]


def _fold_parameter(an, scope, fname: str, name: str, depth: int) -> Value | None:
    signature = _signature(an, scope)
    if signature is None:
        return None
    positional, keyword_only = signature
    in_class, method = _is_method(scope)
    names = [n for n, _ in positional]
    if name in names:
        index, default = names.index(name), positional[names.index(name)][1]
    else:
        default = next((d for n, d in keyword_only if n == name), None)
        index = -1
    if method and index == 0:
        return None  # self / cls
    refs = _references(an, fname)
    values: list[Value] = []
    for ref in refs:
        if ref.parent is not None and ref.parent.type == "function_definition" and \
                ref.parent.child_by_field_name("name").id == ref.id:
            continue  # a definition of that name (this one, or an override)
        call, via_attribute = _call_of(ref)
        if call is None or len(values) >= MAX_CALLS:
            return None  # passed as a value, assigned, aliased, or too many calls to check
        arg = _argument(an, call, via_attribute, method, index, name)
        if arg is False or (arg == "default" and default is None):
            return None
        node = default if arg == "default" else arg
        if not _constant_expression(an, node):
            return None
        value = an.value_of(node, depth + 1)
        if value.kind != CONST:
            return None
        values.append(value)
    if not values:
        return None
    texts = {v.text for v in values}
    return Value(CONST, texts.pop() if len(texts) == 1 else "", any(v.stringy for v in values))


_OPERANDS = frozenset({"parenthesized_expression", "tuple", "list", "set", "binary_operator", "unary_operator",
                       "concatenated_string", "expression_list", "dictionary", "pair"})


def _constant_expression(an, node, depth: int = 0) -> bool:
    """A constant expression as a compiler folds one: literals, operators and collections of them,
    and names bound to one (a parameter folded the same way, a single local or module binding, an
    ALL_CAPS name). No call and no attribute: `self.suffix()` may be overridden in a subclass."""
    if node is None or depth > 6:
        return False
    t = node.type
    if t == "string":
        return not any(c.type == "interpolation" for c in node.named_children)
    if t in _LITERALS:
        return True
    if t in _OPERANDS:
        return all(_constant_expression(an, c, depth + 1) for c in named_nodes(node))
    if t != "identifier":
        return False
    name = an.text(node)
    if an.is_constant_name(name):
        return True
    scope = an.scope_of(node)
    while True:
        if scope.type != an.MODULE and name in an.params(scope):
            return an.value_of(node).kind == CONST  # a private helper's parameter, folded the same way
        defs = an.defs(scope).get(name)
        if defs:
            return len(defs) == 1 and defs[0].op == "=" and defs[0].node.type == "assignment" and \
                _constant_expression(an, defs[0].rhs, depth + 1)
        outer = an.outer_scope(scope)
        if outer is None:
            return False
        scope = outer


# -- loops over constant collections ---------------------------------------------------------------

def _literal_collection(an, node) -> bool:
    """A list/tuple/set literal whose items are literals or such collections (no interpolation)."""
    if node is None or node.type not in _COLLECTIONS:
        return False
    for item in named_nodes(node):
        if item.type in _COLLECTIONS or item.type == "parenthesized_expression":
            if not _literal_collection(an, item if item.type != "parenthesized_expression" else named_nodes(item)[0]):
                return False
        elif item.type not in _LITERALS or (item.type == "string" and
                                            any(c.type == "interpolation" for c in item.named_children)):
            return False
    return True


def _source(an) -> str:
    cached = an.__dict__.get("_source_text")
    if cached is None:
        cached = an._source_text = an.text(an.root)
    return cached


# The whole-file searches below start with the name as a literal, then look behind it for a word
# character (`name(?<!\wname)`, exactly `(?<!\w)name`): the regex engine then jumps from one
# occurrence of the name to the next instead of trying the look-behind at every character of the
# file (5-8x faster; tests/sqli/test_interprocedural_regexes.py keeps the former patterns).
def _word(literal: str) -> str:
    """`literal` as a regex that matches where no word character precedes it."""
    escaped = re.escape(literal)
    return rf"{escaped}(?<!\w{escaped})"


def _mutated_pattern(attr: str) -> re.Pattern:
    return re.compile(rf"{_word(attr)}\s*(?:\.\s*(?:{_MUTATORS})\s*\(|\[[^\]\n]*\]\s*=(?!=)|[-+*|&]=)")


def _assignments_pattern(attr: str) -> re.Pattern:
    return re.compile(rf"(?:{_word(attr)}\s*(?::[^=\n]*)?=(?!=)|{_word('setattr')}\s*\()")


def _mutated(an, attr: str) -> bool:
    """The file calls a mutating method on `attr`, stores into it or augments it anywhere."""
    return bool(_mutated_pattern(attr).search(_source(an)))


def _assignments(an, attr: str) -> int:
    """How many times the file assigns `attr` or `<anything>.attr` (annotated or not)."""
    return len(_assignments_pattern(attr).findall(_source(an)))


def module_collection(an, ident, depth: int) -> Value | None:
    """`for x in _NAMES:` where `_NAMES` is bound once, at module level, to a literal collection."""
    name = an.text(ident)
    scope = an.scope_of(ident)
    while scope is not None and scope.type != an.MODULE:
        if name in an.defs(scope) or name in an.params(scope):
            return None  # a local (or an enclosing function's) name
        scope = an.outer_scope(scope)
    defs = an.defs(an.root).get(name, [])
    if len(defs) != 1 or defs[0].op != "=" or name in an.rebound_globals() or \
            not _literal_collection(an, defs[0].rhs) or _mutated(an, name):
        return None
    return _items(an, defs[0].rhs, depth)


def class_collection(an, attribute, depth: int) -> Value | None:
    """`for t in self.tables:` where the class body binds `tables` to a literal collection of
    strings and nothing else in the file assigns or mutates it."""
    obj = attribute.child_by_field_name("object")
    if obj is None or an.text(obj) not in ("self", "cls"):
        return None
    attr = an.text(attribute.child_by_field_name("attribute"))
    cls = attribute.parent
    while cls is not None and cls.type != "class_definition":
        cls = cls.parent
    if cls is None or _assignments(an, attr) != 1 or _mutated(an, attr):
        return None
    for stmt in named_nodes(cls.child_by_field_name("body")):
        inner = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
        if inner is not None and inner.type == "assignment" and an.text(inner.child_by_field_name("left")) == attr:
            rhs = inner.child_by_field_name("right")
            if _literal_collection(an, rhs) and all(i.type in ("string", "concatenated_string") for i in named_nodes(rhs)):
                return _items(an, rhs, depth)
    return None


def _items(an, collection, depth: int) -> Value | None:
    value = an.value_of(collection, depth)
    if value.kind != CONST:
        return None
    strings = all(i.type in ("string", "concatenated_string") for i in named_nodes(collection))
    return Value(CONST, "", strings)
