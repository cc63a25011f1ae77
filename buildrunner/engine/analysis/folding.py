"""Constant folding the string analysis needs to stay quiet on code that cannot inject (Python):

* numbers and branch conditions — `n = 86; if (7 * 42) - n > 200:` always takes the `if` branch:
  a definition in a branch that never runs does not reach the use, and one in a branch that always
  runs dominates it (the same for `a if cond else b`);
* per-key stores into a local dict — `m = {}; m["a"] = "x"; m["b"] = param; m["a"]` is `"x"`: the
  last store to that key that reaches the use wins (`.get(k)` too), as long as the dict is only
  ever read or stored into with constant keys in its function (passed anywhere, updated, or
  stored with a computed key: not folded).

Everything returns None when it cannot decide; the analysis then keeps its conservative answer.
"""

from __future__ import annotations

import operator

from buildrunner.engine.analysis.base import CONST, Value, named_nodes

_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod,
          "/": operator.truediv}
_COMPARE = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}
_MAX_DEPTH = 12


def number(an, node, depth: int = 0):
    """The int/float/bool value of an expression made of number literals, arithmetic, comparisons,
    `and`/`or`/`not` and local names assigned once from such an expression; None otherwise."""
    if node is None or depth > _MAX_DEPTH:
        return None
    t = node.type
    if t == "integer":
        try:
            return int(an.text(node).replace("_", ""), 0)
        except ValueError:
            return None
    if t == "float":
        try:
            return float(an.text(node).replace("_", ""))
        except ValueError:
            return None
    if t in ("true", "false"):
        return t == "true"
    if t == "parenthesized_expression":
        inner = named_nodes(node)
        return number(an, inner[0], depth + 1) if len(inner) == 1 else None
    if t == "unary_operator":
        v = number(an, node.child_by_field_name("argument"), depth + 1)
        op = an.text(node.child_by_field_name("operator"))
        return None if v is None else -v if op == "-" else v if op == "+" else None
    if t == "not_operator":
        v = number(an, node.child_by_field_name("argument"), depth + 1)
        return None if v is None else not v
    if t == "binary_operator":
        return _binary(an, node, depth)
    if t == "comparison_operator":
        return _comparison(an, node, depth)
    if t == "boolean_operator":
        left = number(an, node.child_by_field_name("left"), depth + 1)
        right = number(an, node.child_by_field_name("right"), depth + 1)
        if left is None or right is None:
            return None
        return (left and right) if an.text(node.child_by_field_name("operator")) == "and" else (left or right)
    if t == "identifier":
        rhs = _single_local(an, node)
        return number(an, rhs, depth + 1) if rhs is not None else None
    return None


def _binary(an, node, depth: int):
    op = an.text(node.child_by_field_name("operator"))
    if op not in _ARITH:
        return None
    left = number(an, node.child_by_field_name("left"), depth + 1)
    right = number(an, node.child_by_field_name("right"), depth + 1)
    if left is None or right is None or (op in ("//", "%", "/") and right == 0):
        return None
    try:
        return _ARITH[op](left, right)
    except (ArithmeticError, TypeError):
        return None


def _comparison(an, node, depth: int):
    kids = named_nodes(node)
    ops = [an.text(c) for c in node.children if not c.is_named]
    if len(ops) != len(kids) - 1 or not all(o in _COMPARE for o in ops):
        return None
    values = [number(an, k, depth + 1) for k in kids]
    if any(v is None for v in values):
        return None
    return all(_COMPARE[o](a, b) for o, a, b in zip(ops, values, values[1:], strict=False))


def _single_local(an, ident, stores: bool = False):
    """The right-hand side of the only binding of a name in its function (or module); with
    `stores`, `name[k] = v` statements do not count as bindings (they are the dict's stores)."""
    name, scope = an.text(ident), an.scope_of(ident)
    if scope.type != an.MODULE and name in an.params(scope):
        return None
    defs = an.defs(scope).get(name)
    if stores and defs:
        defs = [d for d in defs if not (d.node.type == "assignment" and
                                        d.node.child_by_field_name("left").type == "subscript")]
    if not defs or len(defs) != 1 or defs[0].op != "=" or defs[0].binding is not None:
        return None
    return defs[0].rhs


def condition(an, branch):
    """True/False when an `if`/`elif` statement's or a conditional expression's condition folds."""
    cache = an.__dict__.setdefault("_conditions", {})
    if branch.id not in cache:
        cond = branch.child_by_field_name("condition")
        if cond is None and branch.type == "conditional_expression":
            kids = named_nodes(branch)
            cond = kids[1] if len(kids) == 3 else None
        value = number(an, cond) if cond is not None else None
        cache[branch.id] = None if value is None else bool(value)
    return cache[branch.id]


def branch_of(node, statement):
    """Which part of an if statement `node` is in: "then", "else" (an elif/else clause) or None."""
    n = node
    while n is not None and n.parent is not None and n.parent.id != statement.id:
        n = n.parent
    if n is None:
        return None
    if n.type in ("elif_clause", "else_clause"):
        return "else"
    consequence = statement.child_by_field_name("consequence")
    return "then" if consequence is not None and consequence.id == n.id else None


def live(an, node, scope) -> bool:
    """False when `node` sits in a branch whose condition folds so that it never runs."""
    n = node.parent
    while n is not None and n.id != scope.id:
        if n.type == "if_statement":
            side, cond = branch_of(node, n), condition(an, n)
            if cond is not None and (side == "then" and not cond or side == "else" and cond):
                return False
        n = n.parent
    return True


def always_taken(an, node, branch) -> bool:
    """`node` is in the `then` part of an if statement whose condition is always true."""
    return branch.type == "if_statement" and condition(an, branch) is True and branch_of(node, branch) == "then"


# -- per-key dict stores ---------------------------------------------------------------------------

def keyed_value(an, obj, key_node, use, depth: int) -> Value | None:
    """`name[k]` / `name.get(k)` of a local dict stored into with constant keys only."""
    if obj.type != "identifier" or key_node is None:
        return None
    key = an.value_of(key_node, depth)
    if key.kind != CONST or key_node.type not in ("string", "integer"):
        return None
    stores = _stores(an, obj)
    if stores is None:
        return None
    wanted = an.text(key_node) if key_node.type == "integer" else key.text
    chain = []
    for k, value_node, stmt in stores:
        if k == wanted and stmt.end_byte <= use.start_byte and live(an, stmt, an.scope_of(use)):
            chain.append((value_node, stmt))
    values = []
    for value_node, stmt in reversed(chain):
        values.append(an.value_of(value_node, depth))
        if an.dominates(stmt, use, an.scope_of(use)):
            break
    else:
        return None  # no store reaches the use on every path
    return an.phi(values)


def _stores(an, ident):
    """[(key, value node, statement)] for a local dict (literal or `{}`/`dict()`), in source order;
    None when the name is used any other way than reads and constant-key stores."""
    cache = an.__dict__.setdefault("_dict_stores", {})
    scope = an.scope_of(ident)
    name = an.text(ident)
    ckey = (scope.id, name)
    if ckey in cache:
        return cache[ckey]
    cache[ckey] = None
    rhs = _single_local(an, ident, stores=True)
    if rhs is None or not (rhs.type == "dictionary" or (rhs.type == "call" and an.text(rhs) == "dict()")):
        return None
    out = []
    for pair in named_nodes(rhs) if rhs.type == "dictionary" else ():
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is None or key.type not in ("string", "integer") or an.value_of(key).kind != CONST:
            return None
        out.append((an.text(key) if key.type == "integer" else an.value_of(key).text,
                    pair.child_by_field_name("value"), rhs))
    body = scope.child_by_field_name("body") or scope
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "identifier" and an.text(n) == name and n.start_byte > rhs.end_byte:
            store = _store(an, n)
            if store is False:
                return None
            if store is not None:
                out.append(store)
            continue
        if n.type not in ("function_definition", "lambda", "class_definition"):
            stack.extend(n.named_children)
    out.sort(key=lambda s: s[2].start_byte)
    cache[ckey] = out
    return out


def _store(an, ident):
    """A use of the dict's name: (key, value, statement) for `name[k] = v`, None for a read, False
    for anything else (passed to a call, rebound, updated, stored with a computed key)."""
    parent = ident.parent
    if parent is None:
        return False
    if parent.type == "subscript" and parent.child_by_field_name("value").id == ident.id:
        target = parent
        outer = target.parent
        if outer is not None and outer.type == "assignment" and outer.child_by_field_name("left").id == target.id:
            key = target.child_by_field_name("subscript")
            if key is None or key.type not in ("string", "integer") or an.value_of(key).kind != CONST:
                return False
            return (an.text(key) if key.type == "integer" else an.value_of(key).text,
                    outer.child_by_field_name("right"), outer)
        return None if outer is None or outer.type not in ("augmented_assignment", "delete_statement") else False
    if parent.type == "attribute" and parent.child_by_field_name("object").id == ident.id:
        method = an.text(parent.child_by_field_name("attribute"))
        return None if method in ("get", "keys", "values", "items", "copy") else False
    return False
