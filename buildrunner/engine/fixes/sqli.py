"""Rewrite Python SQL injection findings into parameterized calls, with libcst.

Only the cases that can be proven equivalent are rewritten — everything else is refused with a
reason and left untouched:

* the sink call has exactly one argument, and it is inline: an f-string, `"..." % args` or
  `"...".format(args)` on a plain (non-bytes, non-concatenated) string literal;
* every interpolated value sits in a *value* position of the SQL (after `=`, `<`, `LIKE`, `LIMIT`,
  inside `IN (...)` / `VALUES (...)`...), never an identifier position (`FROM {table}`);
* a value wrapped in single quotes (`'{name}'`) loses the quotes (the driver quotes it); a value
  partly inside a quoted literal (`'%{term}%'`) is refused;
* no conversion or format spec (`{x!r}`, `{x:>3}`, `%5d`);
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

_VALUE_BEFORE = re.compile(r"(?:[=<>]|\b(?:like|ilike|limit|offset|between|then|else|when))\s*$", re.I)
_BETWEEN_AND = re.compile(r"\bbetween\s+\S+\s+and\s*$", re.I)
_LIST_OPENER = re.compile(r"\b(?:in|values)\s*\($", re.I)


@dataclass
class Planned:
    finding: Finding
    fix: Fix | None = None
    reason: str = ""  # why it was refused


@dataclass
class FileResult:
    path: str
    original: str
    fixed: str
    planned: list[Planned] = field(default_factory=list)

    @property
    def applied(self) -> list[Planned]:
        return [p for p in self.planned if p.fix is not None]

    @property
    def refused(self) -> list[Planned]:
        return [p for p in self.planned if p.fix is None]


class Refuse(Exception):
    pass


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
# Splitting an inline SQL expression into literal segments and values


def _literal_body(node: cst.SimpleString) -> tuple[str, str, str]:
    """(prefix, quote, raw body) of a plain string literal; refuses bytes."""
    prefix = node.prefix.lower()
    if "b" in prefix:
        raise Refuse("bytes literal")
    return node.prefix, node.quote, node.raw_value


def _segments(expr: cst.BaseExpression, module: cst.Module):  # noqa: C901 — existing debt: split it
    """(prefix, quote, [str | (value expression, key)]) for the three supported forms."""
    if isinstance(expr, cst.FormattedString):
        if "b" in expr.prefix.lower():
            raise Refuse("bytes literal")
        out: list = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
            else:
                if part.conversion or part.format_spec or part.equal:
                    raise Refuse("an interpolation has a conversion or format spec")
                out.append((part.expression, None))
        prefix = expr.prefix.replace("f", "").replace("F", "")
        quote = expr.start[len(expr.prefix):]
        return prefix, quote, out
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        if not isinstance(expr.left, cst.SimpleString):
            raise Refuse("the % template is not a single string literal")
        prefix, quote, body = _literal_body(expr.left)
        fields = split_percent(body)
        if fields is None:
            raise Refuse("unsupported % template")
        right = expr.right
        if isinstance(right, cst.Tuple):
            values = {i: el.value for i, el in enumerate(right.elements)}
            if any(isinstance(el, cst.StarredElement) for el in right.elements):
                raise Refuse("starred % arguments")
        elif isinstance(right, cst.Dict):
            values = {}
            for el in right.elements:
                if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
                    raise Refuse("% mapping with non-literal keys")
                values[el.key.evaluated_value] = el.value
        else:
            values = {0: right}
        return prefix, quote, _fill(fields, values, escape_percent=True)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
            expr.func.attr.value == "format" and isinstance(expr.func.value, cst.SimpleString):
        prefix, quote, body = _literal_body(expr.func.value)
        fields = split_brace(body)
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
        return prefix, quote, _fill(fields, values, escape_percent=False)
    raise Refuse("the SQL is not an inline f-string, % or .format() expression")


def _fill(fields, values: dict, *, escape_percent: bool) -> list:
    out: list = []
    used = set()
    for f in fields:
        if isinstance(f, Field):
            if not f.plain:
                raise Refuse("a field has a conversion or format spec")
            if f.key not in values:
                raise Refuse(f"no value for field {f.key!r}")
            used.add(f.key)
            out.append((values[f.key], f.key))
        else:
            out.append(f)
    if set(values) - used:
        raise Refuse("unused format arguments")
    keys = [seg[1] for seg in out if isinstance(seg, tuple)]
    order = list(values)
    simple = all(isinstance(v, (cst.Name, cst.Attribute, cst.SimpleString, cst.Integer, cst.Float))
                 for v in values.values())
    if not simple and (len(set(keys)) != len(keys) or sorted(keys, key=order.index) != keys):
        raise Refuse("the template reorders or repeats arguments that may have side effects")
    return out


# ---------------------------------------------------------------------------------------------
# Placing values


def _check_value_position(done: str, before: str, after: str) -> tuple[str, str]:
    """Strip quotes around a value, or refuse when the value is not in a value position.

    `done` is the SQL text already emitted before `before` (for quote parity)."""
    if before.endswith("'") and after.startswith("'"):
        before, after = before[:-1], after[1:]
    if (done + before).count("'") % 2:
        raise Refuse("a value is part of a larger quoted literal")
    if before.endswith('"') or before.endswith("`") or before.rstrip().endswith("."):
        raise Refuse("a value is in an identifier position")
    if re.match(r"[\w.\"`]", after):
        raise Refuse("a value is glued to other SQL text")
    stripped = (done + before).rstrip()
    if _VALUE_BEFORE.search(stripped) or _BETWEEN_AND.search(stripped):
        return before, after
    if stripped.endswith(",") or stripped.endswith("("):
        depth = 0
        for i in range(len(stripped) - 1, -1, -1):
            ch = stripped[i]
            if ch == ")":
                depth += 1
            elif ch == "(":
                if depth == 0:
                    if _LIST_OPENER.search(stripped[: i + 1]):
                        return before, after
                    break
                depth -= 1
    raise Refuse("a value is not in a value position (identifiers cannot be parameters)")


def _placeholder(style: str, index: int, name: str) -> str:
    return {"qmark": "?", "format": "%s", "numeric": f":{index}", "dollar": f"${index}",
            "named": f":{name}", "pyformat": f"%({name})s"}[style]


def _param_name(expr: cst.BaseExpression, module: cst.Module, index: int, taken: set[str]) -> str:
    base = expr.value if isinstance(expr, cst.Name) else (
        expr.attr.value if isinstance(expr, cst.Attribute) else f"p{index}")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def rewrite_argument(expr: cst.BaseExpression, module: cst.Module, style: str) -> tuple[str, list[str], str]:
    """(new string literal, parameter expressions' code, params container code)."""
    prefix, quote, segs = _segments(expr, module)
    texts: list[str] = []
    values: list[cst.BaseExpression] = []
    pending = ""
    for seg in segs:
        if isinstance(seg, str):
            pending += seg
        else:
            texts.append(pending)
            pending = ""
            values.append(seg[0])
    texts.append(pending)
    if not values:
        raise Refuse("nothing to parameterize")
    for i in range(len(values)):
        done = "".join(t + "\x00" for t in texts[:i])  # \x00 stands for the earlier values
        texts[i], texts[i + 1] = _check_value_position(done, texts[i], texts[i + 1])
    literal_text = "".join(texts)
    if style in ("format", "pyformat"):
        if "%s" in literal_text or "%(" in literal_text:
            raise Refuse("the SQL text already contains %-placeholders")
        texts = [t.replace("%", "%%") for t in texts]
    elif style == "qmark" and "?" in literal_text:
        raise Refuse("the SQL text already contains '?'")
    elif style == "dollar" and re.search(r"\$\d", literal_text):
        raise Refuse("the SQL text already contains $n placeholders")
    elif style in ("numeric", "named") and re.search(r":\w", literal_text):
        raise Refuse("the SQL text already contains :placeholders")
    taken: set[str] = set()
    names = [_param_name(v, module, i + 1, taken) for i, v in enumerate(values)]
    body = texts[0]
    for i in range(len(values)):
        body += _placeholder(style, i + 1, names[i]) + texts[i + 1]
    if "\n" in body and len(quote) == 1:
        raise Refuse("multi-line text in a single-quoted literal")
    codes = [module.code_for_node(v) for v in values]
    if style in ("named", "pyformat"):
        params = "{" + ", ".join(f'"{n}": {c}' for n, c in zip(names, codes, strict=True)) + "}"
    elif style == "dollar":
        params = ", ".join(codes)
    else:
        params = "(" + ", ".join(codes) + ("," if len(codes) == 1 else "") + ")"
    return f"{prefix}{quote}{body}{quote}", codes, params


# ---------------------------------------------------------------------------------------------
# Files


class _Calls(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self):
        self.calls: list[tuple[cst.Call, object]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.get_metadata(PositionProvider, node)))


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
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            p.reason = "the call already has parameters or keyword arguments"
            continue
        arg = call.args[0].value
        positions = wrapper.resolve(PositionProvider)
        try:
            if isinstance(arg, cst.Name):  # `q = f"..."` on the line before `cur.execute(q)`
                assign = _assignment_just_before(call, arg.value, wrapper)
                literal, _codes, params = rewrite_argument(assign.value, module, style)
                start, end = positions[assign.value], positions[arg]
                between = _slice(text, start.end, end.start)
                replacement = f"{literal}{between}{arg.value}, {params}"
            else:
                literal, _codes, params = rewrite_argument(arg, module, style)
                start = end = positions[arg]
                replacement = f"{literal}, {params}"
        except Refuse as exc:
            p.reason = str(exc)
            continue
        p.fix = Fix(description=f"Pass the values as query parameters ({style} placeholders)",
                    start_line=start.start.line, start_column=start.start.column + 1,
                    end_line=end.end.line, end_column=end.end.column + 1,
                    replacement=replacement, safe=True)
    return planned


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


def _assignment_just_before(call: cst.Call, name: str, wrapper: MetadataWrapper) -> cst.Assign:
    """`name = <sql>` as the statement right before the one holding `call`, when `name` is used
    nowhere else in the function: then moving the values next to the call changes nothing."""
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
    prev = body[index - 1] if index > 0 else None
    if not (isinstance(prev, cst.SimpleStatementLine) and len(prev.body) == 1 and isinstance(prev.body[0], cst.Assign)
            and len(prev.body[0].targets) == 1 and isinstance(prev.body[0].targets[0].target, cst.Name)
            and prev.body[0].targets[0].target.value == name):
        raise Refuse("the SQL is built in a variable the rewrite cannot follow "
                     "(only `q = <sql>` right before the call is rewritten)")
    scope = block
    while scope in parents and not isinstance(scope, (cst.FunctionDef, cst.Module)):
        scope = parents[scope]
    uses = _NameUses(name)
    scope.visit(uses)
    if uses.count != 2:
        raise Refuse(f"`{name}` is used elsewhere too")
    return prev.body[0]


def _slice(text: str, start, end) -> str:
    """Text between two libcst CodePositions (1-based lines, 0-based code-point columns)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return text[offsets[start.line - 1] + start.column: offsets[end.line - 1] + end.column]


def apply_fixes(text: str, fixes: list[Fix]) -> str:
    """Apply non-overlapping edits (1-based lines, 1-based code-point columns, end exclusive)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    out = text
    for fx in sorted(fixes, key=lambda f: (f.start_line, f.start_column), reverse=True):
        a, b = offset(fx.start_line, fx.start_column), offset(fx.end_line, fx.end_column)
        out = out[:a] + fx.replacement + out[b:]
    return out


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except Exception:  # noqa: BLE001
        return False
    return True
