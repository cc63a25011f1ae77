"""Language detection and cached tree-sitter parsers (tree-sitter >= 0.25 bindings).

Shared by the SQL injection rules, the gap rules and the merge conflict detector. Grammar modules
are imported on first use per language, so a scan of Python files never loads the TypeScript
grammar.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import PurePosixPath

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
}

_GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
}


def language_for_path(path: str) -> str | None:
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def rule_language_matches(rule_languages: tuple[str, ...], language: str | None) -> bool:
    """TypeScript and TSX documents run JavaScript rules too (the JS pack covers TS)."""
    if not rule_languages or "generic" in rule_languages:
        return True
    if language in rule_languages:
        return True
    return language in {"typescript", "tsx"} and "javascript" in rule_languages


@cache
def get_language(name: str):
    from tree_sitter import Language

    module_name, func = _GRAMMARS[name]
    return Language(getattr(importlib.import_module(module_name), func)())


@cache
def get_parser(name: str):
    from tree_sitter import Parser

    return Parser(get_language(name))


def parse(text: str | bytes, language: str):
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return get_parser(language).parse(data)
