"""The prompt a stream's session works from, and copying it to the clipboard."""

from __future__ import annotations

import shutil
import subprocess

# (program, args) tried in order; the first one on PATH wins
CLIPBOARD_TOOLS: list[tuple[str, list[str]]] = [
    ("pbcopy", []),
    ("wl-copy", []),
    ("xclip", ["-selection", "clipboard"]),
    ("xsel", ["--clipboard", "--input"]),
    ("clip.exe", []),
]


def build_prompt(command: dict, decisions: list[dict] | None = None) -> str:
    """Markdown prompt: tasks, files, context, decisions and the rules of the game."""
    stream = command.get("stream", "?")
    tasks = command.get("tasks") or []
    ctx = command.get("context") or {}
    decisions = decisions if decisions is not None else ctx.get("decisions") or []
    lines = [f"# Stream `{stream}` — batch {command.get('batch_number', '?')} ({command.get('batch_id', '?')})", ""]
    lines += [f"You are one of several AI coding sessions building `{command.get('plan', 'this project')}` "
              f"in parallel. You work on branch `{command.get('branch')}` in `{command.get('worktree')}`.", ""]
    if not tasks:
        lines += ["No tasks for this stream in this batch."]
        for w in command.get("waiting") or []:
            lines.append(f"- `{w.get('task')}` waits: {w.get('reason')}")
        return "\n".join(lines) + "\n"
    lines += ["## Tasks (in order)", ""]
    for i, t in enumerate(tasks, 1):
        lines.append(f"{i}. **{t.get('id')}** — {t.get('title')}")
        lines.append(f"   Files: {', '.join('`' + f + '`' for f in t.get('files') or [])}")
        if t.get("description"):
            lines.append(f"   {t['description'].strip()}")
    files = sorted({f for t in tasks for f in t.get("files") or []})
    lines += ["", "## Context", ""]
    done = ctx.get("completed_tasks") or []
    if done:
        lines.append("Already merged into the integration branch:")
        lines += [f"- {t.get('id')} ({t.get('stream')}): {t.get('title')}" for t in done]
    else:
        lines.append("Nothing has been merged yet; you start from the integration branch.")
    others = ctx.get("other_streams") or {}
    if others:
        lines += ["", "Other streams working at the same time (do not edit their files):"]
        lines += [f"- {name}: {', '.join(fs)}" for name, fs in sorted(others.items())]
    lines += ["", "## Shared decisions", ""]
    if decisions:
        lines += [f"- {d.get('text')}" + (f" (from {d['stream']})" if d.get("stream") else "") for d in decisions]
    else:
        lines.append("None yet.")
    lines += ["", "## Rules", "",
              f"- Stay in your files: {', '.join('`' + f + '`' for f in files)}. Other streams own the rest; "
              "editing their files causes merge conflicts.",
              f"- Commit your work on branch `{command.get('branch')}` (in `{command.get('worktree')}`); "
              "do not merge, rebase or push other branches.",
              f"- Start each commit message with the task id (e.g. `{tasks[0].get('id')}: ...`) so progress shows "
              "on the dashboard.",
              "- Do not change the signature of a function other code calls unless your task says so; "
              "if you must, say it in a shared decision: "
              f"`br decide \"<topic>: <decision>\" --stream {stream}`.",
              "- When every task is committed, stop: the worker checks the branch and reports back."]
    return "\n".join(lines) + "\n"


def copy_to_clipboard(text: str) -> str | None:
    """Copy with the first clipboard tool found; returns its name, or None when there is none."""
    for program, args in CLIPBOARD_TOOLS:
        exe = shutil.which(program)
        if not exe:
            continue
        try:
            proc = subprocess.run([exe, *args], input=text.encode("utf-8"), capture_output=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode == 0:
            return program
    return None
