"""`--format text`: what a person reads in a terminal or a CI log.

Findings are grouped by file, in line order. Each says what (severity, rule), where
(`path:line:col`, the masked source line), why (message, trace steps for code findings) and what
to do (the fix, the autofix if there is one, and the exact whitelist command). A summary line
follows unless `quiet`. Colour only when allowed (a TTY without NO_COLOR, or `color=True`), and
only then is rich imported; plain text is joined directly (the pre-commit hook path). Source text
is never interpreted as markup and control characters are shown escaped, so a planted terminal
escape sequence in scanned code cannot reach the reader's terminal.
"""

from __future__ import annotations

import io
from itertools import groupby

from buildrunner.engine.model import Finding, ScanResult, Severity
from buildrunner.engine.reporters._common import (
    by_location,
    history_note,
    location,
    one_line,
    summary_line,
    whitelist_command,
)

BADGE_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
BADGE_WIDTH = 8  # len("CRITICAL")
INDENT = "    "
FIX_COMMAND = "br security check --fix"  # applies the safe autofixes of a scan


Segment = tuple[str, str | None]  # (text, rich style)


def render(result: ScanResult, *, color: bool | None = None, width: int | None = None,
           quiet: bool = False, stream=None, **_opts) -> str:
    if color is None:
        from buildrunner.colour import color_enabled

        color = color_enabled(stream)

    findings = by_location(result.findings)
    lines: list[list[Segment]] = []
    if not findings:
        if not quiet:
            lines.append([(summary_line(result), "green")])
    else:
        for path, group in groupby(findings, key=lambda f: f.path):
            lines.append([(one_line(path), "bold underline")])
            for finding in group:
                lines.extend(_finding_lines(finding))
            lines.append([])
        if quiet:
            lines.pop()  # no blank line after the last group
        else:
            lines.append([(summary_line(result), "bold")])
    if not lines:
        return ""
    if not color:  # plain text needs no rich (import time and speed matter on the hook path)
        return "".join("".join(text for text, _ in line) + "\n" for line in lines)
    return _rich(lines, width)


def _rich(lines: list[list[Segment]], width: int | None) -> str:
    """Colour with rich. Segments are literal `Text`, never markup, so `[bold]` in source is text."""
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=width or 100,
                      soft_wrap=True, highlight=False, markup=False, emoji=False)
    console.print(Text("\n").join(Text.assemble(*line) for line in lines))  # one print: cheap
    return buf.getvalue()


VERIFIED_LABEL = {"live": "[LIVE KEY]", "revoked": "[revoked]", "unknown": "[verification: unknown]"}
VERIFIED_STYLE = {"live": "bold red", "revoked": "green", "unknown": "dim"}


def _finding_lines(f: Finding) -> list[list[Segment]]:
    badge = f" {f.severity.value.upper():<{BADGE_WIDTH}} "
    head: list[Segment] = [("  ", None), (badge, BADGE_STYLE[f.severity]), ("  ", None),
                           (one_line(location(f)), "bold"), ("  ", None), (one_line(f.rule_id), "magenta")]
    if f.rule_name:
        head.append((f" · {one_line(f.rule_name)}", None))
    if f.verified:
        head.append(("  ", None))
        head.append((VERIFIED_LABEL[f.verified], VERIFIED_STYLE[f.verified]))
    lines = [head, [(INDENT + one_line(f.message), None)]]

    note = history_note(f)
    if note:
        lines.append([(f"{INDENT}in {one_line(note)}", "dim")])
    if f.snippet:
        lines.append([(INDENT, None), (f"{f.line} │ ", "dim"), (one_line(f.snippet.strip()), None)])
    if f.trace:
        lines.append([(f"{INDENT}trace:", "dim")])
        for step in f.trace:
            where = f"{one_line(step.path)}:{step.line}" if step.path else f"line {step.line}"
            lines.append([(f"{INDENT}  {where}: {one_line(step.message)}", None)])
    if f.fix:
        lines.append([(INDENT, None), ("fix: ", "green"), (one_line(f.fix), None)])
    if f.autofix:
        kind = "safe" if f.autofix.safe else "unsafe, review it"
        line = [(INDENT, None), (f"autofix ({kind}): ", "green"), (one_line(f.autofix.description), None)]
        if f.autofix.safe:
            line.append((f" · apply with: {FIX_COMMAND}", "dim"))
        lines.append(line)
    command = whitelist_command(f)
    if command:
        lines.append([(INDENT, None), ("whitelist: ", "dim"), (command, None)])
    return lines
