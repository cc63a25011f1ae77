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
    """Reads each file once — from the work tree, the given texts (standard input), the index
    (staged findings) or a commit (history findings) — and hands out values."""

    def __init__(self, root: Path, salt: str, texts: dict[str, str] | None = None):
        self.root = root
        self.salt = salt
        self.texts: dict[str, str | None] = dict(texts or {})
        self.blobs: dict[str, str | None] = {}  # `<rev>:<path>` → text, for staged and history findings

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            try:
                self.texts[path] = (self.root / path).read_bytes().decode("utf-8", "replace")
            except OSError:
                self.texts[path] = None
        return self.texts[path]

    def blob(self, rev: str, path: str) -> str | None:
        """The file as git stored it: `rev` "" is the index (a staged finding), else a commit."""
        key = f"{rev}:{path}"
        if key not in self.blobs:
            from buildrunner.engine.gitio import git

            data = git(self.root, "cat-file", "blob", key, check=False)
            self.blobs[key] = data.decode("utf-8", "replace") if data else None
        return self.blobs[key]

    def source_text(self, finding: Finding) -> str | None:
        kind = finding.origin.kind
        if kind in ("file", "stdin"):
            return self.text(finding.path)
        if kind == "staged":
            return self.blob("", finding.path)
        if kind == "history" and finding.origin.commit:
            return self.blob(finding.origin.commit, finding.path)
        return None

    def value(self, finding: Finding) -> str | None:
        if finding.kind != "secret":
            return None
        text = self.source_text(finding)
        return value_in_text(text, finding, self.salt) if text is not None else None

    def line(self, finding: Finding) -> str:
        text = self.source_text(finding) or ""
        lines = text.splitlines()
        return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
