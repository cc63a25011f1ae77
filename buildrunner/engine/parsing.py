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
    """The language of a file by its suffix, as `PurePosixPath(path).suffix` has it. Without
    building the path object (a full scan asks twice per file in the parent and once in a worker):
    the name is the text after the last `/` unless that is empty or `.`, which the path object
    drops as a component."""
    name = path.rpartition("/")[2]
    if name in ("", "."):
        return EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if 0 < dot < len(name) - 1 else None


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


# Code rules skip what Semgrep skips for its code rules (secrets still scan these files): targets
# above a size cap (Semgrep's `--max-target-bytes`, default 1 MB) and minified/generated files,
# detected as Semgrep does from the first 8 KiB: more than 300 characters per line on average,
# counting two extra lines so that a short file with one long line is still source code.
DEFAULT_CODE_MAX_BYTES = 1_000_000
MINIFIED_SAMPLE = 8192
MINIFIED_AVG_LINE = 300
_BONUS_LINES = 2


def average_line_length(text: str) -> float:
    """Characters per line over the first `MINIFIED_SAMPLE` characters (two bonus lines added)."""
    sample = text[:MINIFIED_SAMPLE]
    lines = sample.count("\n") + 1 + _BONUS_LINES
    return (len(sample) + 1 + _BONUS_LINES) / lines


def code_skip_reason(text: str, *, max_bytes: int, skip_minified: bool) -> tuple[str, str] | None:
    """(reason, detail) when the code rules should not parse this text, else None.

    `max_bytes` 0 means no cap. The size is measured in UTF-8 bytes only when the character count
    does not already decide it (a character takes 1 to 4 bytes)."""
    if max_bytes and len(text) * 4 > max_bytes:
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            return "code-too-large", f"{size} bytes > {max_bytes} (security.code_max_file_size): code rules skipped"
    if skip_minified:
        average = average_line_length(text)
        if average > MINIFIED_AVG_LINE:
            return "minified", (f"{average:.0f} characters per line in its first {MINIFIED_SAMPLE} "
                                f"(> {MINIFIED_AVG_LINE}: minified or generated): code rules skipped")
    return None
