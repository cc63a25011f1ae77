"""Executable ("statement") lines of Python source, computed the way coverage.py does, cheaply.

`.coverage` files record only the lines that ran. To turn that into a percentage we need the
lines that *could* run. coverage.py's own parser tokenizes the whole file (pure Python, slow) and
imports most of coverage; on the pre-commit hook path we do the same job with two C-speed passes:

1. `ast.parse` + `compile(tree)`: every line number in the `co_lines()` tables of the module's code
   objects (recursively) is a raw statement start — exactly coverage's `ByteParser` input.
2. The AST gives each statement's line span. Lines of a multi-line statement (or of a compound
   statement's header, e.g. a `def` whose arguments span lines) map to its first line, like
   coverage's token-based `multiline_map`.

Docstrings are not statements, and lines marked `# pragma: no cover` are excluded (a pragma on a
`def`/`class`/`if` header excludes its whole block). Project-specific `exclude_lines` settings of
coverage are not read here. Tests compare the result with coverage.py's own analysis.
"""

from __future__ import annotations

import ast
import re
from types import CodeType

# coverage.py's default exclusions (7.x): the pragma, `...` stub bodies, `if TYPE_CHECKING:` blocks.
# Each is (cheap substring that must be present, regex).
DEFAULT_EXCLUDES = (
    (("pragma", "PRAGMA"), r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)"),
    (("...",), r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)"),
    (("TYPE_CHECKING",), r"^\s*if (typing\.)?TYPE_CHECKING:"),
)

_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor,
             ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
if hasattr(ast, "TryStar"):
    _COMPOUND = (*_COMPOUND, ast.TryStar)


class PythonLines:
    """`statements` (executable first lines), `excluded`, and `first_line(n)` for one source text."""

    __slots__ = ("statements", "excluded", "multiline")

    def __init__(self, statements: set[int], excluded: set[int], multiline: dict[int, int]):
        self.statements = statements
        self.excluded = excluded
        self.multiline = multiline

    def first_line(self, line: int) -> int:
        return self.multiline.get(line, line)

    def normalize(self, lines) -> set[int]:
        """Map raw executed line numbers (as the tracer saw them) to statement first lines."""
        get = self.multiline.get
        return {get(n, n) for n in lines}


def _code_lines(code: CodeType, out: set[int]) -> None:
    """Line starts of `code` and its nested code objects; like coverage.py, the lines of code named
    `__annotate__` (deferred annotations, PEP 649) are skipped, not the code nested in it."""
    if code.co_name != "__annotate__":
        for _start, _end, line in code.co_lines():
            if line:
                out.add(line)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _code_lines(const, out)


def _span(mapping: dict[int, int], first: int, last: int) -> None:
    if last > first:
        for n in range(first, last + 1):
            mapping.setdefault(n, first)


def _start(stmt: ast.stmt) -> int:
    """First line of a statement, decorators included."""
    return min((d.lineno for d in getattr(stmt, "decorator_list", ())), default=stmt.lineno)


_BODY_FIELDS = {"body", "orelse", "handlers", "finalbody", "cases", "decorator_list"}


def _header_end(stmt: ast.stmt) -> int:
    """Last line of a compound statement's header expressions (`def f(a,\n b) -> T`, `if x and\n y`)."""
    end = stmt.lineno
    for name, value in ast.iter_fields(stmt):
        if name in _BODY_FIELDS:
            continue
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, ast.AST):
                last = getattr(item, "end_lineno", None)
                if last is None:  # e.g. ast.arguments: no position of its own
                    last = max((getattr(n, "end_lineno", 0) or 0 for n in ast.walk(item)), default=0)
                end = max(end, last)
    return end


def _docstring(node) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def _lines_matching(text: str, pattern: str, multiline: dict[int, int]) -> set[int]:
    """Lines touched by a match of `pattern` (as coverage's `lines_matching`)."""
    found: set[int] = set()
    for match in re.finditer(pattern, text, flags=re.MULTILINE):
        start, end = match.span()
        first = text.count("\n", 0, start) + 1
        last = first + text.count("\n", start, end)
        found.update(multiline.get(n, n) for n in range(first, last + 1))
    return found


_CLAUSE_RE = re.compile(r"^(\s*)(else|finally|except\b.*|case\b.*|elif\b.*|try)\s*:\s*(#.*)?$")


def _excluded_suites(lines: list[str], excluded: set[int]) -> set[int]:
    """An excluded `else:`/`except ...:`/`case ...:` line excludes the suite indented under it."""
    out: set[int] = set()
    for n in sorted(excluded):
        m = _CLAUSE_RE.match(lines[n - 1]) if 0 < n <= len(lines) else None
        if not m:
            continue
        indent = len(m.group(1))
        for k in range(n + 1, len(lines) + 1):
            text = lines[k - 1]
            if text.strip() and not text.lstrip().startswith("#") and len(text) - len(text.lstrip()) <= indent:
                break
            out.add(k)
    return out


class _Structure:
    """What one walk over the AST collects: `multiline` (line → first line of its statement or
    compound header), `docstrings` (their lines) and `blocks` (header first, header last, block
    last) of compound statements, for the exclusions."""

    def __init__(self, text: str):
        self.text = text
        self.multiline: dict[int, int] = {}
        self.docstrings: set[int] = set()
        self.blocks: list[tuple[int, int, int]] = []
        self._raw_lines: list[bytes] | None = None  # source lines as bytes (col_offset counts UTF-8 bytes)

    def walk(self, tree: ast.Module) -> _Structure:
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = _docstring(node)
                if doc is not None:
                    self.docstrings.update(range(doc.lineno, doc.end_lineno + 1))
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.match_case):
                    self._case(child)
                    stack.append(child)
                elif isinstance(child, _COMPOUND):
                    self._compound(child)
                    stack.append(child)
                elif isinstance(child, ast.stmt):
                    _span(self.multiline, child.lineno, child.end_lineno)
                elif isinstance(child, ast.excepthandler):
                    self._handler(child)
                    stack.append(child)
        return self

    def _case(self, case: ast.match_case) -> None:
        pat = case.pattern
        body_first = _start(case.body[0]) if case.body else pat.end_lineno
        _span(self.multiline, pat.lineno, max(pat.end_lineno, body_first - 1)
              if body_first > pat.lineno else pat.lineno)

    def _handler(self, handler: ast.excepthandler) -> None:
        body_first = _start(handler.body[0]) if handler.body else handler.lineno
        _span(self.multiline, handler.lineno, max(handler.lineno, body_first - 1)
              if body_first > handler.lineno else handler.lineno)

    def _compound(self, stmt: ast.stmt) -> None:
        header_last = self._header_last(stmt)
        _span(self.multiline, stmt.lineno, header_last)
        for deco in getattr(stmt, "decorator_list", ()):
            _span(self.multiline, deco.lineno, deco.end_lineno)
        # an excluded header excludes its own suite, not the `else:`/`except:` that follow
        suite_last = stmt.body[-1].end_lineno if isinstance(
            stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try)) else stmt.end_lineno
        self.blocks.append((_start(stmt), header_last, suite_last))

    def _header_last(self, stmt: ast.stmt) -> int:
        """Last line of a compound statement's header, up to the line before its body."""
        is_match = isinstance(stmt, ast.Match)
        first_body = stmt.cases[0].pattern.lineno if is_match else _start(stmt.body[0])
        header_end = _header_end(stmt)
        if first_body <= header_end:
            return header_end
        # `def f(\n    a,\n): ...`: the body shares the line that closes the header
        if not is_match and first_body == stmt.body[0].lineno and self._code_before(first_body, stmt.body[0].col_offset):
            return first_body
        return max(header_end, first_body - 1)

    def _code_before(self, line: int, col_offset: int) -> bool:
        if self._raw_lines is None:
            self._raw_lines = self.text.encode("utf-8", "surrogatepass").split(b"\n")
        return bool(self._raw_lines[line - 1][:col_offset].strip())


def _excluded(text: str, structure: _Structure) -> set[int]:
    """Lines coverage.py's default exclusions remove, with the blocks and suites they head."""
    multiline = structure.multiline
    excluded: set[int] = set()
    for needles, pattern in DEFAULT_EXCLUDES:
        if any(n in text for n in needles):
            excluded |= _lines_matching(text, pattern, multiline)
    if not excluded:
        return excluded
    excluded = {multiline.get(n, n) for n in excluded}
    for start, header_last, last in structure.blocks:
        if any(n in excluded for n in range(start, header_last + 1)):
            excluded.update(range(start, last + 1))
    excluded |= _excluded_suites(text.splitlines(), excluded)
    return excluded


def analyze(text: str, filename: str = "<source>") -> PythonLines | None:
    """The executable lines of `text`, or None when it is not valid Python."""
    try:
        tree = ast.parse(text, filename)
        code = compile(tree, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    raw: set[int] = set()
    _code_lines(code, raw)
    structure = _Structure(text).walk(tree)
    multiline = structure.multiline
    excluded = _excluded(text, structure)
    ignore = excluded | structure.docstrings
    statements = {multiline.get(n, n) for n in raw if n not in ignore} - ignore
    return PythonLines(statements, excluded, multiline)
