"""`--format gcc`: one `path:line:col: error|warning: message [rule-id]` line per finding.

The line shape compilers use, so editors (VS Code tasks, Emacs compilation-mode, Vim quickfix)
and GitHub Actions problem matchers (`buildrunner/data/problem-matchers.json`, owner `br`) turn
each line into a clickable diagnostic. Level is `Severity.editor_level` (critical/high → error).
Each line is self-contained: messages are flattened to one line, history findings name their commit.
"""

from __future__ import annotations

from buildrunner.engine.model import Finding, ScanResult
from buildrunner.engine.reporters._common import by_location, history_note, one_line


def line_for(f: Finding) -> str:
    message = one_line(f.message)
    note = history_note(f)
    if note:
        message = f"{message} (in {one_line(note)})"  # parts already masked one by one
    if f.verified:
        message = f"{message} (verified: {f.verified})"
    return (f"{one_line(f.path)}:{f.line}:{f.column}: {f.severity.editor_level}: "
            f"{message} [{one_line(f.rule_id)}]")


def render(result: ScanResult, **_opts) -> str:
    return "".join(line_for(f) + "\n" for f in by_location(result.findings))
