"""`when: built-sql` for JavaScript / TypeScript: SQL statement text built from runtime values where
it is built (template literals with `${}`, `+`, `.concat()`, `util.format()`), whether or not a
known database call is in the file. Same contract as the Python side (analysis/built.py): the
literal must start like a SQL statement, messages (console/logger calls, `throw`, `new Error()`,
assertions) are skipped, a sink finding always wins, test files are skipped by default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from buildrunner.engine.analysis.base import node_text
from buildrunner.engine.analysis.literals import closing as _closing

STATEMENT_START = re.compile(r"^(?:\"|'|`)\s*\(?\s*(select|insert|update|delete|with|replace|merge|create|drop|"
                             r"alter|truncate)\b", re.I)
PREFILTER = re.compile(r"(?:\"|'|`)\s*\(?\s*(?:select|insert|update|delete|with|replace|merge|create|drop|alter|"
                       r"truncate)\s", re.I)
_FORMAT_CALL = re.compile(r"(?:^|\.)(?:format|printf|sprintf)$")
MESSAGE_CALL = re.compile(r"^(?:console|logger|log|logging|debug)\b|(?:^|\.)(?:log|debug|info|warn|warning|error|"
                          r"trace|fatal|assert|expect|fail|t|__|i18n)$")
MESSAGE_STATEMENTS = frozenset({"throw_statement", "new_expression"})
SCOPES = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                    "method_definition", "program", "class_body"})
DEFAULT_SKIP_PATHS = ("__tests__/*", "*/__tests__/*", "test/*", "*/test/*", "tests/*", "*/tests/*", "spec/*",
                      "*/spec/*", "*.test.*", "*.spec.*", "*/__mocks__/*", "cypress/*", "*/cypress/*", "e2e/*",
                      "*/e2e/*")


def might_build(text: str, quotes: Iterable[int]) -> bool:
    """Byte-level, conservative: a literal starting like a statement that is a template literal with
    a `${`, or is next to `+`, the first argument of a `format(`, or followed by `.concat(`.
    `quotes`: the start of every `PREFILTER` match, ascending (`built.javascript_statement_quotes`;
    callers go through `built.might_build(text, "javascript")`)."""
    for q in quotes:
        quote = text[q]
        end = _closing(text, q + 1, quote)
        if end < 0 or (quote == "`" and "${" in text[q:end]):
            return True
        b = q - 1
        while b >= 0 and text[b] in " \t\r\n":
            b -= 1
        if b >= 0 and text[b] == "+" or text[max(0, b - 6):b + 1].endswith("format("):
            return True
        after = text[end:end + 200].lstrip(" \t\r\n)")
        if after[:1] == "+" or after.startswith((".concat", ".replace")):
            return True
    return False


def building_parent(node, parent):
    """The expression one level up that goes on building SQL text from `node`, or None."""
    if parent.type == "parenthesized_expression" or (
            parent.type == "binary_expression" and node_text(parent.child_by_field_name("operator")) == "+"):
        return parent
    if parent.type == "member_expression" and parent.child_by_field_name("object").id == node.id and \
            parent.parent is not None and parent.parent.type == "call_expression" and \
            node_text(parent.child_by_field_name("property")) in ("concat", "replace"):
        return parent.parent
    if parent.type == "arguments" and parent.named_children and parent.named_children[0].id == node.id and \
            parent.parent is not None and parent.parent.type == "call_expression" and \
            _FORMAT_CALL.search(node_text(parent.parent.child_by_field_name("function"))):
        return parent.parent  # util.format("SELECT ... '%s'", v)
    return None


_QUERIES: dict[str, object] = {}


def strings_query(language: str):
    """The query capturing string and template literals (analysis/built.py `candidates`)."""
    from tree_sitter import Query

    from buildrunner.engine.parsing import get_language

    query = _QUERIES.get(language)
    if query is None:
        query = _QUERIES[language] = Query(get_language(language), "[(string) (template_string)] @s")
    return query
