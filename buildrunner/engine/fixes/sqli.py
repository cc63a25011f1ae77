"""Rewrite Python SQL injection findings into parameterized calls, with libcst.

Only rewrites that keep the query's meaning are made; everything else is refused with a reason and
left untouched (tests/sqli/test_fix_executed.py runs both versions against sqlite3 and PostgreSQL):

* the SQL is the call's only argument: a string literal, f-string, `"..." % args`, `"...".format()`
  or a `+` chain of those and values; or a variable built by `q = ...` and `q += ...` statements
  right before the call and used nowhere else (values move to the call only if side-effect free);
* every value sits in a *value* position of the SQL (after `=`, `<`, `LIKE`, `LIMIT`, inside
  `IN (...)` / `VALUES (...)`...), never an identifier or keyword (`FROM {table}`, `ORDER BY id {dir}`);
* a value wrapped in quotes (`'{name}'`) loses the quotes; the rest of a quoted literal around it
  (`'%{term}%'`, LIKE patterns) moves into the parameter (`f"%{term}%"`);
* an IN list joined at run time (`IN (%s)" % ",".join(ids)`) becomes one placeholder per item when
  `ids` is provably a list/tuple/set (annotation or local binding); any other whole-list value is
  refused (one placeholder would compare against the whole string);
* `% value` with a value that may be a tuple at run time, conversions and specs (`%d`, `{x:d}`,
  `{x!r}`), values already escaped for SQL, and `executescript` (no parameters) are refused;
* the placeholder style is known: `security.sql_placeholder`, or (auto) from the driver the file
  imports (sqlite3 → `?`, psycopg/pymysql/MySQLdb/Django → `%s`, asyncpg → `$1` as extra arguments);
  the literal text must not already contain that style's placeholder characters (`%` is doubled for
  `%s` drivers).

After rewriting, the caller re-parses and re-scans the file (`verify`); a file whose result does not
parse, or still has the finding, is not written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from buildrunner.engine.analysis.templates import Field, split_brace, split_percent
from buildrunner.engine.fixes.sqltext import (  # noqa: F401 — FileResult, Planned, apply_fixes: re-exported
    FileResult,
    Hooks,
    Piece,
    Planned,
    Refuse,
    Val,
    apply_fixes,
    place,
)
from buildrunner.engine.model import Finding, Fix

# DB-API paramstyles (PEP 249) plus asyncpg's $n
STYLES = ("qmark", "format", "pyformat", "numeric", "named", "dollar")
DRIVERS: dict[str, str] = {
    "sqlite3": "qmark", "aiosqlite": "qmark", "pyodbc": "qmark", "duckdb": "qmark",
    "psycopg2": "format", "psycopg": "format", "pymysql": "format", "MySQLdb": "format",
    "mysql.connector": "format", "aiopg": "format", "aiomysql": "format", "pymssql": "format",
    "django.db": "format", "asyncpg": "dollar", "cx_Oracle": "named", "oracledb": "named",
}
_IMPORT_RE = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.M)



def detect_style(text: str, configured: str = "auto") -> str | None:
    """The placeholder style for this file: the configured one, or the single driver it imports."""
    if configured and configured != "auto":
        return configured
    found = set()
    for m in _IMPORT_RE.finditer(text):
        mod = m.group(1)
        for name, style in DRIVERS.items():
            if mod == name or mod.startswith(name + "."):
                found.add(style)
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------
# Splitting SQL-building expressions into literal text and values


class _AnySequence:
    def sequence(self, expr):
        return "?" if isinstance(expr, cst.Name) else None


_ANY_SEQUENCE = _AnySequence()


def _literal_body(node: cst.SimpleString) -> tuple[str, str, str]:
    """(prefix, quote, raw body) of a plain string literal; refuses bytes."""
    if "b" in node.prefix.lower():
        raise Refuse("bytes literal")
    return node.prefix, node.quote, node.raw_value


_STR_RESULT_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold",
                       "replace", "format", "join", "zfill", "removeprefix", "removesuffix"}
_SCALAR_CALLS = {"str", "int", "float", "len", "repr", "round", "abs", "bool"}
_SCALAR_TYPES = {"str", "int", "float", "bool", "Decimal", "UUID", "date", "datetime"}
_SEQUENCE_TYPES = re.compile(r"^(?:typing\.)?(?:list|tuple|set|frozenset|List|Tuple|Set|FrozenSet|Sequence|"
                             r"AbstractSet|Collection)\b")


@dataclass
class Scope:
    """What the enclosing function tells about its names: annotations and how locals are bound."""

    annotations: dict[str, str] = field(default_factory=dict)
    sequences: set[str] = field(default_factory=set)  # locals only ever bound to list/tuple/set values

    def scalar(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer, cst.Float)):
            return True
        if isinstance(expr, cst.Name):
            ann = self.annotations.get(expr.value, "")
            return ann.replace(" ", "").removesuffix("|None").removeprefix("Optional[").rstrip("]") in _SCALAR_TYPES
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Name):
                return func.value in _SCALAR_CALLS
            return isinstance(func, cst.Attribute) and func.attr.value in _STR_RESULT_METHODS
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Modulo)):
            return isinstance(expr.left, (cst.SimpleString, cst.FormattedString))
        return False

    def sequence(self, expr: cst.BaseExpression) -> str | None:
        """The name of a value proven to be a re-iterable sized collection (list, tuple, set...)."""
        if not isinstance(expr, cst.Name):
            return None
        ann = self.annotations.get(expr.value)
        if ann is not None:
            return expr.value if _SEQUENCE_TYPES.match(ann) else None
        return expr.value if expr.value in self.sequences else None


def _text(raw: str, prefix: str) -> str:
    r"""Literal source text with `\'` read as `'` (written back escaped where the quote needs it)."""
    if "\\'" not in raw:
        return raw
    if "r" in prefix.lower() or "\\\\'" in raw:
        raise Refuse("a backslash before a quote in the literal")
    return raw.replace("\\'", "'")


def _split(expr: cst.BaseExpression, module: cst.Module, scope: Scope) -> Piece:
    """The supported string-building forms: literal, f-string, `%`, `.format()` and `+` chains."""
    if isinstance(expr, cst.SimpleString):
        prefix, quote, body = _literal_body(expr)
        return Piece(prefix, quote, [_text(body, prefix)])
    if isinstance(expr, cst.FormattedString):
        if "b" in expr.prefix.lower():
            raise Refuse("bytes literal")
        prefix = expr.prefix.replace("f", "").replace("F", "")
        piece = Piece(prefix, expr.start[len(expr.prefix):])
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                piece.add(_text(part.value, prefix).replace("{{", "{").replace("}}", "}"))
            elif part.conversion or part.format_spec or part.equal:
                raise Refuse("an interpolation has a conversion or format spec (a placeholder would accept "
                             "values the conversion rejects or formats differently)")
            else:
                piece.add(Val(part.expression))
        return piece.close()
    if isinstance(expr, cst.ConcatenatedString):  # "..." "..." (implicit concatenation)
        return _merge([_split(expr.left, module, scope), _split(expr.right, module, scope)])
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        return _split_percent(expr, scope)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
            expr.func.attr.value == "format" and isinstance(expr.func.value, (cst.SimpleString, cst.ConcatenatedString)):
        return _split_format(expr)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _split_concat(expr, module, scope)
    raise Refuse("the SQL is not a string literal, f-string, %, .format() or + expression")


def _split_percent(expr: cst.BinaryOperation, scope: Scope) -> Piece:
    if not isinstance(expr.left, (cst.SimpleString, cst.ConcatenatedString)):
        raise Refuse("the % template is not a string literal")
    prefix, quote, body = _template(expr.left)
    fields = split_percent(_text(body, prefix))
    if fields is None:
        raise Refuse("unsupported % template")
    right = expr.right
    if isinstance(right, cst.Tuple):
        if any(isinstance(el, cst.StarredElement) for el in right.elements):
            raise Refuse("starred % arguments")
        values = {i: el.value for i, el in enumerate(right.elements)}
    elif isinstance(right, cst.Dict):
        values = {}
        for el in right.elements:
            if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
                raise Refuse("% mapping with non-literal keys")
            values[el.key.evaluated_value] = el.value
    elif scope.scalar(right):
        values = {0: right}
    else:
        raise Refuse("the % operand may be a tuple at run time (it would fill several fields); "
                     "write `% (value,)` first")
    return _fill(Piece(prefix, quote), fields, values)


def _template(node: cst.BaseExpression) -> tuple[str, str, str]:
    """(prefix, quote, text) of a plain literal or implicitly concatenated plain literals."""
    if isinstance(node, cst.ConcatenatedString):
        parts = [_template(node.left), _template(node.right)]
        if len({(p.lower(), q) for p, q, _ in parts}) != 1:
            raise Refuse("the concatenated literals use different quotes or prefixes")
        return parts[0][0], parts[0][1], parts[0][2] + parts[1][2]
    if not isinstance(node, cst.SimpleString):
        raise Refuse("the template is not a plain string literal")
    prefix, quote, body = _literal_body(node)
    return prefix, quote, body


def _merge(parts: list[Piece]) -> Piece:
    out = Piece(parts[0].prefix, parts[0].quote)
    for part in parts:
        if (part.prefix.lower(), part.quote) != (out.prefix.lower(), out.quote):
            raise Refuse("the concatenated literals use different quotes or prefixes")
        for token in part.tokens:
            out.add(token)
    return out.close()


def _split_format(expr: cst.Call) -> Piece:
    prefix, quote, body = _template(expr.func.value)
    fields = split_brace(_text(body, prefix))
    if fields is None:
        raise Refuse("unsupported .format() template")
    values: dict = {}
    pos = 0
    for arg in expr.args:
        if arg.star:
            raise Refuse("starred .format() arguments")
        if arg.keyword is not None:
            values[arg.keyword.value] = arg.value
        else:
            values[pos] = arg.value
            pos += 1
    return _fill(Piece(prefix, quote), fields, values)


def _split_concat(expr: cst.BinaryOperation, module: cst.Module, scope: Scope) -> Piece:
    leaves: list[cst.BaseExpression] = []
    node: cst.BaseExpression = expr
    while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add) and not node.lpar:
        leaves.append(node.right)
        node = node.left
    leaves.append(node)
    leaves.reverse()
    out: Piece | None = None
    for leaf in leaves:
        try:
            part = _split(leaf, module, scope) if not isinstance(leaf, cst.BinaryOperation) or \
                isinstance(leaf.operator, cst.Modulo) else None
        except Refuse:
            if isinstance(leaf, (cst.SimpleString, cst.FormattedString)):
                raise
            part = None
        if part is None:
            part = Piece("", "", ["", Val(leaf), ""])
        if out is None:
            out = Piece(part.prefix, part.quote)
        elif part.quote and out.quote and (part.quote != out.quote or part.prefix.lower() != out.prefix.lower()):
            raise Refuse("the concatenated literals use different quotes or prefixes")
        elif part.quote and not out.quote:
            out.prefix, out.quote = part.prefix, part.quote
        for token in part.tokens:
            out.add(token)
    if out is None or not out.quote:
        raise Refuse("the SQL is not built from string literals")
    return out.close()


def _fill(piece: Piece, fields, values: dict) -> Piece:
    used = set()
    for f in fields:
        if not isinstance(f, Field):
            piece.add(f)
            continue
        if f.spec or f.conversion not in ("", "s"):
            raise Refuse(f"a field has a conversion or format spec ({f.conversion or f.spec!s}): a placeholder "
                         "would accept values the conversion rejects or formats differently")
        if f.key not in values:
            raise Refuse(f"no value for field {f.key!r}")
        used.add(f.key)
        piece.add(Val(values[f.key], f.key))
    if set(values) - used:
        raise Refuse("unused format arguments")
    keys = [t.key for t in piece.tokens if isinstance(t, Val)]
    order = list(values)
    if not all(_simple(v) for v in values.values()) and \
            (len(set(keys)) != len(keys) or sorted(keys, key=order.index) != keys):
        raise Refuse("the template reorders or repeats arguments that may have side effects")
    return piece.close()


def _simple(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.Name, cst.Attribute, cst.SimpleString, cst.Integer, cst.Float))


# ---------------------------------------------------------------------------------------------
# Placing values


_ESCAPED = re.compile(r"""\.replace\(\s*(?:"'"|'\\''|"\\'")\s*,|\b(?:escape_string|escape_literal|escape|literal|"""
                      r"""quote|quote_literal|sqlquote|adapt)\(""")


def _join_sequence(expr: cst.BaseExpression, scope: Scope) -> str | None:
    """`", ".join(ids)` / `",".join(map(str, ids))` over a proven sequence: the sequence's name."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "join"
            and isinstance(expr.func.value, cst.SimpleString) and len(expr.args) == 1 and not expr.args[0].keyword):
        return None
    if expr.func.value.evaluated_value.strip() != ",":
        return None
    arg = expr.args[0].value
    if isinstance(arg, cst.Call) and isinstance(arg.func, cst.Name) and arg.func.value == "map" and \
            len(arg.args) == 2 and isinstance(arg.args[0].value, cst.Name) and arg.args[0].value.value == "str":
        arg = arg.args[1].value
    return scope.sequence(arg)



class _PythonHooks(Hooks):
    def __init__(self, module: cst.Module, scope: Scope):
        self.module, self.scope = module, scope

    def code(self, expr) -> str:
        return self.module.code_for_node(expr)

    def escaped(self, code: str) -> bool:
        return bool(_ESCAPED.search(code))

    def join_sequence(self, expr) -> str | None:
        return _join_sequence(expr, self.scope)

    def joins_something(self, expr) -> bool:
        return bool(_join_sequence(expr, _ANY_SEQUENCE))

    def partial(self, head: str, code: str, tail: str) -> str:
        if any(ch in head + tail for ch in "\\\"{}\n") or any(ch in code for ch in "\\\"'\n{}"):
            raise Refuse("a value is part of a larger quoted literal the fix cannot move into the parameter")
        return f'f"{head}{{{code}}}{tail}"'


def _placeholder(style: str, index: int, name: str) -> str:
    return {"qmark": "?", "format": "%s", "numeric": f":{index}", "dollar": f"${index}",
            "named": f":{name}", "pyformat": f"%({name})s"}[style]


def _param_name(expr: cst.BaseExpression, index: int, taken: set[str]) -> str:
    base = expr.value if isinstance(expr, cst.Name) else (
        expr.attr.value if isinstance(expr, cst.Attribute) else f"p{index}")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def rewrite_pieces(exprs: list[cst.BaseExpression], module: cst.Module, style: str,
                   scope: Scope | None = None) -> tuple[list[str], str]:
    """(new code for each string expression, the parameters' code)."""
    scope = scope or Scope()
    pieces = [_split(e, module, scope) for e in exprs]
    values = place(pieces, _PythonHooks(module, scope))
    if not values:
        raise Refuse("nothing to parameterize")
    if len(pieces) > 1 and not all(_simple(v.expr) or v.sequence for v in values):
        raise Refuse("moving values with side effects to the call would change their evaluation order")
    if any(v.sequence for v in values) and style not in ("qmark", "format"):
        raise Refuse(f"IN lists of run-time length need positional placeholders, not {style}")
    literal_text = "".join(t for p in pieces for t in p.tokens if isinstance(t, str))
    if style in ("format", "pyformat") and ("%s" in literal_text or "%(" in literal_text):
        raise Refuse("the SQL text already contains %-placeholders")
    if style == "qmark" and "?" in literal_text:
        raise Refuse("the SQL text already contains '?'")
    if style == "dollar" and re.search(r"\$\d", literal_text):
        raise Refuse("the SQL text already contains $n placeholders")
    if style in ("numeric", "named") and re.search(r":\w", literal_text):
        raise Refuse("the SQL text already contains :placeholders")
    taken: set[str] = set()
    for i, v in enumerate(values):
        v.name = _param_name(v.expr, i + 1, taken)
    codes = [_render(p, values, style) for p in pieces]
    return codes, _params(values, style)


def _render(piece: Piece, values: list[Val], style: str) -> str:
    parts: list[str] = []
    body = ""
    for token in piece.tokens:
        if isinstance(token, str):
            text = token.replace("%", "%%") if style in ("format", "pyformat") else token
            if "'" in piece.quote:
                text = text.replace("'", "\\'")
            body += text
        elif token.sequence:
            mark = "?" if style == "qmark" else "%s"
            parts += [f"{piece.prefix}{piece.quote}{body}{piece.quote}",
                      f'", ".join(["{mark}"] * len({token.sequence}))']
            body = ""
        else:
            body += _placeholder(style, next(i for i, v in enumerate(values) if v is token) + 1, token.name)
    if "\n" in body and len(piece.quote) == 1:
        raise Refuse("multi-line text in a single-quoted literal")
    if body or not parts:
        parts.append(f"{piece.prefix}{piece.quote}{body}{piece.quote}")
    return " + ".join(parts)


def _params(values: list[Val], style: str) -> str:
    if style in ("named", "pyformat"):
        return "{" + ", ".join(f'"{v.name}": {v.code}' for v in values) + "}"
    if style == "dollar":
        return ", ".join(v.code for v in values)
    if len(values) == 1 and values[0].sequence:
        return f"tuple({values[0].sequence})"
    codes = [f"*{v.sequence}" if v.sequence else v.code for v in values]
    return "(" + ", ".join(codes) + ("," if len(codes) == 1 else "") + ")"

# ---------------------------------------------------------------------------------------------
# Files


class _Calls(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self):
        self.calls: list[tuple[cst.Call, object]] = []

    def visit_Call(self, node: cst.Call) -> None:
        # a call chained over several lines is reported at its method name's line
        at = node.func.attr if isinstance(node.func, cst.Attribute) else node
        self.calls.append((node, self.get_metadata(PositionProvider, at)))


def plan_file(text: str, findings: list[Finding], *, fixable: set[str], placeholder: str = "auto",
              rule_styles: dict[str, str] | None = None) -> list[Planned]:
    """A Fix (or a refusal reason) for each finding in one Python file."""
    planned = [Planned(f) for f in findings]
    try:
        module = cst.parse_module(text)
    except Exception as exc:  # noqa: BLE001 — libcst raises several error types
        for p in planned:
            p.reason = f"libcst cannot parse the file ({type(exc).__name__})"
        return planned
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitor = _Calls()
    wrapper.visit(visitor)
    file_style = detect_style(text, placeholder)
    for p in planned:
        f = p.finding
        if f.rule_id not in fixable:
            p.reason = "no safe rewrite for this rule"
            continue
        if any("passes its parameter" in t.message for t in f.trace):
            p.reason = "the SQL is built in a caller; fix the call site by hand"
            continue
        style = (rule_styles or {}).get(f.rule_id) or file_style
        if style is None:
            p.reason = ("placeholder style unknown (the file imports no single known DB driver): pass "
                        "--placeholder qmark|format|pyformat|numeric|named|dollar or set security.sql_placeholder")
            continue
        sink = f.extra.get("sink", "").removesuffix("()")
        candidates = [(c, pos) for c, pos in visitor.calls
                      if pos.start.line == f.line and " ".join(module.code_for_node(c.func).split()) == sink]
        if len(candidates) != 1:
            p.reason = "could not locate the call"
            continue
        call, _pos = candidates[0]
        try:
            p.fix = _fix_call(call, f, text, module, wrapper, style)
        except Refuse as exc:
            p.reason = str(exc)
    return planned


# Calls that take no parameters: a placeholder there would be a TypeError or a literal `?`.
NO_PARAMETERS = {"executescript"}


def _fix_call(call: cst.Call, finding: Finding, text: str, module: cst.Module, wrapper: MetadataWrapper,
              style: str) -> Fix:
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else getattr(call.func, "value", "")
    if method in NO_PARAMETERS:
        raise Refuse(f"{method}() takes no parameters (it runs a whole script); split the script and "
                     "execute() the statement with parameters")
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        raise Refuse("the call already has parameters or keyword arguments")
    arg = call.args[0].value
    positions = wrapper.resolve(PositionProvider)
    scope = _scope_of(call, wrapper)
    if isinstance(arg, cst.Name):  # `q = "..."; q += ...` right before `cur.execute(q)`
        statements = _assignments_just_before(call, arg.value, wrapper)
        exprs = [stmt.value for stmt in statements]
        codes, params = rewrite_pieces(exprs, module, style, scope)
        edits = [(positions[e], code) for e, code in zip(exprs, codes, strict=True)]
        edits.append((positions[arg], f"{arg.value}, {params}"))
    else:
        codes, params = rewrite_pieces([arg], module, style, scope)
        edits = [(positions[arg], f"{codes[0]}, {params}")]
    first, last = edits[0][0], edits[-1][0]
    replacement = edits[0][1]
    for (prev, _), (pos, code) in zip(edits, edits[1:], strict=False):
        replacement += _slice(text, prev.end, pos.start) + code
    return Fix(description=f"Pass the values as query parameters ({style} placeholders)",
               start_line=first.start.line, start_column=first.start.column + 1,
               end_line=last.end.line, end_column=last.end.column + 1,
               replacement=replacement, safe=True)


class _Bindings(cst.CSTVisitor):
    """How a function binds its names: annotations, and locals only ever bound to collections."""

    _COLLECTIONS = (cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp)

    def __init__(self):
        self.scope = Scope()
        self.other: set[str] = set()

    def visit_Param(self, node: cst.Param) -> None:
        ann = node.annotation
        if ann is not None:
            self.scope.annotations[node.name.value] = cst.Module([]).code_for_node(ann.annotation)
        else:
            self.other.add(node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                value = node.value
                collection = isinstance(value, self._COLLECTIONS) or (
                    isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                    and value.func.value in ("list", "tuple", "sorted", "set"))
                (self.scope.sequences.add if collection else self.other.add)(target.target.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.other.add(node.target.value)

    def visit_For(self, node: cst.For) -> None:
        for name in _names_in(node.target):
            self.other.add(name)


def _names_in(node) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for el in node.elements for n in _names_in(el.value)]
    return []


def _scope_of(call: cst.Call, wrapper: MetadataWrapper) -> Scope:
    from libcst.metadata import ParentNodeProvider

    parents = wrapper.resolve(ParentNodeProvider)
    node = call
    while node in parents and not isinstance(node, cst.FunctionDef):
        node = parents[node]
    if not isinstance(node, cst.FunctionDef):
        return Scope()
    visitor = _Bindings()
    node.visit(visitor)
    visitor.scope.sequences -= visitor.other
    return visitor.scope


class _NameUses(cst.CSTVisitor):
    """Counts loads and stores of one name (attribute names like `x.q` are not uses of `q`)."""

    def __init__(self, name: str):
        self.name, self.count = name, 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Global(self, node) -> None:
        self.count += 99  # rebinding across scopes: not provable

    def visit_Nonlocal(self, node) -> None:
        self.count += 99


def _single(stmt, name: str):
    """The `name = ...` / `name += ...` statement of a one-statement line, else None."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
            isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name:
        return small
    if isinstance(small, cst.AugAssign) and isinstance(small.operator, cst.AddAssign) and \
            isinstance(small.target, cst.Name) and small.target.value == name:
        return small
    return None


def _assignments_just_before(call: cst.Call, name: str, wrapper: MetadataWrapper) -> list:
    """`name = <sql>` followed by any `name += <sql>`, as the statements right before the one
    holding `call`, when `name` is used nowhere else in the function: then moving the values next
    to the call changes nothing."""
    from libcst.metadata import ParentNodeProvider

    parents = wrapper.resolve(ParentNodeProvider)
    node = call
    while node in parents and not isinstance(node, cst.SimpleStatementLine):
        node = parents[node]
    block = parents.get(node)
    body = getattr(block, "body", None)
    if not isinstance(node, cst.SimpleStatementLine) or not isinstance(body, (list, tuple)):
        raise Refuse("the SQL is built in a variable the rewrite cannot follow")
    index = next((i for i, stmt in enumerate(body) if stmt is node), 0)
    run: list = []
    for stmt in reversed(body[:index]):
        small = _single(stmt, name)
        if small is None:
            break
        run.insert(0, small)
        if isinstance(small, cst.Assign):
            break
    if not run or not isinstance(run[0], cst.Assign):
        raise Refuse("the SQL is built in a variable the rewrite cannot follow "
                     "(only `q = <sql>` and `q += <sql>` right before the call are rewritten)")
    scope = block
    while scope in parents and not isinstance(scope, (cst.FunctionDef, cst.Module)):
        scope = parents[scope]
    uses = _NameUses(name)
    scope.visit(uses)
    if uses.count != len(run) + 1:
        raise Refuse(f"`{name}` is used elsewhere too")
    return run


def _slice(text: str, start, end) -> str:
    """Text between two libcst CodePositions (1-based lines, 0-based code-point columns)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return text[offsets[start.line - 1] + start.column: offsets[end.line - 1] + end.column]


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except Exception:  # noqa: BLE001
        return False
    return True
