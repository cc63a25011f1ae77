"""Rewrite JavaScript/TypeScript SQL injection findings into parameterized driver calls (tree-sitter).

Only rewrites that keep the query's meaning are made; everything else is refused with a reason
(tests/sqli/test_js_fix_executed.py runs both versions with node, against PostgreSQL through `pg` and
against SQLite through better-sqlite3):

* the driver is known from the file's imports, exactly one of: mysql / mysql2 (`?`, values array as
  the 2nd argument, before a callback; `{sql, ...}` options get a `values` key), pg (`$1..$n`,
  values array; `{text, ...}` config objects get a `values` key), better-sqlite3
  (`db.prepare(sql).all/get/run/iterate(...params)` with `?`, also through a `const stmt` run once). Any other SQL library imported
  beside it (knex, sequelize, typeorm...) makes `query()` ambiguous: refused;
* the SQL is a string, a template literal with `${}` values, a `+` chain of those and values, or a
  variable built by `let q = ...; q += ...;` statements right before the call and used nowhere else;
* every value sits in a value position (shared checks with the Python fixes, fixes/sqltext.py); a
  quoted value (`'${v}'`) becomes `String(v)` (exactly the text the literal held: an object or array
  is never expanded by the driver), a LIKE pattern `'%${v}%'` becomes `` `%${v}%` ``; an IN list
  `ids.join(",")` becomes one placeholder per item when `ids` is provably an array (TS `T[]` /
  `Array<T>` annotation, or a `const` bound to an array literal / `Array.from` / `Array.of`);
* refused: several statements in one call (placeholders need a single prepared statement),
  `exec()` (takes no parameters), text that already has placeholders, a call that already passes
  values (or a second argument that may be either values or a callback), a prepared statement that
  is stored and run elsewhere, identifiers and keywords (`ORDER BY ${col} ${dir}`), and for
  mysql/mysql2 a value after LIMIT/OFFSET (MySQL takes no quoted string there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildrunner.engine.fixes.sqltext import Hooks, Piece, Planned, Refuse, Val, place
from buildrunner.engine.model import Finding, Fix
from buildrunner.engine.parsing import language_for_path, parse

# npm package → driver family (placeholder style and call shape)
DRIVERS = {"mysql": "mysql", "mysql2": "mysql", "pg": "pg", "pg-pool": "pg", "better-sqlite3": "better-sqlite3"}
STYLE = {"mysql": "qmark", "pg": "dollar", "better-sqlite3": "qmark"}
# Other SQL libraries: a file importing one of them beside a driver has `query()`s we cannot attribute.
OTHER_SQL = {"sqlite3", "sqlite", "node:sqlite", "pg-promise", "postgres", "knex", "sequelize", "typeorm", "mssql",
             "tedious", "kysely", "drizzle-orm", "@prisma/client", "oracledb", "mariadb", "slonik", "@databases/pg",
             "@databases/mysql", "@vercel/postgres", "@neondatabase/serverless"}
_MODULE_RE = re.compile(r"""(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1""", re.M)

PREPARED_RUNNERS = {"all", "get", "run", "iterate"}
PREPARED_MODIFIERS = {"pluck", "raw", "expand", "safeIntegers"}
_FUNCTIONS = {"arrow_function", "function_expression", "function"}
_SCOPES = {"function_declaration", "function_expression", "arrow_function", "method_definition",
           "generator_function_declaration", "function", "program"}
_ESCAPED = re.compile(r"""\b(?:escape\w*|format\.literal|quote\w*)\s*\(|\.replace(?:All)?\s*\(\s*(?:/'/|"'"|'\\'')""")
_ARRAY_TYPE = re.compile(r"^:?\s*(?:readonly\s+)?(?:[\w.$]+(?:<[^;=]*>)?\[\]|(?:Readonly)?Array<[^;=]*>)$")


# A query written for the other placeholder style in the same file: the import is not the whole story.
_OTHER_STYLE = {"pg": re.compile(r"""\.(?:query|execute)\(\s*["'`][^"'`$]*\?"""),
                "mysql": re.compile(r"""\.(?:query|execute)\(\s*["'`][^"'`]*\$\d""")}


def package_of(spec: str) -> str:
    if spec.startswith("@"):
        return "/".join(spec.split("/")[:2])
    return spec.split("/")[0]


def detect_driver(text: str) -> tuple[str | None, str]:
    """(driver family, "") or (None, why no single driver)."""
    drivers, others = set(), set()
    for m in _MODULE_RE.finditer(text):
        spec = m.group(2)
        name = package_of(spec)
        if name in DRIVERS:
            drivers.add(DRIVERS[name])
        elif name in OTHER_SQL or spec in OTHER_SQL:
            others.add(name)
    if len(drivers) == 1 and not others:
        driver = drivers.pop()
        other_style = _OTHER_STYLE.get(driver)
        if other_style is not None and other_style.search(text):
            return None, (f"the file imports {driver} but also has queries with another placeholder style: "
                          "which driver runs this call is unclear")
        return driver, ""
    if not drivers:
        return None, ("driver unknown (the file imports none of mysql, mysql2, pg, better-sqlite3): "
                      "pass the values as query parameters by hand")
    return None, (f"the file imports several SQL libraries ({', '.join(sorted(drivers | others))}): "
                  "which placeholder style this call takes is unknown")


# ---------------------------------------------------------------------------------------------
# String literals


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")


def decode(raw: str) -> str:
    """The value of a JS string/template literal's raw text."""
    def one(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "u":
            return chr(int(e[2:-1] if e[1] == "{" else e[1:], 16))
        if e[0] == "x" and len(e) == 3:
            return chr(int(e[1:], 16))
        if e in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
            return ""  # line continuation
        if e[0] in "123456789" or (e == "0" and m.end() < len(raw) and raw[m.end()].isdigit()):
            raise Refuse("a legacy octal escape in the SQL literal")
        return _SIMPLE_ESCAPES.get(e, e)
    return _ESCAPE_RE.sub(one, raw)


def encode(text: str, quote: str) -> str:
    """`text` as a JS literal with `quote` (', " or `)."""
    out = text.replace("\\", "\\\\")
    if quote == "`":
        out = out.replace("`", "\\`").replace("${", "\\${")
    else:
        out = out.replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r")
    return f"{quote}{out}{quote}"


# ---------------------------------------------------------------------------------------------
# Splitting SQL-building expressions


def _unwrap(node):
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _is_text(node) -> bool:
    return node.type in ("string", "template_string")


def _split(node, src: bytes) -> Piece:
    node = _unwrap(node)
    if node.type == "string":
        raw = src[node.start_byte + 1:node.end_byte - 1].decode("utf-8")
        return Piece("", src[node.start_byte:node.start_byte + 1].decode(), [decode(raw)])
    if node.type == "template_string":
        piece = Piece("", "`")
        pos = node.start_byte + 1
        for child in node.named_children:
            if child.type != "template_substitution":
                continue
            piece.add(decode(src[pos:child.start_byte].decode("utf-8")))
            exprs = [c for c in child.named_children if c.type != "comment"]
            if len(exprs) != 1:
                raise Refuse("an interpolation the fix cannot read")
            piece.add(Val(exprs[0]))
            pos = child.end_byte
        piece.add(decode(src[pos:node.end_byte - 1].decode("utf-8")))
        return piece.close()
    if node.type == "binary_expression" and _operator(node) == "+":
        leaves: list = []
        _flatten(node, leaves)
        first_text = next((i for i, leaf in enumerate(leaves) if _is_text(_unwrap(leaf))), None)
        if first_text is None:
            raise Refuse("the SQL is not built from string literals")
        if first_text > 1:
            raise Refuse("two values before the first string literal: `a + b + \"...\"` may be a numeric sum, "
                         "and text held in a variable is not rewritten")
        out = Piece("", "")
        for leaf in leaves:
            part = _split(leaf, src) if _is_text(_unwrap(leaf)) else Piece("", "", ["", Val(leaf), ""])
            out.quote = out.quote or part.quote
            for token in part.tokens:
                out.add(token)
        return out.close()
    raise Refuse("the SQL is not a string literal, template literal or + chain the fix can rewrite")


def _operator(node) -> str:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else ""


def _flatten(node, out: list) -> None:
    if node.type == "binary_expression" and _operator(node) == "+":
        _flatten(node.child_by_field_name("left"), out)
        _flatten(node.child_by_field_name("right"), out)
    else:
        out.append(node)


def _simple(node) -> bool:
    """Free of side effects and of order: moving it from a `q +=` statement to the call is safe."""
    node = _unwrap(node)
    if node.type in ("identifier", "this", "string", "number", "property_identifier"):
        return True
    if node.type == "member_expression":
        return _simple(node.child_by_field_name("object"))
    if node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        return _simple(node.child_by_field_name("object")) and index is not None and \
            index.type in ("string", "number")
    return False


# ---------------------------------------------------------------------------------------------
# Values


class _JsHooks(Hooks):
    sequence_hint = "declare it, e.g. `ids: number[]` in TypeScript or `const ids = [...]`"

    def __init__(self, src: bytes, scope):
        self.src, self.scope = src, scope

    def code(self, expr) -> str:
        code = _code(expr, self.src)
        if not self.escaped(code):  # (an escape is refused with its own reason)
            _check_value_expression(expr, self.src)
        return f"({code})" if _unwrap(expr).type == "sequence_expression" else code

    def escaped(self, code: str) -> bool:
        return bool(_ESCAPED.search(code))

    def _joined(self, expr):
        expr = _unwrap(expr)
        if expr.type != "call_expression":
            return None
        func, args = expr.child_by_field_name("function"), expr.child_by_field_name("arguments")
        if func is None or func.type != "member_expression" or args is None:
            return None
        prop = func.child_by_field_name("property")
        named = [a for a in args.named_children if a.type != "comment"]
        if prop is None or prop.text != b"join" or len(named) != 1 or named[0].type != "string":
            return None
        if decode(_code(named[0], self.src)[1:-1]).strip() != ",":
            return None
        return func.child_by_field_name("object")

    def join_sequence(self, expr) -> str | None:
        seq = self._joined(expr)
        if seq is not None and seq.type == "identifier" and _proven_array(seq, self.scope, self.src):
            return _code(seq, self.src)
        return None

    def joins_something(self, expr) -> bool:
        return self._joined(expr) is not None

    def partial(self, head: str, code: str, tail: str) -> str:
        if any(ch in head + tail for ch in "`\\$\n\r") or "`" in code:
            raise Refuse("a value is part of a larger quoted literal the fix cannot move into the parameter")
        return f"`{head}${{{code}}}{tail}`"


def _check_value_expression(expr, src: bytes) -> None:
    """A value that itself builds SQL text (`a = " + ("'" + x + "'")`, `${f ? "'a'" : "'b'"}`) would
    be bound with its quotes as data: refused."""
    for n in _walk(expr):
        if n.type == "string" and any(q in decode(_code(n, src)[1:-1]) for q in "'\""):
            raise Refuse("a value builds quoted SQL text itself (its quotes would become data)")
        if n.type == "template_string":
            raise Refuse("a value is itself a template literal (SQL text built inside the value)")
        if n.type == "binary_expression" and _operator(n) == "+" and \
                any(leaf.type in ("string", "template_string") for leaf in n.children):
            raise Refuse("a value is itself built by concatenating text")


def _code(node, src: bytes) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8")


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _proven_array(name_node, scope, src: bytes) -> bool:
    """`name` is a parameter annotated `T[]`/`Array<T>`, or a const bound to an array value, in the
    innermost function binding it, and is never reassigned there."""
    while True:
        proven = _array_binding(name_node.text, scope, src)
        if proven is not None:
            return proven
        if scope.parent is None:
            return False
        scope = _scope_of(scope.parent)


def _array_binding(name: bytes, scope, src: bytes) -> bool | None:
    """None when `scope` does not bind `name`; else whether it is proven an array."""
    proven = None
    for n in _walk(scope):
        param = _parameter(n, scope)
        if param is not None:
            pattern, type_ = param
            if pattern is not None and pattern.text == name:
                proven = type_ is not None and bool(_ARRAY_TYPE.match(_code(type_, src).strip()))
        elif n.type == "variable_declarator" and n.child_by_field_name("name") is not None \
                and n.child_by_field_name("name").text == name and _scope_of(n) == scope:
            value, type_ = n.child_by_field_name("value"), n.child_by_field_name("type")
            const = n.parent is not None and n.parent.type == "lexical_declaration" and \
                n.parent.children[0].type == "const"
            proven = (type_ is not None and bool(_ARRAY_TYPE.match(_code(type_, src).strip()))) or \
                (const and value is not None and _array_value(value, src))
        elif n.type in ("assignment_expression", "augmented_assignment_expression"):
            left = n.child_by_field_name("left")
            if left is not None and left.text == name:
                return False
    return proven


def _parameter(n, scope):
    """(pattern, type annotation or None) when `n` is one of `scope`'s parameters, else None."""
    parent = n.parent
    if parent is None:
        return None
    if parent == scope and parent.type == "arrow_function" and parent.child_by_field_name("parameter") == n:
        return n, None  # `ids => ...`
    if parent.type != "formal_parameters" or parent.parent != scope:
        return None
    if n.type == "identifier":
        return n, None
    if n.type in ("required_parameter", "optional_parameter"):
        return n.child_by_field_name("pattern"), n.child_by_field_name("type")
    return None


def _never_reassigned(expr, scope) -> bool:
    """A plain name that no assignment or ++/-- in `scope` changes (its value is the same later)."""
    expr = _unwrap(expr)
    if expr.type != "identifier":
        return False
    for n in _walk(scope):
        target = n.child_by_field_name("left") if n.type in ("assignment_expression",
                                                               "augmented_assignment_expression") else \
            n.child_by_field_name("argument") if n.type == "update_expression" else None
        if target is not None and target.text == expr.text:
            return False
    return True


def _array_value(node, src: bytes) -> bool:
    node = _unwrap(node)
    if node.type == "array":
        return True
    if node.type == "call_expression":
        return _code(node.child_by_field_name("function"), src).replace(" ", "") in ("Array.from", "Array.of")
    return False


# ---------------------------------------------------------------------------------------------
# Rendering


def _render(piece: Piece, values: list[Val], style: str) -> str:
    quote = piece.quote or '"'
    parts: list[str] = []
    body = ""
    for token in piece.tokens:
        if isinstance(token, str):
            body += token
        elif token.sequence:
            index = values.index(token) + 1
            marks = ('.map(() => "?")' if style == "qmark"
                     else f".map((_, i) => `$${{i + {index}}}`)")
            parts += [encode(body, quote), f'{token.sequence}{marks}.join(", ")']
            body = ""
        else:
            body += "?" if style == "qmark" else f"${values.index(token) + 1}"
    if body or not parts:
        parts.append(encode(body, quote))
    return " + ".join(parts)


def _param(val: Val, driver: str) -> str:
    if val.sequence:  # (mysql: items as strings too, as the joined text had them)
        return f"...{val.sequence}.map(String)" if driver == "mysql" else f"...{val.sequence}"
    if val.code.startswith("`"):  # a LIKE pattern moved into a template literal: already a string
        return val.code
    if val.quoted or driver == "mysql":
        # A quoted value: String(v) is exactly the text the literal held (an object or array is never
        # expanded by the driver). mysql/mysql2 format an object as `key` = value pairs and an array
        # as a list even outside quotes: keep those values strings too.
        return f"String({val.code})"
    return val.code


_STRING_LITERALS = re.compile(r"'(?:[^']|'')*'")


def rewrite(exprs: list, src: bytes, driver: str, scope, deferred=None) -> tuple[list[str], list[str]]:
    """(new code for each string expression, the parameters' code). `deferred`: the function the
    SQL is built in when the call runs in a nested one (a callback): values move there only if
    they cannot change in between."""
    style = STYLE[driver]
    pieces = [_split(e, src) for e in exprs]
    values = place(pieces, _JsHooks(src, scope))
    if not values:
        raise Refuse("nothing to parameterize")
    if len(pieces) > 1 and not all(_simple(v.expr) or v.sequence for v in values):
        raise Refuse("moving values with side effects to the call would change their evaluation order")
    if deferred is not None and not all(_never_reassigned(v.expr, deferred) for v in values):
        raise Refuse("the call runs in a nested function: a value moved there might have changed by then")
    text = "".join(t if isinstance(t, str) else "\x00" for p in pieces for t in p.tokens)
    outside = _STRING_LITERALS.sub("''", text)
    if re.search(r";\s*\S", outside.replace("\x00", "v")):
        raise Refuse("several statements in one call: parameters need a single statement (split them)")
    if style == "qmark" and "?" in text:  # mysql replaces a `?` even inside a quoted literal
        raise Refuse("the SQL text already contains '?'")
    if style == "dollar" and re.search(r"\$\d", text):
        raise Refuse("the SQL text already contains $n placeholders")
    if style == "dollar" and any(v.sequence for v in values[:-1]):
        raise Refuse("an IN list of run-time length followed by other values: $n numbers would shift")
    if driver == "mysql" and any(re.search(r"\b(?:limit|offset)$|\blimit \S+ ,$", v.position) for v in values):
        raise Refuse("a LIMIT/OFFSET value: MySQL takes no string parameter there (bind Number(value) by hand)")
    return [_render(p, values, style) for p in pieces], [_param(v, driver) for v in values]


# ---------------------------------------------------------------------------------------------
# Calls and files


@dataclass
class _Edit:
    start: int  # byte offsets
    end: int
    code: str


def _args(call) -> list:
    args = call.child_by_field_name("arguments")
    return [] if args is None else [a for a in args.named_children if a.type != "comment"]


def _object_sql(obj, key: str):
    """The `key:` value of a query config object; refuses spreads and existing values."""
    found = None
    for prop in obj.named_children:
        if prop.type == "comment":
            continue
        key_node = prop.child_by_field_name("key") if prop.type == "pair" else None
        if key_node is None or key_node.type not in ("property_identifier", "string"):
            raise Refuse("the query object has spread, shorthand or computed properties the fix cannot see through")
        name = key_node.text.decode().strip("'\"")
        if name == "values":
            raise Refuse("the call already has parameters")
        if name == key:
            found = prop.child_by_field_name("value")
    if found is None:
        raise Refuse(f"the query object has no `{key}` property")
    return found


def _driver_call(call, method: str, driver: str):
    """(SQL expression, how the values are added) for mysql/mysql2/pg query/execute calls."""
    if method not in ("query", "execute") or (driver == "pg" and method != "query"):
        raise Refuse(f"{method}() is not a {driver} query call the fix knows")
    args = _args(call)
    if not args:
        raise Refuse("could not locate the SQL argument")
    rest = args[1:]
    if rest and not (len(rest) == 1 and rest[0].type in _FUNCTIONS):
        raise Refuse("the call already passes values (or a second argument that may be values or a callback)")
    first = _unwrap(args[0])
    if first.type == "object":
        sql = _object_sql(first, "sql" if driver == "mysql" else "text")
        return sql, lambda code, params: f"{code}, values: [{params}]"
    return args[0], lambda code, params: f"{code}, [{params}]"


def _stored_statement_use(call):
    """`const stmt = db.prepare(sql);` and `stmt` used once, later, in the same function (or a
    nested one): that use, else None."""
    decl = call.parent
    if decl is None or decl.type != "variable_declarator" or decl.child_by_field_name("value") != call:
        return None
    declaration = decl.parent
    if declaration is None or declaration.type != "lexical_declaration" or declaration.children[0].type != "const" \
            or sum(1 for c in declaration.named_children if c.type == "variable_declarator") != 1:
        return None
    name = decl.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return None
    uses = [n for n in _walk(_scope_of(call)) if n.type in ("identifier", "shorthand_property_identifier")
            and n.text == name.text and n != name]
    return uses[0] if len(uses) == 1 and uses[0].start_byte >= call.end_byte else None


def _prepared_run(call):
    """`db.prepare(sql)[.pluck()...].all/get/run/iterate()` (or `stmt.all()` of a `const stmt`
    used once): the runner call."""
    node = call
    while True:
        member = node.parent
        if member is None or member.type != "member_expression" or member.child_by_field_name("object") != node:
            raise Refuse("the prepared statement is stored or run elsewhere: bind its values where it runs")
        outer = member.parent
        if outer is None or outer.type != "call_expression":
            raise Refuse("the prepared statement is stored or run elsewhere: bind its values where it runs")
        name = member.child_by_field_name("property").text.decode()
        if name in PREPARED_RUNNERS:
            if _args(outer):
                raise Refuse("the statement is already run with parameters")
            return outer
        if name not in PREPARED_MODIFIERS:
            raise Refuse(f"the prepared statement is used through .{name}(), not run directly")
        node = outer


def _statement_of(node):
    while node.parent is not None and node.parent.type not in ("statement_block", "program", "switch_case"):
        node = node.parent
    return node


def _scope_of(node):
    while node.parent is not None and node.type not in _SCOPES:
        node = node.parent
    return node


def _assigned_to(stmt, name: bytes):
    """The SQL expression of `let/const/var name = <sql>;` (first=True) or `name += <sql>;`
    (first=False); (None, False) for anything else."""
    if stmt.type in ("lexical_declaration", "variable_declaration"):
        decls = [c for c in stmt.named_children if c.type == "variable_declarator"]
        if len(decls) == 1 and decls[0].child_by_field_name("name").text == name and \
                decls[0].child_by_field_name("value") is not None:
            return decls[0].child_by_field_name("value"), True
        return None, False
    if stmt.type == "expression_statement" and stmt.named_child_count >= 1:
        expr = stmt.named_children[0]
        left = expr.child_by_field_name("left")
        if left is not None and left.type == "identifier" and left.text == name and \
                expr.type == "augmented_assignment_expression" and _operator(expr) == "+=":
            return expr.child_by_field_name("right"), False
    # (`q = <sql>` without a declaration may assign an outer or global variable read elsewhere)
    return None, False


def _built_before(call, ident) -> list:
    """`let q = <sql>; q += <sql>; ...` as the statements right before the call's statement, when
    `q` is used nowhere else in the function."""
    name = ident.text
    stmt = _statement_of(call)
    run: list = []
    first = False
    sibling = stmt.prev_named_sibling
    while sibling is not None:
        if sibling.type == "comment":
            sibling = sibling.prev_named_sibling
            continue
        expr, first = _assigned_to(sibling, name)
        if expr is None:
            break
        run.insert(0, expr)
        if first:
            break
        sibling = sibling.prev_named_sibling
    if not run or not first:
        raise Refuse("the SQL is built in a variable the rewrite cannot follow "
                     "(only `let q = <sql>` and `q += <sql>` right before the call are rewritten)")
    uses = sum(1 for n in _walk(_scope_of(stmt))
               if n.type in ("identifier", "shorthand_property_identifier") and n.text == name)
    if uses != len(run) + 1:
        raise Refuse(f"`{name.decode()}` is used elsewhere too")
    return run


def _member(call):
    """The `obj.method` of a call (TypeScript parses `await db.query<Row>(sql)` as a call of
    `await db.query`), else None."""
    func = call.child_by_field_name("function")
    if func is not None and func.type == "await_expression" and func.named_child_count == 1:
        func = func.named_children[0]
    return func if func is not None and func.type == "member_expression" else None


def fix_call(call, src: bytes, driver: str) -> list[_Edit]:
    method = _member(call).child_by_field_name("property").text.decode()
    if method == "exec":
        raise Refuse("exec() takes no parameters (it runs a whole script); prepare() the statement and bind "
                     "its values")
    if driver == "better-sqlite3":
        if method != "prepare" or len(_args(call)) != 1:
            raise Refuse(f"{method}() is not a better-sqlite3 call the fix knows")
        stored = _stored_statement_use(call)
        sql, runner = _args(call)[0], _prepared_run(stored if stored is not None else call)
        add_values = None
    else:
        sql, add_values = _driver_call(call, method, driver)
        runner = stored = None
    sql = _unwrap(sql)
    scope = _scope_of(call)
    exprs = _built_before(call, sql) if sql.type == "identifier" else [sql]
    outer = _scope_of(_statement_of(call))
    deferred = outer if sql.type == "identifier" and outer != scope else None
    if stored is not None:  # the values move from prepare() to where the statement runs
        deferred = outer
    codes, params = rewrite(exprs, src, driver, scope, deferred)
    edits = [_Edit(e.start_byte, e.end_byte, code) for e, code in zip(exprs, codes, strict=True)]
    joined = ", ".join(params)
    if runner is not None:
        args = runner.child_by_field_name("arguments")
        edits.append(_Edit(args.start_byte, args.end_byte, f"({joined})"))
    elif sql.type == "identifier":
        edits.append(_Edit(sql.start_byte, sql.end_byte, add_values(sql.text.decode(), joined)))
    else:
        last = edits[-1]
        last.code = add_values(last.code, joined)
    return edits


def _to_fix(edits: list[_Edit], src: bytes, driver: str) -> Fix:
    def position(offset: int) -> tuple[int, int]:
        line_start = src.rfind(b"\n", 0, offset) + 1
        return src.count(b"\n", 0, offset) + 1, len(src[line_start:offset].decode("utf-8")) + 1

    edits = sorted(edits, key=lambda e: e.start)
    replacement = edits[0].code
    for prev, edit in zip(edits, edits[1:], strict=False):
        replacement += src[prev.end:edit.start].decode("utf-8") + edit.code
    (sl, sc), (el, ec) = position(edits[0].start), position(edits[-1].end)
    style = "$n" if STYLE[driver] == "dollar" else "?"
    return Fix(description=f"Pass the values as query parameters ({driver}, {style} placeholders)",
               start_line=sl, start_column=sc, end_line=el, end_column=ec, replacement=replacement, safe=True)


def _calls_at(root, line: int, sink: str):
    for n in _walk(root):
        if n.type != "call_expression":
            continue
        func = _member(n)
        if func is None:
            continue
        prop = func.child_by_field_name("property")
        if prop is not None and prop.start_point[0] + 1 == line and " ".join(func.text.decode().split()) == sink:
            yield n


def plan_js_file(path: str, text: str, findings: list[Finding], *, fixable: set[str]) -> list:
    """A Fix (or a refusal reason) for each finding in one JavaScript/TypeScript file."""
    planned = [Planned(f) for f in findings]
    language = language_for_path(path) or "javascript"
    tree = parse(text, language)
    src = text.encode("utf-8", "surrogatepass")
    driver, why = detect_driver(text)
    for p in planned:
        f = p.finding
        if f.rule_id not in fixable:
            p.reason = "no safe rewrite for this rule"
        elif tree.root_node.has_error:
            p.reason = "the file has syntax errors"
        elif any("passes its parameter" in t.message for t in f.trace):
            p.reason = "the SQL is built in a caller; fix the call site by hand"
        elif driver is None:
            p.reason = why
        else:
            calls = list(_calls_at(tree.root_node, f.line, f.extra.get("sink", "").removesuffix("()")))
            if len(calls) != 1:
                p.reason = "could not locate the call"
                continue
            try:
                p.fix = _to_fix(fix_call(calls[0], src, driver), src, driver)
            except Refuse as exc:
                p.reason = str(exc)
    _drop_overlaps(planned)
    return planned


def _drop_overlaps(planned: list) -> None:
    """Two rewrites touching the same text cannot both be applied: keep the first."""
    taken: list[tuple] = []
    for p in sorted((p for p in planned if p.fix), key=lambda p: (p.fix.start_line, p.fix.start_column)):
        span = ((p.fix.start_line, p.fix.start_column), (p.fix.end_line, p.fix.end_column))
        if any(span[0] < end and start < span[1] for start, end in taken):
            p.fix, p.reason = None, "overlaps another rewrite in the same statement: run the fix again"
        else:
            taken.append(span)


def js_parses(text: str, path: str) -> bool:
    return not parse(text, language_for_path(path) or "javascript").root_node.has_error
