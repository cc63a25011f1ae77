"""Recover the raw value of a secret finding from the text it was found in.

Findings never carry the secret (only a salted hash and a masked form). Two opt-in features need
the value itself, in memory and only for a moment: importing another tool's baseline (matched by
the SHA-1 detect-secrets stores, or by the secret in a gitleaks report) and `--verify` (asking the
provider whether the key is live). The slice is checked against the finding's salted hash, so a
file edited since the scan yields None, never a wrong value.
"""

from __future__ import annotations

from pathlib import Path

from buildrunner.engine.model import Finding, value_hash


def value_in_text(text: str, finding: Finding, salt: str, line_offset: int = 0) -> str | None:
    """The secret `finding` points at in `text`, or None when the text no longer holds it there."""
    if finding.end_line is None or finding.end_column is None:
        return None
    lines = text.splitlines(keepends=True)
    first, last = finding.line - 1 - line_offset, finding.end_line - 1 - line_offset
    if not (0 <= first <= last < len(lines)):
        return None
    if first == last:
        value = lines[first][finding.column - 1:finding.end_column - 1]
    else:
        value = (lines[first][finding.column - 1:] + "".join(lines[first + 1:last])
                 + lines[last][:finding.end_column - 1])
    return value if value and value_hash(value, salt) == finding.value_hash else None


class ValueReader:
    """Reads work-tree files once each (or given texts, e.g. standard input) and hands out values."""

    def __init__(self, root: Path, salt: str, texts: dict[str, str] | None = None):
        self.root = root
        self.salt = salt
        self.texts: dict[str, str | None] = dict(texts or {})

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            try:
                self.texts[path] = (self.root / path).read_bytes().decode("utf-8", "replace")
            except OSError:
                self.texts[path] = None
        return self.texts[path]

    def value(self, finding: Finding) -> str | None:
        if finding.kind != "secret" or finding.origin.kind not in ("file", "stdin"):
            return None
        text = self.text(finding.path)
        return value_in_text(text, finding, self.salt) if text is not None else None

    def line(self, finding: Finding) -> str:
        text = self.text(finding.path) or ""
        lines = text.splitlines()
        return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
