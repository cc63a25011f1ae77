"""The learning-phase banner: rendered for the terminal (stderr) or as Markdown (alert file, e-mail,
Slack). Its own module so that the threshold monitor (which writes the alert file) and the alert
delivery both use it without importing each other."""

from __future__ import annotations

import sys
from typing import Any

RULE = "━" * 64


def render_banner(phase: dict[str, Any], progress: list[dict[str, Any]], *, markdown: bool = False) -> str:
    """The banner (layout documented in docs/TELEMETRY.md); `markdown` for the alert file/e-mail."""
    pid = phase["id"]
    lines: list[str] = []
    if markdown:
        lines += [f"# Learning phase ready: {phase['title']}", ""]
        lines += ["## Current stats vs thresholds", ""]
        lines += ["| | metric | current | threshold |", "|---|---|---:|---:|"]
        lines += [f"| {'✅' if p['met'] else '❌'} | {p['label']} | {p['current']} | {p['required']} |" for p in progress]
        lines += ["", "## What you gain", ""] + [f"- {g}" for g in phase.get("gains", [])]
        lines += ["", f"**Estimated build time:** {phase.get('estimated_build', 'unknown')}", "", "## Next steps", ""]
        lines += [f"1. Review the data: `br telemetry ready {pid}`",
                  f"2. Start the build: `br build start {pid}` (writes `.buildrunner/specs/{pid}.md`)",
                  "3. Record the result: `br build complete`",
                  "", f"Dismiss this alert: `br telemetry dismiss {pid}`", ""]
        return "\n".join(lines)
    width = max(len(p["label"]) for p in progress) if progress else 10
    lines += [RULE, f"  🎓 Learning phase ready: {phase['title']}", RULE, "  Current stats vs thresholds:"]
    lines += [f"    {'✅' if p['met'] else '❌'} {p['label']:<{width}}  {p['current']:>5} / {p['required']}" for p in progress]
    lines += ["  What you gain:"] + [f"    • {g}" for g in phase.get("gains", [])]
    steps = [(f"br telemetry ready {pid}", "review the data"),
             (f"br build start {pid}", f"writes .buildrunner/specs/{pid}.md"),
             ("br build complete", "when it is built")]
    col = max(len(cmd) for cmd, _ in steps)
    lines += [f"  Estimated build time: {phase.get('estimated_build', 'unknown')}", "  Next steps:"]
    lines += [f"    {n}. {cmd:<{col}}   {why}" for n, (cmd, why) in enumerate(steps, 1)]
    lines += [f"  Dismiss: br telemetry dismiss {pid}", RULE]
    return "\n".join(lines)


def print_banner(text: str) -> None:
    """To stderr, so `--json` output on stdout stays parseable."""
    try:
        try:
            sys.stderr.write(text + "\n")
        except UnicodeEncodeError:  # a non-UTF-8 terminal: keep the text, lose the symbols
            encoding = getattr(sys.stderr, "encoding", None) or "ascii"
            sys.stderr.write((text + "\n").encode(encoding, "replace").decode(encoding))
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
