"""Code rules (kind `code`): tree-sitter sink queries + the `dynamic-string` analysis.

A code rule names a *sink* (a call and which of its arguments carries SQL text) and a condition
(`when: dynamic-string`: that argument is SQL text built from non-literal parts, directly or through
local def-use within the function, constants folded). Sinks, sanitizers and SQL-likeness are data:
a new driver is a YAML change with examples, not Python. Schema::

    sink:
      call:
        method: [execute, executemany]   # obj.execute(...); any receiver unless `receiver` is given
        function: [text, RawSQL]         # text(...) or sa.text(...)
        receiver: '(?i)session|engine'   # optional regex searched in the receiver's source text
                                         # (for `function` names it only constrains qualified calls)
      argument: [0, sql]                 # positions and/or keyword names holding the SQL text
      imports: [pony]                    # optional: only in files importing one of these modules
      values:                            # optional: values the driver formats into the text itself
        argument: [1, values]            # (pg-promise): placeholders inserting them verbatim / unquoted
        raw: [<regex>, ...]              # each with a (?P<key>...) group: `$1:raw` -> 1, `${id^}` -> id
        unquoted: [<regex>, ...]         # verbatim unless inside a quoted literal (`$1:value`, `$1#`)
    when: dynamic-string
    sql: fragment                        # statement | fragment | any: how SQL-like the literal parts must be
    sanitizers: [sql.Identifier, escape] # calls/attributes whose result is safe to splice into SQL
    forward: true                        # follow a query handed to a helper that passes it to the sink
    autofix: parameterize                # rewrite into a parameterized call (`br security fix`; Python,
                                         # and JS/TS for mysql, mysql2, pg, better-sqlite3);
                                         # `{parameterize: dollar}` pins the placeholder style (asyncpg)

For one call several rules may match (e.g. `session.execute` is both DB-API and SQLAlchemy): rules
whose `receiver` matched win over rules without one, then pack order.

Importing this module is cheap (no tree-sitter, no libcst). A document is parsed only when it calls
one of the sink names (`execute(`: one Aho-Corasick pass), and the sink query then runs only around
those calls. Wholly unparseable documents are collected in `CodeMatcher.skipped` (reason
`parse-error`); a document with local syntax errors is still checked (tree-sitter error recovery).
Like Semgrep, documents over a size cap (`code-too-large`) and minified ones (`minified`) are not
parsed either: they are collected there too, when they would have been analysed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from buildrunner.engine.analysis.formatted import compile_values
from buildrunner.engine.model import Document, Finding, Rule, Skipped, SpecError, TraceStep, value_hash

FIELDS = {"sink", "when", "sql", "sanitizers", "forward", "autofix", "skip_paths"}
WHEN = ("dynamic-string", "built-sql")
SQL_MODES = ("statement", "fragment", "any")
_NAME_RE = re.compile(r"^[A-Za-z_$][\w$]*$")
_DOTTED_RE = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")

_STATEMENT = (r"select\b[\s\S]*?\bfrom\b|^\W*select\s|insert\s+(?:or\s+\w+\s+)?into\b|update\b[\s\S]*?\bset\b"
              r"|delete\s+from\b|replace\s+into\b|merge\s+into\b|upsert\b"
              r"|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:unique\s+)?"
              r"(?:table|index|view|database|schema|trigger|function|procedure)\b"
              r"|drop\s+(?:table|index|view|database|schema|trigger|function|procedure)\b|alter\s+table\b"
              r"|truncate\s+(?:table\s+)?\w|pragma\s+\w|exec(?:ute)?\s+\w|call\s+\w+\s*\(|with\s+\w+\s+as\s*\("
              r"|grant\s+\w|revoke\s+\w|vacuum\b|attach\s+database\b")
_FRAGMENT = (_STATEMENT + r"|\b(?:where|from|join|order\s+by|group\s+by|having|limit|offset|values|set|and|or|"
             r"like|ilike|between|is\s+(?:not\s+)?null|in\s*\(|not\s+in|as|on|union|distinct|returning|"
             r"asc|desc)\b|[=<>]")
SQL_RE = {"statement": re.compile(_STATEMENT, re.I | re.M), "fragment": re.compile(_FRAGMENT, re.I | re.M)}


def looks_like_sql(text: str, mode: str) -> bool:
    """Are the literal parts of a built string SQL? (`any` accepts everything)."""
    return mode == "any" or bool(SQL_RE[mode].search(text))


# ---------------------------------------------------------------------------------------------
# Rule schema


def _names(value, field_name: str, pattern=_NAME_RE) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
        raise SpecError(field_name, f"`{field_name}` must be a list of identifiers")
    return tuple(value)


def compile_spec(raw: dict, rule_id: str) -> dict:
    """Validate a code rule's own fields; raise SpecError(field, message) naming the bad one."""
    from buildrunner.engine import specs

    allowed = FIELDS if raw.get("when") == "built-sql" else FIELDS - {"skip_paths"}  # skip_paths: built-sql only
    specs.refuse_unknown(raw, allowed, "a code rule")
    if raw.get("when") == "built-sql":
        return _compile_built(raw)
    methods, functions, receiver, argument = _sink(raw.get("sink"))
    when = raw.get("when", "dynamic-string")
    if when not in WHEN:
        raise SpecError("when", f"`when` must be one of {', '.join(WHEN)}")
    sql = raw.get("sql", "fragment")
    if sql not in SQL_MODES:
        raise SpecError("sql", f"`sql` must be one of {', '.join(SQL_MODES)}")
    sanitizers, conditional = _sanitizers(raw.get("sanitizers") or [])
    forward = specs.boolean(raw, "forward", True)
    autofix = _autofix(raw.get("autofix"))
    imports = _names(raw["sink"].get("imports"), "sink", _DOTTED_RE)
    values = compile_values(raw["sink"].get("values"))
    return {"values": values,"methods": methods, "functions": functions, "receiver": receiver, "inline": raw["sink"].get("inline", False),
            "imports": _import_pattern(imports), "import_names": tuple(imports or ()),
            "arguments": tuple(argument), "sql": sql, "sanitizers": tuple(sanitizers),
            "conditional_sanitizers": conditional, "forward": forward, "autofix": autofix}


def _sink(sink) -> tuple[tuple[str, ...], tuple[str, ...], re.Pattern | None, list]:
    """`sink: {call: {method, function, receiver}, argument, inline}` → (methods, functions, receiver, arguments)."""
    if not isinstance(sink, dict) or not isinstance(sink.get("call"), dict):
        raise SpecError("sink", "`sink` must be a mapping with `call: {method: [...], function: [...]}`")
    if set(sink) - {"call", "argument", "inline", "imports", "values"}:
        raise SpecError("sink", "unknown `sink` field(s): "
                        f"{sorted(set(sink) - {'call', 'argument', 'inline', 'imports', 'values'})}")
    _names(sink.get("imports"), "sink", _DOTTED_RE)
    inline = sink.get("inline", False)
    if not (isinstance(inline, bool) or inline == "names"):
        raise SpecError("sink", "`sink.inline` must be true, false or `names`")
    call = sink["call"]
    if set(call) - {"method", "function", "receiver"}:
        raise SpecError("sink", f"unknown `sink.call` field(s): {sorted(set(call) - {'method', 'function', 'receiver'})}")
    methods = _names(call.get("method"), "sink")
    functions = _names(call.get("function"), "sink")
    if not methods and not functions:
        raise SpecError("sink", "`sink.call` needs at least one `method` or `function` name")
    receiver = call.get("receiver")
    if receiver is not None:
        if not isinstance(receiver, str):
            raise SpecError("sink", "`sink.call.receiver` must be a regular expression string")
        try:
            receiver = re.compile(receiver)
        except re.error as exc:
            raise SpecError("sink", f"`sink.call.receiver` is not a valid regex: {exc}") from None
    argument = sink.get("argument", 0)
    argument = argument if isinstance(argument, list) else [argument]
    if not argument or not all((isinstance(a, int) and not isinstance(a, bool) and a >= 0) or
                               (isinstance(a, str) and _NAME_RE.match(a)) for a in argument):
        raise SpecError("sink", "`sink.argument` must be a position (0-based), a keyword name, or a list of them")
    return methods, functions, receiver, argument


def _import_pattern(modules: tuple[str, ...]) -> re.Pattern | None:
    """`sink.imports: [pony]`: the rule applies only to files importing one of these modules (or a
    submodule): `select` is Pony's query function only where Pony is imported."""
    if not modules:
        return None
    names = "|".join(re.escape(m) for m in modules)
    return re.compile(rf"^[ \t]*(?:from[ \t]+(?:{names})(?:\.[\w.]+)?[ \t]+import\b|import[ \t]+(?:{names})\b)", re.M)


def _sanitizers(raw: list) -> tuple[list[str], dict[str, str]]:
    """Sanitizer names, and the conditional ones (`{call, unless_template_contains}`)."""
    sanitizers: list[str] = []
    conditional: dict[str, str] = {}
    for s in raw:
        if isinstance(s, str) and _DOTTED_RE.match(s):
            sanitizers.append(s)
        elif isinstance(s, dict) and set(s) == {"call", "unless_template_contains"} and \
                isinstance(s["call"], str) and _DOTTED_RE.match(s["call"]) and isinstance(s["unless_template_contains"], str):
            conditional[s["call"]] = s["unless_template_contains"]
        else:
            raise SpecError("sanitizers", "each sanitizer is a dotted name (`sql.Identifier`) or "
                                          "`{call: format, unless_template_contains: '%s'}`")
    return sanitizers, conditional


PLACEHOLDER_STYLES = ("qmark", "format", "pyformat", "numeric", "named", "dollar")
FIX_SAFETY = ("safe", "unsafe")


def _autofix(value) -> dict | None:
    """`autofix: parameterize` or `{parameterize: auto|<style>, safety: safe|unsafe}` → {style, safety}.

    Safety as in ruff: a `safe` fix keeps the program's meaning and is applied by `br security fix`
    and `check --fix`; an `unsafe` one may change behaviour and is only ever suggested. The short
    forms (`parameterize`, `{parameterize: <style>}`) are safe: the rewrite is verified to parse and
    to remove its finding. `auto`: the style of the driver the file imports, or security.sql_placeholder.
    """
    if value is None:
        return None
    if value == "parameterize":
        value = {"parameterize": "auto"}
    if not isinstance(value, dict) or "parameterize" not in value or set(value) - {"parameterize", "safety"}:
        raise SpecError("autofix", "`autofix` must be `parameterize` or `{parameterize: auto|<style>, "
                                   "safety: safe|unsafe}`")
    style = value["parameterize"]
    if style != "auto" and style not in PLACEHOLDER_STYLES:
        raise SpecError("autofix", f"`autofix.parameterize` must be auto or one of {', '.join(PLACEHOLDER_STYLES)}")
    safety = value.get("safety", "safe")
    if safety not in FIX_SAFETY:
        raise SpecError("autofix", "`autofix.safety` must be safe or unsafe")
    return {"style": None if style == "auto" else style, "safety": safety}


def _compile_built(raw: dict) -> dict:
    """`when: built-sql`: no sink; SQL statements built from runtime values where they are built."""
    from buildrunner.engine.analysis.built import DEFAULT_SKIP_PATHS

    for name in ("sink", "forward", "autofix", "sql"):
        if name in raw:
            raise SpecError(name, f"`{name}` does not apply to a `when: built-sql` rule")
    skip = raw.get("skip_paths", list(DEFAULT_SKIP_PATHS))
    if not isinstance(skip, list) or not all(isinstance(p, str) and p for p in skip):
        raise SpecError("skip_paths", "`skip_paths` must be a list of glob patterns (e.g. `tests/*`)")
    sanitizers, conditional = _sanitizers(raw.get("sanitizers") or [])
    return {"methods": (), "functions": (), "receiver": None, "arguments": (), "sql": "statement",
            "sanitizers": tuple(sanitizers), "conditional_sanitizers": conditional, "forward": False, "autofix": None,
            "built": True, "skip_paths": tuple(skip)}


# ---------------------------------------------------------------------------------------------
# Matching

# (TypeScript parses `await db.query<Row>(sql)` as a call of `await db.query`: the await pattern.)
_QUERIES = {
    "python": """
(call function: (attribute object: (_) @recv attribute: (identifier) @name) arguments: (argument_list) @args
  (#any-of? @name {names})) @call
(call function: (identifier) @name arguments: (argument_list) @args (#any-of? @name {names})) @call
""",
    "javascript": """
(call_expression function: (member_expression object: (_) @recv property: (property_identifier) @name)
  arguments: (arguments) @args (#any-of? @name {names})) @call
(call_expression function: (await_expression (member_expression object: (_) @recv
  property: (property_identifier) @name)) arguments: (arguments) @args (#any-of? @name {names})) @call
(call_expression function: (identifier) @name arguments: (arguments) @args (#any-of? @name {names})) @call
""",
}
_CALLS = {
    "python": """
(call function: (attribute object: (_) @recv attribute: (identifier) @name) arguments: (argument_list) @args) @call
(call function: (identifier) @name arguments: (argument_list) @args) @call
""",
    "javascript": """
(call_expression function: (member_expression object: (_) @recv property: (property_identifier) @name)
  arguments: (arguments) @args) @call
(call_expression function: (await_expression (member_expression object: (_) @recv
  property: (property_identifier) @name)) arguments: (arguments) @args) @call
(call_expression function: (identifier) @name arguments: (arguments) @args) @call
""",
}
_CALLS_QUERIES: dict[str, object] = {}


def _calls_query(language: str):
    """Every call by name (for following helpers), compiled once per process and language."""
    query = _CALLS_QUERIES.get(language)
    if query is None:
        from tree_sitter import Query

        from buildrunner.engine.parsing import get_language

        query = _CALLS_QUERIES[language] = Query(get_language(language), _CALLS[FAMILY[language]])
    return query


FAMILY = {"python": "python", "javascript": "javascript", "typescript": "javascript", "tsx": "javascript"}
_SELF = ("self", "cls")


class _Prefilter:
    """Does the text call one of the sink names? (`execute(`, `query<Row>(`, `run (`, `get?.(`; not
    `text` inside `context(`). One literal pass (engine/literals.py): documents without a sink call are
    never parsed."""

    _TAIL = re.compile(r"\s*(?:<[^()]*?>\s*)?(?:\?\.\s*)?\(")
    _SUFFIXES = ("(", " (", "<", "?.(")

    _INLINE = re.compile(r"\s*[rRbBuUfF]{0,2}[\"'`]")
    # ... or request input, or a plain variable (`order_by(sort)`), not `User.name == x` / `desc(c)`
    _INLINE_OR_NAME = re.compile(r"\s*(?:[rRbBuUfF]{0,2}[\"'`]|(?:self\.)?request\.|[A-Za-z_]\w*\s*[,)])")

    # `text("SELECT 1")`, `DDL("..." "...")`: only constant literals as arguments, nothing can fire;
    # `execute()`: no argument at all (docs and search indexes name methods that way), no SQL to check
    _CONSTANT_ARGS = re.compile(r"""\s*(?:(?:[rRbBuU]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*)+)?\)""")

    def __init__(self, names, inline=None):
        from buildrunner.engine.literals import Literals

        # name → whether a plain variable argument also counts (`inline: names`); names missing here
        # take any argument
        self.inline = dict(inline or {})
        name_len = {name + suffix: len(name) for name in names for suffix in self._SUFFIXES}
        self.calls = Literals(name_len)
        self._name_len = [name_len[call] for call in self.calls.words]

    def prepare(self) -> None:
        """Build the fast literal backend now (before a pool forks)."""
        self.calls.prepare()

    def hits(self, text: str, first: bool = False) -> list[tuple[int, int]]:
        """(start, length) in characters of each called sink name (only the first if `first`)."""
        out = []
        words, name_lens = self.calls.words, self._name_len
        for start, index in self.calls.find(text):
            name_len = name_lens[index]
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
                continue
            end = start + len(words[index]) - 1  # the last character of the match
            args = text.find("(", start + name_len) + 1 or len(text)  # just past the call's `(`
            loose = self.inline.get(text[start:start + name_len]) if self.inline else None
            if loose is not None and not (self._INLINE_OR_NAME if loose else self._INLINE).match(text, args):
                continue  # `select(User)`, `filter(User.id == 1)`: not the form this name is a sink for
            if self._CONSTANT_ARGS.match(text, args):
                continue
            if text[end] != "<" or self._TAIL.match(text, start + name_len):  # `name<T>(`, not `a < b`
                out.append((start, name_len))
                if first:
                    break
        return out

    def search(self, text: str) -> bool:
        return bool(self.hits(text, first=True))


@dataclass
class _Plan:
    """Per-language precompiled state: the rules that apply, the prefilter and the sink query."""

    rules: list[Rule]
    by_name: dict[str, list[Rule]]
    prefilter: _Prefilter | None
    query: object = None
    sanitizers: frozenset[str] = frozenset()
    conditional: dict[str, str] = field(default_factory=dict)
    built: list[Rule] = field(default_factory=list)  # `when: built-sql` rules


@dataclass
class _Forwarder:
    """A function that passes one of its parameters to a sink: calling it with SQL built from
    runtime values is the same injection, one call away."""

    name: str
    index: int
    param: str
    is_method: bool
    rule: Rule
    sink: str  # the sink call it ends in, e.g. `cur.execute()`
    trace: list[TraceStep]


class CodeMatcher:
    """Matches `code` rules against documents. `skipped` collects wholly unparseable documents."""

    def __init__(self, rules: list[Rule], *, salt: str = "", max_bytes: int | None = None,
                 skip_minified: bool = True):
        from buildrunner.engine.parsing import DEFAULT_CODE_MAX_BYTES

        self.rules = [r for r in rules if r.kind == "code" and r.enabled]
        self.salt = salt
        # files above `max_bytes` (0: no cap) and minified files are not parsed (engine/parsing.py)
        self.max_bytes = DEFAULT_CODE_MAX_BYTES if max_bytes is None else max_bytes
        self.skip_minified = skip_minified
        self.skipped: list[Skipped] = []
        self._plans: dict[str, _Plan] = {}
        self._projects: dict[tuple[str, str], object] = {}

    def project_modules(self, root: str, family: str, plan: _Plan):
        """The project's modules under `root` (of one language family), parsed on demand and cached
        for this scan."""
        modules = self._projects.get((root, family))
        if modules is None:
            if family == "python":
                from buildrunner.engine.analysis.imports import ProjectModules

                modules = ProjectModules(root, plan.sanitizers)
            else:
                from buildrunner.engine.analysis.jsmodules import JsModules

                modules = JsModules(root, plan.sanitizers, plan.conditional)
            self._projects[(root, family)] = modules
        return modules

    # -- planning --------------------------------------------------------------------------------
    def _plan(self, language: str) -> _Plan:
        plan = self._plans.get(language)
        if plan is not None:
            return plan
        from buildrunner.engine.parsing import rule_language_matches

        rules = [r for r in self.rules if rule_language_matches(r.languages, language)]
        by_name: dict[str, list[Rule]] = {}
        built = [r for r in rules if r.spec.get("built")]
        for r in rules:
            for n in r.spec["methods"] + r.spec["functions"]:
                by_name.setdefault(n, []).append(r)
        for lst in by_name.values():  # receiver-constrained rules first, then pack order (stable)
            lst.sort(key=lambda r: r.spec["receiver"] is None)
        inline = {n: any(r.spec["inline"] == "names" for r in lst)
                  for n, lst in by_name.items() if all(r.spec.get("inline") for r in lst)}
        prefilter = _Prefilter(by_name, inline) if by_name else None
        plan = _Plan(rules, by_name, prefilter,
                     sanitizers=frozenset(s for r in rules for s in r.spec["sanitizers"]),
                     conditional={k: v for r in rules for k, v in r.spec["conditional_sanitizers"].items()},
                     built=built)
        self._plans[language] = plan
        return plan

    @staticmethod
    def _query(plan: _Plan, language: str):
        """The sink query, compiled on the first document that passes the prefilter (20-60 ms)."""
        if plan.query is None:
            from tree_sitter import Query

            from buildrunner.engine.parsing import get_language

            quoted = " ".join(f'"{n}"' for n in sorted(plan.by_name))
            plan.query = Query(get_language(language), _QUERIES[FAMILY[language]].replace("{names}", quoted))
        return plan.query

    def prepare(self, language: str | None) -> None:
        """Build what scanning `language` needs (plan, sink query, parser, analyzer, the masker for
        snippets) before a pool forks, so the workers inherit it instead of each building it."""
        if language not in FAMILY:
            return
        from buildrunner.engine import masking
        from buildrunner.engine.analysis import analyzer_class
        from buildrunner.engine.parsing import get_parser

        plan = self._plan(language)
        if plan.prefilter is None and not plan.built:
            return
        if plan.prefilter is not None:
            plan.prefilter.prepare()
            self._query(plan, language)
        get_parser(language)
        analyzer_class(language)
        if plan.built:
            import buildrunner.engine.analysis.built  # noqa: F401
        masking.prepare()

    # -- scanning --------------------------------------------------------------------------------
    def scan(self, doc: Document) -> list[Finding]:
        from buildrunner.engine.parsing import language_for_path

        language = doc.language or language_for_path(doc.path)
        if language not in FAMILY:
            return []
        plan = self._plan(language)
        hits = plan.prefilter.hits(doc.text) if plan.prefilter is not None else []
        # A document with sink hits that is too large or minified is skipped whatever the built-sql
        # prefilter says: that one is not run on it (SQLAlchemy's 1.6 MB doc/searchindex.js: 42 ms)
        if hits and self._skip(doc):
            return []
        built = []
        if plan.built:
            from buildrunner.engine.analysis.built import might_build, skipped

            if might_build(doc.text, FAMILY[language]):
                built = [r for r in plan.built if not skipped(doc.path, r.spec["skip_paths"])]
        if not hits and (not built or self._skip(doc)):
            return []
        if hits:
            self._query(plan, language)
        return _Scan(self, plan, doc, language).run(hits, built)

    def _skip(self, doc: Document) -> bool:
        """Whether the code rules do not parse `doc` (too large, minified): recorded as Skipped."""
        from buildrunner.engine.parsing import code_skip_reason

        reason = code_skip_reason(doc.text, max_bytes=self.max_bytes, skip_minified=self.skip_minified)
        if reason is not None:
            self.skipped.append(Skipped(doc.path, *reason))
        return reason is not None


def _inline_format(node) -> bool:
    """An f-string, `"..." % x` or `"...".format(x)` written in the call (a candidate for the
    autofix; whether it is provably safe is decided by `br security fix`, which needs libcst)."""
    if node.type == "string":
        return any(c.type == "interpolation" for c in node.named_children)
    if node.type == "binary_operator":
        op = node.child_by_field_name("operator")
        return op is not None and op.type == "%" and node.child_by_field_name("left").type == "string"
    if node.type == "call":
        func = node.child_by_field_name("function")
        return (func is not None and func.type == "attribute" and func.child_by_field_name("object").type == "string"
                and func.child_by_field_name("attribute").text == b"format")
    return False


def _malformed_around(node, levels: int = 4) -> bool:
    """The expression or the statement around it has a syntax error (tree-sitter recovered)."""
    n = node
    for _ in range(levels):
        if n is None:
            return False
        if n.has_error or n.type == "ERROR":
            return True
        n = n.parent
    return False


def _reportable(value, rule: Rule, db_handle: bool = False) -> bool:
    """SQL text built from runtime values, or request input used as (part of) the SQL. Request input
    alone does not make a call on a generic name (`run`, `fetch`: `sql: statement` rules) SQL,
    unless the receiver is known to be a database handle (`db_handle`)."""
    from buildrunner.engine.analysis import DYNAMIC

    if value.kind != DYNAMIC:
        return False
    return looks_like_sql(value.text, rule.spec["sql"]) or \
        (value.tainted and (rule.spec["sql"] != "statement" or db_handle))


# `conn = await asyncpg.connect(...)`, `pool = await asyncpg.create_pool(...)`,
# `async with pool.acquire() as conn`, `cur = conn.cursor()`, `con = pg8000.connect(...)`
_DB_HANDLE_CALL = re.compile(r"(?:^|\.)(?:connect|create_pool|acquire|cursor)$")


def _name_node(call):
    """The called name of a call (`filter` in `session.query(User)\n  .filter(...)`), or the call."""
    func = call.child_by_field_name("function")
    if func is not None and func.type == "await_expression" and func.named_children:
        func = func.named_children[-1]
    if func is not None and func.type in ("attribute", "member_expression"):
        name = func.child_by_field_name("attribute") or func.child_by_field_name("property")
        if name is not None and name.start_point.row != call.start_point.row:
            return name
    return call


def _well_formed_share(root) -> float:
    """Share of the text covered by error-free subtrees: tree-sitter recovers from local syntax
    errors, so a file with a broken function still has most of its code well-formed."""
    good, stack = 0, [root]
    while stack:
        n = stack.pop()
        if not n.has_error and n.type != "ERROR" and not n.is_missing:
            if n.is_named and n.child_count:  # a well-formed construct, not a stray token
                good += n.end_byte - n.start_byte
        else:
            stack.extend(n.children)
    return good / max(1, len(root.text.strip()))


class _Scan:
    """One document: parse, match sinks, evaluate their SQL argument, follow helpers."""

    def __init__(self, matcher: CodeMatcher, plan: _Plan, doc: Document, language: str):
        self.m, self.plan, self.doc, self.language = matcher, plan, doc, language
        self.family = FAMILY[language]
        self.findings: list[Finding] = []
        self.forwarders: dict[str, list[_Forwarder]] = {}
        self._seen_calls: set[int] = set()
        self._calls_by_name: dict[str, list[tuple]] = {}
        self._sink_names: set[tuple[int, str]] = set()  # (scope id, name) used as a sink's SQL argument
        self._imported: dict[re.Pattern, bool] = {}

    def run(self, hits: list[tuple[int, int]], built: list[Rule] = ()) -> list[Finding]:
        from tree_sitter import QueryCursor

        from buildrunner.engine.analysis import analyzer_class
        from buildrunner.engine.parsing import parse

        tree = parse(self.doc.text, self.language)
        root = tree.root_node
        if root.has_error and _well_formed_share(root) < 0.25:
            self.m.skipped.append(Skipped(self.doc.path, "parse-error",
                                          f"no well-formed {self.language} code to check"))
            return []
        kwargs = {"sanitizers": self.plan.sanitizers}
        if self.family == "javascript":
            kwargs["conditional_sanitizers"] = self.plan.conditional
        self.an = analyzer_class(self.language)(root, **kwargs)
        if self.doc.root:  # follow imports into the project's modules
            self.m.project_modules(self.doc.root, self.family, self.plan).attach(self.an, self.doc.path)
        # The sink query runs only around the prefilter's hits, not over the whole tree.
        cursor = QueryCursor(self.plan.query) if hits else None
        text = self.doc.text
        ascii_text = text.isascii()
        char = byte = 0  # the last hit's offset in characters and in UTF-8 bytes (non-ASCII text)
        for start, length in hits:
            if ascii_text:
                begin = start
            else:  # encode only the text since the previous hit, not the whole prefix each time
                if start < char:
                    char = byte = 0
                byte += len(text[char:start].encode("utf-8", "surrogatepass"))
                char, begin = start, byte
            cursor.set_byte_range(begin, begin + length)
            for _, caps in cursor.matches(root):
                call = caps["call"][0]
                if call.has_error or call.id in self._seen_calls:
                    continue
                self._seen_calls.add(call.id)
                self._sink(call, caps["name"][0], (caps.get("recv") or [None])[0], caps["args"][0])
        if self.forwarders:
            direct = len(self.findings)
            self._follow_helpers(root)
            # a call both matched as a sink and followed into a helper defined here is the helper
            forwarded = {(f.line, f.column) for f in self.findings[direct:]}
            self.findings = [f for i, f in enumerate(self.findings)
                             if i >= direct or (f.line, f.column) not in forwarded]
        if built:
            self._built_sql(root, built)
        self.findings.sort(key=lambda f: (f.line, f.column, f.rule_id))
        return self.findings

    def _built_sql(self, root, rules: list[Rule]) -> None:
        """`when: built-sql` rules: SQL statements built from runtime values, where no sink finding
        already covers them."""
        from buildrunner.engine.analysis import DYNAMIC
        from buildrunner.engine.analysis.built import candidates, in_message

        covered: set[int] = set()
        for f in self.findings:
            covered.update(range(f.line, f.end_line + 1))
            covered.update(t.line for t in f.trace if not t.path)
        evaluated = set(self.an._memo)  # every expression a sink's SQL argument was built from
        for node in candidates(root, self.language):
            if node.id in evaluated or self._line(node) in covered or in_message(node, self.family) or \
                    _malformed_around(node) or self._judged_by_a_sink(node):
                continue
            value = self.an.value_of(node)
            if value.kind != DYNAMIC or not looks_like_sql(value.text, "statement"):
                continue
            steps = self._steps(value)
            for rule in rules:
                self._report(rule, node, "the SQL text", steps)

    # -- helpers ---------------------------------------------------------------------------------
    def _line(self, node) -> int:
        return node.start_point.row + 1 + self.doc.line_offset

    def _steps(self, value) -> list[TraceStep]:
        """Where the SQL text got its non-literal parts, in source order; steps in another file of
        the project stay, in their order, just before the step of this file that leads to them."""
        groups: list[tuple[tuple[int, int], list]] = []
        pending: list = []
        for s in value.steps:
            if s.path:
                pending.append(TraceStep(s.line, s.message, s.column, s.path))
                continue
            groups.append(((s.line, s.column), pending + [TraceStep(s.line + self.doc.line_offset, s.message,
                                                                    s.column)]))
            pending = []
        groups.sort(key=lambda g: g[0])
        return [t for _, steps in groups for t in steps] + pending

    def _label(self, call) -> str:
        func = call.child_by_field_name("function")
        if func.type == "await_expression" and func.named_children:  # `await db.query<Row>(...)`
            func = func.named_children[-1]
        return " ".join(self.an.text(func).split())[:80] + "()"

    def _arguments(self, args) -> tuple[list, dict]:
        positional, keywords = [], {}
        for a in args.named_children:
            if a.type == "comment":
                continue
            if a.type == "keyword_argument":
                keywords[self.an.text(a.child_by_field_name("name"))] = a.child_by_field_name("value")
            elif a.type in ("list_splat", "dictionary_splat", "spread_element"):
                positional.append(None)  # position unknown from here on
            else:
                if a.type == "object" and not positional:  # JS `query({text: sql, values})`: the
                    for pair in a.named_children:          # first argument's properties are named
                        key = pair.child_by_field_name("key") if pair.type == "pair" else None
                        if key is not None and key.type in ("property_identifier", "string"):
                            keywords.setdefault(self.an.text(key).strip("'\""), pair.child_by_field_name("value"))
                positional.append(a)
        return positional, keywords

    def _pick(self, spec_args, positional, keywords):
        out = []
        for a in spec_args:
            if isinstance(a, int):
                if a < len(positional) and positional[a] is not None and None not in positional[:a]:
                    out.append(positional[a])
            elif a in keywords:
                out.append(keywords[a])
        return out

    def _sink(self, call, name_node, recv, args) -> None:
        name = self.an.text(name_node)
        recv_text = " ".join(self.an.text(recv).split()) if recv is not None else None
        positional, keywords = self._arguments(args)
        for rule in self.plan.by_name.get(name, ()):
            spec = rule.spec
            if spec.get("imports") is not None and not self._imports(spec["imports"], spec.get("import_names")):
                continue
            if name not in spec["functions"] and recv_text is None:
                continue
            if spec["receiver"] is not None and (recv_text is not None and not spec["receiver"].search(recv_text)
                                                 or recv_text is None and name not in spec["functions"]):
                continue
            targets = self._pick(spec["arguments"], positional, keywords)
            if spec.get("inline") is True:
                targets = [t for t in targets if t.type in ("string", "template_string", "concatenated_string")
                           or _inline_format(t) or t.type == "binary_operator"]
            if not targets:
                continue
            reported = len(self.findings)
            for target in targets:
                self._check(rule, call, target, recv)
            if spec.get("values") and len(self.findings) == reported:  # pg-promise `$1:raw`
                self._formatted_values(rule, call, targets, self._pick(spec["values"]["argument"], positional,
                                                                       keywords), recv)
            return

    def _imports(self, pattern: re.Pattern, names: tuple[str, ...] | None = None) -> bool:
        """Does the document import a module of a rule's `sink.imports` (searched once per scan)?
        A document that never writes one of the module `names` cannot: the line-anchored regex, which
        the engine tries at every character (~1 ms on a big file), is run only on the others."""
        found = self._imported.get(pattern)
        if found is None:
            text = self.doc.text
            found = self._imported[pattern] = (names is None or any(n in text for n in names)) and \
                bool(pattern.search(text))
        return found

    def _judged_by_a_sink(self, node) -> bool:
        """`q = <built SQL>` where `q` is (also) a sink's SQL argument in this function: the sink
        analysis followed `q`'s definitions (a dead store overwritten before the call is not SQL
        that gets executed)."""
        parent = node.parent
        if parent is None or parent.type not in ("assignment", "variable_declarator", "assignment_expression"):
            return False
        left = parent.child_by_field_name("left") or parent.child_by_field_name("name")
        return left is not None and left.type == "identifier" and \
            (self.an.scope_of(node).id, self.an.text(left)) in self._sink_names

    def _db_handle(self, recv) -> bool:
        """Is the receiver a name bound, in this function or an enclosing one, to a database
        connection, pool or cursor (the result of a `connect`/`create_pool`/`acquire`/`cursor`
        call, awaited or entered with `async with ... as name`)?"""
        if recv is None or recv.type != "identifier" or self.family != "python":
            return False
        name, scope = self.an.text(recv), self.an.scope_of(recv)
        while scope is not None:
            for d in self.an.defs(scope).get(name, ()):
                expr = d.rhs
                if d.node.type == "as_pattern_target" and d.node.parent is not None:
                    expr = d.node.parent.named_children[0]
                while expr is not None and expr.type in ("await", "parenthesized_expression") and expr.named_children:
                    expr = expr.named_children[0]
                if expr is not None and expr.type == "call" and \
                        _DB_HANDLE_CALL.search(self.an.text(expr.child_by_field_name("function"))):
                    return True
            scope = self.an.outer_scope(scope)
        return False

    def _formatted_values(self, rule: Rule, call, targets, values, recv) -> None:
        """Values the driver itself formats verbatim into a constant query text (`sink.values`)."""
        from buildrunner.engine.analysis.formatted import formatted_value

        for target in targets:
            value = formatted_value(self.an, target, self.an.value_of(target), values[0] if values else None,
                                    rule.spec["values"])
            if value is not None:
                self._check(rule, call, target, recv, value)
                return

    def _check(self, rule: Rule, call, target, recv=None, value=None) -> None:
        from buildrunner.engine.analysis import PARAM
        from buildrunner.engine.analysis.base import short

        if target.type == "identifier":
            self._sink_names.add((self.an.scope_of(target).id, self.an.text(target)))
        value = value or self.an.value_of(target)
        label = self._label(call)
        if _reportable(value, rule, value.tainted and rule.spec["sql"] == "statement" and self._db_handle(recv)):
            steps = self._steps(value)
            if target.start_point.row != call.start_point.row:  # `db.one({\n  text: query,\n})`
                steps.append(TraceStep(self._line(target), f"`{short(self.an.text(target))}` is the SQL "
                                       "argument", target.start_point.column + 1))
            steps.append(TraceStep(self._line(call), f"the SQL text reaches `{label}` here",
                                   call.start_point.column + 1))
            self._report(rule, call, label, steps)
            if rule.spec["autofix"] and _inline_format(target):
                self.findings[-1].extra["hint"] = ("`br security fix --dry-run` shows safe rewrites into "
                                                   "parameterized queries; `br security fix` applies them")
        elif value.kind == PARAM and rule.spec["forward"]:
            self._add_forwarder(rule, label, value, call, target, [])

    def _add_forwarder(self, rule: Rule, sink: str, value, call, target, trace: list[TraceStep]) -> bool:
        """Record that the function around `target` passes its parameter on to `sink` (via `call`)."""
        from buildrunner.engine.analysis.base import scope_name

        scope = self.an.scope_of(target)
        fname = scope_name(self.an, scope)
        if not fname or scope.id != value.param[0]:
            return False
        params = self.an.params(scope)
        step = TraceStep(self._line(call), f"`{fname}()` passes its parameter `{value.param[2]}` to "
                         f"`{self._label(call)}`", call.start_point.column + 1)
        known = self.forwarders.setdefault(fname, [])
        if any(f.index == value.param[1] and f.rule.id == rule.id for f in known):
            return False
        known.append(_Forwarder(fname, value.param[1], value.param[2],
                                self.family == "python" and bool(params) and params[0] in _SELF,
                                rule, sink, [step] + trace))
        return True

    def _follow_helpers(self, root) -> None:
        """Calls in this file to functions that forward a parameter to a sink (a few levels deep)."""
        from buildrunner.engine.analysis import PARAM

        done: set[tuple[int, str]] = set()
        for _round in range(4):
            pending = dict(self.forwarders)
            added = False
            for call, name, via_attr, args, _ in self._calls(root, set(pending)):
                positional, keywords = self._arguments(args)
                for fw in pending[name]:
                    key = (call.id, fw.rule.id)
                    index = fw.index - 1 if fw.is_method and via_attr else fw.index
                    targets = self._pick((index, fw.param) if self.family == "python" else (index,),
                                         positional, keywords) if index >= 0 else []
                    if key in done or not targets:
                        continue
                    done.add(key)
                    value = self.an.value_of(targets[0])
                    if _reportable(value, fw.rule):
                        steps = self._steps(value)
                        steps.append(TraceStep(self._line(call), f"the SQL text is passed to `{self._label(call)}` "
                                               "here", call.start_point.column + 1))
                        self._report(fw.rule, call, fw.sink, steps + fw.trace)
                    elif value.kind == PARAM:
                        added |= self._add_forwarder(fw.rule, fw.sink, value, call, targets[0], fw.trace)
            if not added:
                break

    def _calls(self, root, names: set[str]):
        """Every well-formed call whose callee is `name(...)` or `x.name(...)` for a name in `names`,
        in document order. The calls query runs only around the places the name is written (found
        by a byte search, once per name and document), not over every call of the file."""
        found: dict[int, tuple] = {}
        for name in names:
            calls = self._calls_by_name.get(name)
            if calls is None:
                calls = self._calls_by_name[name] = self._calls_named(root, name)
            for c in calls:
                found[c[0].id] = c
        return sorted(found.values(), key=lambda c: c[4])

    def _calls_named(self, root, name: str) -> list[tuple]:
        from tree_sitter import QueryCursor

        from buildrunner.engine.analysis.base import word_spans

        cursor = QueryCursor(_calls_query(self.language))
        if not name.isascii():  # (its bytes may not be what the text decoded from): the whole file
            spans = [(root.start_byte, root.end_byte)]
        else:
            spans = word_spans(self.an.source_bytes(), name, self.family)
        out = []
        for start, end in spans:
            cursor.set_byte_range(start, end)
            for _, caps in cursor.matches(root):
                call, name_node = caps["call"][0], caps["name"][0]
                if call.has_error or not (start <= name_node.start_byte and name_node.end_byte <= end) or \
                        self.an.text(name_node) != name:
                    continue
                out.append((call, name, "recv" in caps, caps["args"][0], name_node.start_byte))
        return out

    def _report(self, rule: Rule, call, sink: str, steps: list[TraceStep]) -> None:
        from buildrunner.engine.analysis.base import scope_name
        from buildrunner.engine.masking import sanitize_text

        scope = self.an.scope_of(call)
        fname = scope_name(self.an, scope) if scope.type != self.an.MODULE else ""
        normalized = "".join(self.an.text(call).split())  # survives re-indentation and reflow
        at = _name_node(call)  # a call chained over several lines is reported at its method name
        line = self._line(at)
        snippet = self.doc.line_text(line).strip()
        unique = dict.fromkeys((s.line, s.column, s.message, s.path) for s in steps)
        trace = [TraceStep(ln, msg, col, path) for ln, col, msg, path in unique]
        self.findings.append(Finding(
            rule_id=rule.id, severity=rule.severity, message=rule.message.replace("{sink}", f"`{sink}`"),
            path=self.doc.path, line=line, column=at.start_point.column + 1,
            end_line=call.end_point.row + 1 + self.doc.line_offset, end_column=call.end_point.column + 1,
            snippet=sanitize_text(snippet[:200]), fix=rule.fix, kind="code", rule_name=rule.name,
            value_hash=value_hash(f"{fname}:{normalized}", self.m.salt), origin=self.doc.origin,
            trace=trace, tags=rule.tags, cwe=rule.cwe,
            extra={"sink": sink, "function": fname, "language": self.language}))
