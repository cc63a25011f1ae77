"""Errors that end a command with a clear message instead of a traceback.

Every user-facing failure (bad config, broken rule pack, not a git repository, bad argument)
raises a `BrError`; `buildrunner.cli.main` prints its message to stderr and exits with its code
(2 for usage and input errors, as the CLI conventions in DESIGN.md require).
"""

from __future__ import annotations


class BrError(Exception):
    """A problem the user can fix; printed without a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(BrError):
    """Malformed or invalid configuration (file and line named in the message)."""


class RuleError(BrError):
    """A rule pack that cannot be loaded: names the file, the rule id and the field."""

    def __init__(self, path: str, message: str, *, rule_id: str | None = None,
                 field: str | None = None, line: int | None = None):
        where = path if line is None else f"{path}:{line}"
        parts = [where]
        if rule_id:
            parts.append(f"rule {rule_id!r}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{': '.join(parts)}: {message}")
        self.path, self.rule_id, self.field, self.line = path, rule_id, field, line


class NotAGitRepository(BrError):
    """A git-only operation (staged scan, history, hooks) outside a git work tree."""
