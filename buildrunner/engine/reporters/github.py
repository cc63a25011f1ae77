"""`--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`).

Escaping follows the runner's own rules (actions/toolkit `command.ts`): in the message `%`, CR and
LF become `%25`, `%0D`, `%0A`; in property values `:` and `,` are escaped too (`%3A`, `%2C`).

GitHub shows at most 10 annotations of each type per step (50 per job) and drops the rest. Our
choice: emit an annotation for *every* finding (the log keeps them all), ordered worst first so
the ones GitHub does display are the most severe; when a type exceeds the limit, a closing
`::notice` says how many there are and where to read them; and when `GITHUB_STEP_SUMMARY` is set
(or `step_summary=` is passed) a markdown table of *all* findings is appended to that file, which
GitHub renders on the run's summary page. critical/high → `error`, medium/low → `warning`,
info → `notice`.
"""

from __future__ import annotations

import os
from pathlib import Path

from buildrunner.engine.model import Finding, ScanResult, Severity
from buildrunner.engine.reporters._common import (
    by_severity,
    clean,
    history_note,
    location,
    one_line,
    printable,
    severity_counts,
    severity_phrase,
    summary_line,
    whitelist_command,
)

ANNOTATION_LIMIT = 10  # per type, per step (GitHub docs: "Limitations for annotations")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def level_for(severity: Severity) -> str:
    return "notice" if severity is Severity.INFO else severity.editor_level


def annotation(f: Finding) -> str:
    props = {"file": clean(f.path), "line": f.line, "col": f.column}
    if f.end_line:
        props["endLine"] = f.end_line
    if f.end_column and (f.end_line or f.line) == f.line:
        # GitHub ignores endColumn on multi-line annotations; only send it when it means something.
        props["endColumn"] = f.end_column
    props["title"] = f"{one_line(f.rule_id)}: {one_line(f.rule_name)}" if f.rule_name else one_line(f.rule_id)
    body = [printable(f.message)]
    if f.verified:
        body.append(f"Verified: {f.verified} ({printable(f.extra.get('verify_detail', ''))})")
    note = history_note(f)
    if note:
        body.append(f"In {note}.")
    if f.snippet:
        body.append(f"  {one_line(f.snippet.strip())}")
    if f.fix:
        body.append(f"Fix: {printable(f.fix)}")
    command = whitelist_command(f)
    if command:
        body.append(f"Whitelist: {command}")
    rendered = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{level_for(f.severity)} {rendered}::{escape_data(chr(10).join(body))}"


def render(result: ScanResult, *, step_summary: str | os.PathLike | bool | None = None,
           **_opts) -> str:
    findings = by_severity(result.findings)
    lines = [annotation(f) for f in findings]
    per_level: dict[str, int] = {}
    for f in findings:
        per_level[level_for(f.severity)] = per_level.get(level_for(f.severity), 0) + 1
    over = {lvl: n for lvl, n in per_level.items() if n > ANNOTATION_LIMIT}

    target = step_summary
    if target is None:
        target = os.environ.get("GITHUB_STEP_SUMMARY") or None
    if target:
        try:
            append_step_summary(Path(target), result)
        except OSError as exc:  # the annotations are still worth having: say so, don't fail
            lines.append("::warning title=br::" + escape_data(
                f"could not write the step summary to {target}: {exc.strerror or exc}"))
            target = None

    if over:
        counts = ", ".join(f"{n} {lvl}s" for lvl, n in sorted(over.items()))
        where = "the job summary" if target else "the log above (or run with --format text)"
        lines.append("::notice title=br::" + escape_data(
            f"{counts}: GitHub shows only the first {ANNOTATION_LIMIT} annotations of each "
            f"type (worst first); every finding is listed in {where}."))
    return "".join(line + "\n" for line in lines)


# --- step summary (markdown) ---------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_[]<>|~&#!")


def md_text(text: str) -> str:
    """Plain text for a GFM table cell: markdown/HTML specials backslash-escaped, breaks as <br>."""
    out = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in printable(text))
    return out.replace("\n", "<br>")


def md_code(text: str) -> str:
    """Inline code for a table cell: a fence longer than any backtick run inside; `|` escaped
    (GFM splits cells before parsing code spans, so `\\|` is the only way to keep a pipe)."""
    text = one_line(text).replace("|", "\\|")
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def step_summary_markdown(result: ScanResult) -> str:
    findings = by_severity(result.findings)
    if not findings:
        return f"### br: no findings\n\n{md_text(summary_line(result))}\n\n"
    counts = severity_phrase(severity_counts(findings))
    out = [f"### br: {len(findings)} finding{'s' if len(findings) != 1 else ''} ({counts})", "",
           md_text(summary_line(result)), "",
           "| Severity | Location | Rule | Message | Whitelist |",
           "| --- | --- | --- | --- | --- |"]
    for f in findings:
        message = md_text(f.message)
        note = history_note(f)
        if note:
            message = f"{message} (in {md_text(note)})"
        rule = md_code(f.rule_id) + (f" {md_text(f.rule_name)}" if f.rule_name else "")
        command = whitelist_command(f)
        out.append(" | ".join([
            f"| {f.severity.value}", md_code(location(f)), rule,
            message, (md_code(command) if command else "") + " |",
        ]))
    return "\n".join(out) + "\n\n"


def append_step_summary(path: Path, result: ScanResult) -> None:
    """Append (never overwrite: other steps write there too) the findings table to `path`."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(step_summary_markdown(result))
