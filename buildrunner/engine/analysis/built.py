"""`when: built-sql`: SQL statement text built from runtime values where it is built, whether or
not a known database call is in the file (Bandit B608's ground, with the string-building analysis
behind it instead of a regex). JavaScript/TypeScript candidates: analysis/built_js.py.

A candidate is the outermost string-building expression (f-string, `%`, `.format()`, `+`, implicit
concatenation) whose first literal starts like a SQL statement. It is reported when its value is
dynamic and its literal text reads as a statement; not inside logging/print/raise/assert (messages
about SQL, not SQL); never when a sink rule already reported a call on that line or whose trace
passes through it (the sink finding says more). Test files are skipped by default (`skip_paths`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from buildrunner.engine.analysis.base import node_text, outermost
from buildrunner.engine.analysis.literals import closing as _closing
from buildrunner.fsutil import glob_matcher

STATEMENT_START = re.compile(r"^[rRuUbBfF]{0,2}(?:\"\"\"|'''|\"|')\s*\(?\s*(select|insert|update|delete|with|"
                             r"replace|merge|create|drop|alter|truncate)\b", re.I)
_STATEMENTS = ("select", "insert", "update", "delete", "with", "replace", "merge", "create", "drop", "alter",
               "truncate")
# cheap document prefilter: a string literal starting with a statement keyword
PREFILTER = re.compile(r"(?:\"|')\s*\(?\s*(?:" + "|".join(_STATEMENTS) + r")\s", re.I)
# the same on lowercased ASCII text: case-sensitive matching is ~2x faster than re.I
_PREFILTER_LOWER = re.compile(PREFILTER.pattern)
_PREFIXES = "rRuUbBfF"
_ASCII_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # the ASCII characters `\s` matches (str patterns)
# what the first pass looks for with `Literals` (caseless): every statement keyword + an ASCII space
STATEMENT_WORDS = tuple(k + s for k in _STATEMENTS for s in _ASCII_SPACES)
_keyword_literals = None  # Literals(STATEMENT_WORDS), built once Hyperscan is loaded


def might_build(text: str, family: str = "python") -> bool:
    """Could the document hold a candidate at all? Byte-level, conservative: a literal starting like
    a statement that is an f-string, or is next to an operator (`+`, `%`, `.format(...)`) or to
    another literal. A file whose only SQL literals stand alone (`q = "SELECT 1"`) is never parsed
    for this rule (a stand-alone literal is constant: the rule cannot fire on it). JavaScript:
    analysis/built_js.py."""
    if family == "javascript":
        from buildrunner.engine.analysis import built_js

        return built_js.might_build(text, javascript_statement_quotes(text))
    return any(_building_at(text, q) for q in statement_quotes(text))


def javascript_statement_quotes(text: str) -> Iterable[int]:
    """`statement_quotes` for JavaScript (`built_js.PREFILTER`: the backtick is a quote too): on ASCII
    text, once Hyperscan is loaded, the keywords walked back to their quote (~10x faster than the
    case-insensitive regex); otherwise the regex."""
    from buildrunner.engine.analysis import built_js

    literals = _fast_keywords() if text.isascii() else None
    if literals is None:
        return (m.start() for m in built_js.PREFILTER.finditer(text))
    return quotes_before(text, literals.find(text), quotes="\"'`")


def statement_quotes(text: str) -> Iterable[int]:
    r"""The start of every `PREFILTER` match in `text` (the quote opening a literal that starts like a
    statement), ascending. (Matches cannot overlap: inside one there is no quote.)

    ASCII text, once Hyperscan is loaded (a full scan prepared it for the sink names): the keywords
    are found by `Literals` (~7x faster than the regex) and each is walked back over `\s*\(?\s*`
    to its quote. Otherwise the regex: the pyahocorasick fallback is slower than it, and a
    pre-commit hook must not load Hyperscan."""
    if not text.isascii():
        return (m.start() for m in PREFILTER.finditer(text))
    literals = _fast_keywords()
    if literals is None:
        return (m.start() for m in _PREFILTER_LOWER.finditer(text.lower()))
    return quotes_before(text, literals.find(text))


def _fast_keywords():
    global _keyword_literals
    if _keyword_literals is None:
        from buildrunner.engine.literals import Literals, fast_backend_ready

        if not fast_backend_ready():
            return None
        _keyword_literals = Literals(STATEMENT_WORDS, caseless=True)
        _keyword_literals.prepare()
    return _keyword_literals


def quotes_before(text: str, hits, quotes: str = "\"'") -> Iterator[int]:
    r"""The quotes that open `PREFILTER` matches, from the (start, _) of its keyword + `\s` hits (in
    `Literals.find`'s order: ascending, as no two of these words overlap): the keyword must follow
    `quote \s* (? \s*`, walked back greedily (a quote is neither space nor `(`). Each quote is
    found once: between it and its keyword there is no other keyword."""
    for k, _ in hits:
        j = k - 1
        while j >= 0 and text[j] in _ASCII_SPACES:
            j -= 1
        if j >= 0 and text[j] == "(":
            j -= 1
            while j >= 0 and text[j] in _ASCII_SPACES:
                j -= 1
        if j >= 0 and text[j] in quotes:
            yield j


def _building_at(text: str, q: int) -> bool:
    """Is the literal whose (last) opening quote is at `q` an f-string, or next to an operator or
    another literal?"""
    quote = text[q]
    start = q
    while q > 0 and text[q - 1] == quote and start - q < 2:
        q -= 1  # the match starts on the last quote of a triple quote
    delim = quote * 3 if text.startswith(quote * 3, q) else quote
    p = q
    while p > 0 and text[p - 1] in _PREFIXES and q - p < 2:
        p -= 1
    if "f" in text[p:q].lower():
        return True
    b = p - 1
    while b >= 0 and text[b] in " \t\r\n\\":
        b -= 1
    if b >= 0 and text[b] in "+%'\"":
        return True
    end = _closing(text, q + len(delim), delim)
    if end < 0:
        return True
    after = text[end:end + 200].lstrip(" \t\r\n\\)")  # `("SELECT {}").format(x)` too
    return after[:1] in ("+", "%", ".", "'", '"', "#") or re.match(r"[rRuUbBfF]{1,2}['\"]", after) is not None


_BUILDING_PARENTS = frozenset({"binary_operator", "parenthesized_expression", "concatenated_string"})
_MESSAGE_CALL = re.compile(r"(?:^|\.)(?:print|debug|info|warning|warn|error|exception|critical|log|msg|echo|"
                           r"write|fail|skip|xfail|_|gettext|gettext_lazy|ngettext)$|^(?:log|logger|logging)\b")
_MESSAGE_STATEMENTS = frozenset({"raise_statement", "assert_statement"})
_SCOPES = frozenset({"function_definition", "module", "class_definition"})
DEFAULT_SKIP_PATHS = ("tests/*", "*/tests/*", "test/*", "*/test/*", "testing/*", "*/testing/*",
                      "test_*.py", "*/test_*.py", "*_test.py", "conftest.py", "*/conftest.py",
                      "__tests__/*", "*/__tests__/*", "*.test.*", "*.spec.*", "spec/*", "*/spec/*")


def skipped(path: str, patterns) -> bool:
    """Does `path` match one of the `skip_paths` globs (`fnmatch`, as one regex: asked per file and rule)?"""
    return bool(patterns) and glob_matcher(tuple(patterns), normcase=True)(path.replace("\\", "/"))


def _building_parent(node, parent):
    """The expression one level up that goes on building SQL text from `node`, or None."""
    if parent.type in _BUILDING_PARENTS:
        return parent
    if parent.type == "attribute" and parent.child_by_field_name("object").id == node.id and \
            parent.parent is not None and parent.parent.type == "call" and \
            node_text(parent.child_by_field_name("attribute")) in ("format", "replace"):
        return parent.parent  # "...".format(...), "... [V] ...".replace("[V]", v)
    return None


def building_expression(string):
    """The outermost expression building SQL text from this literal."""
    return outermost(string, _building_parent)


def in_message(node, family: str = "python") -> bool:
    """Inside a log/print/raise/assert argument (JavaScript: a console/logger call, `throw`, `new
    Error(...)`, an assertion), or a bare expression statement (docstring-like)."""
    if family == "javascript":
        from buildrunner.engine.analysis import built_js

        scopes, statements, call, message = (built_js.SCOPES, built_js.MESSAGE_STATEMENTS, "call_expression",
                                             built_js.MESSAGE_CALL)
    else:
        scopes, statements, call, message = _SCOPES, _MESSAGE_STATEMENTS, "call", _MESSAGE_CALL
    parent = node.parent
    if parent is not None and parent.type == "expression_statement":
        return True
    n = parent
    while n is not None and n.type not in scopes:
        if n.type in statements:
            return True
        if n.type == call and message.search(node_text(n.child_by_field_name("function"))):
            return True
        n = n.parent
    return False


_STRINGS: list = []


def _strings_query():
    if not _STRINGS:
        from tree_sitter import Query

        from buildrunner.engine.parsing import get_language

        _STRINGS.append(Query(get_language("python"), "(string) @s"))
    return _STRINGS[0]


# An opening quote followed by what STATEMENT_START wants after it, on ASCII bytes read through
# `_FOLD`: lowercased (no re.I: case-sensitive matching is faster) and every `'` written as `"`, so the
# pattern starts with one literal byte instead of a class (a search half as long: ~5 instead of ~10 ns
# a byte). `\s` is spelled out as str patterns read it. No match holds a quote after its first byte,
# so matches never overlap and the fold finds exactly the quotes `["']` would.
_WS = rb"[ \t\n\r\f\v\x1c-\x1f]*"
_QUOTED_STATEMENT = re.compile(rb'"' + _WS + rb"\(?" + _WS +
                               rb"(?:select|insert|update|delete|with|replace|merge|create|drop|alter|truncate)\b")
_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ'", b"abcdefghijklmnopqrstuvwxyz\"")


def _statement_strings(root, src: bytes) -> list:
    """The string nodes that may start like a statement (a superset that `candidates` filters): the
    string around each quote the byte search finds, instead of every string of the file."""
    found: dict[int, object] = {}
    for m in _QUOTED_STATEMENT.finditer(src.translate(_FOLD)):
        node = root.descendant_for_byte_range(m.start(), m.start() + 1)  # the quote: `string_start`
        if node is not None and node.type != "string":
            node = node.parent
        if node is not None and node.type == "string":
            found.setdefault(node.id, node)
    return list(found.values())


def candidates(root, language: str = "python"):
    """Outermost building expressions whose first literal starts like a SQL statement."""
    from tree_sitter import QueryCursor

    if language == "python":
        query, start, step_up, hole = _strings_query(), STATEMENT_START, _building_parent, "interpolation"
    else:
        from buildrunner.engine.analysis import built_js

        query, start, step_up = built_js.strings_query(language), built_js.STATEMENT_START, built_js.building_parent
        hole = "template_substitution"
    seen: set[int] = set()
    src = b" " * root.start_byte + root.text  # (indexed by byte offsets: the module starts after blank lines)
    if language == "python" and src.isascii():
        strings = _statement_strings(root, src)
    else:
        strings = QueryCursor(query).captures(root).get("s", [])
    for n in sorted(strings, key=lambda node: node.start_byte):
        if n.type == "template_string" and n.parent is not None and n.parent.type == "call_expression":
            continue  # a tagged template (sql`... ${id}`): the tag binds the values
        m = start.match(node_text(n))
        if m and (m.group(1).isupper() or m.group(1).islower()):  # "Create index x" is prose
            top = outermost(n, step_up)
            interpolated = any(c.type == hole for c in n.named_children)
            if top.id not in seen and (top is not n or interpolated):
                seen.add(top.id)
                yield top
