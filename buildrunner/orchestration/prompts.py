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
    """Markdown prompt: tasks (with their models), files, context, decisions and the rules."""
    if command.get("kind") == "resolution":
        return build_resolution_prompt(command, decisions)
    stream = command.get("stream", "?")
    tasks = command.get("tasks") or []
    ctx = command.get("context") or {}
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
        if t.get("model"):
            lines.append(f"   Model: `{t['model']}` ({t.get('model_reason') or t.get('model_source') or 'routed'})")
        if t.get("description"):
            lines.append(f"   {t['description'].strip()}")
    files = sorted({f for t in tasks for f in t.get("files") or []})
    lines += ["", "## Context", ""]
    done = ctx.get("completed") or []
    if done:
        lines.append("Already merged into the integration branch:")
        lines += [f"- {t.get('id')} ({t.get('stream')}): {t.get('title')}" for t in done]
    else:
        lines.append("Nothing has been merged yet; you start from the integration branch.")
    others = ctx.get("other_streams") or {}
    if others:
        lines += ["", "Other streams working at the same time (do not edit their files):"]
        lines += [f"- {name}: {', '.join(fs)}" for name, fs in sorted(others.items())]
    lines += _decision_lines(command, decisions)
    lines += ["", "## Rules", "",
              f"- Stay in your files: {', '.join('`' + f + '`' for f in files)}. Other streams own the rest; "
              "editing their files causes merge conflicts.",
              f"- Commit your work on branch `{command.get('branch')}` (in `{command.get('worktree')}`); "
              "do not merge, rebase or push other branches.",
              f"- Start each commit message with the task id (e.g. `{tasks[0].get('id')}: ...`) so progress shows "
              "on the dashboard.",
              "- Do not change the signature of a function other code calls unless your task says so; "
              "if you must, update every caller and say it in a shared decision: "
              f"`br decide \"<topic>: <decision>\" --stream {stream}`.",
              "- When every task is committed, stop: the worker checks the branch and reports back."]
    return "\n".join(lines) + "\n"


def _decision_lines(command: dict, decisions: list[dict] | None) -> list[str]:
    """The shared decisions; two that contradict each other are marked so, with both texts."""
    from buildrunner.orchestration.decisions import topic_conflicts

    ctx = command.get("context") or {}
    decisions = decisions if decisions is not None else ctx.get("shared_decisions") or []
    lines = ["", "## Shared decisions", ""]
    if not decisions:
        return lines + ["None yet."]
    clashes = topic_conflicts(decisions)
    disputed = {i for c in clashes for i in c["decisions"]}
    for d in decisions:
        mark = "**CONTRADICTED** " if d.get("id") in disputed else ""
        lines.append(f"- {mark}{d.get('text')}" + (f" (from {d['stream']})" if d.get("stream") else ""))
    for c in clashes:
        lines.append(f"- Contradictory decisions on {c['topic']!r}: {c['streams'][0]} says {c['texts'][0]!r}, "
                     f"{c['streams'][1]} says {c['texts'][1]!r}. Do not rely on either until one is withdrawn; "
                     "if your task depends on it, say so in a decision.")
    return lines


def build_resolution_prompt(command: dict, decisions: list[dict] | None = None) -> str:
    """What a held stream's agent does to get its work merged: the conflicts, their files, the other
    side's commits, where it stands in the resolution order, and the steps."""
    stream, res = command.get("stream", "?"), command.get("resolution") or {}
    integration = command.get("integration_branch", "main")
    lines = [f"# Stream `{stream}` — resolve held work ({command.get('batch_id', '?')})", "",
             f"Your earlier work on branch `{command.get('branch')}` (in `{command.get('worktree')}`) was not "
             f"merged into `{integration}`: it conflicts with work that was. Resolve it in your worktree; "
             "the orchestrator merges it once it is clean.", "", "## Conflicts", ""]
    for c in res.get("conflicts") or []:
        lines.append(f"- [{c.get('kind')}] {' vs '.join(c.get('sides') or [])}"
                     + (f" in `{c['file']}`" if c.get("file") else "")
                     + (f" (symbols: {', '.join(c['symbols'])})" if c.get("symbols") else "")
                     + f": {c.get('detail')}")
        if c.get("output"):
            lines += ["  End of the verify output:", "  ```", *("  " + x for x in c["output"].splitlines()), "  ```"]
    if res.get("files"):
        lines += ["", "## Files", "", ", ".join(f"`{f}`" for f in res["files"])]
    other = res.get("other_commits") or {}
    if other:
        lines += ["", "## The other side's commits", ""]
        for label, commits in other.items():
            lines += [f"- {label}: `{c.get('sha')}` {c.get('subject')}" for c in commits] or [f"- {label}: -"]
    if res.get("order"):
        lines += ["", "## Resolution order", ""]
        lines += [f"{i}. {text}" for i, text in enumerate(res["order"], 1)]
    tasks = command.get("tasks") or []
    if tasks:
        lines += ["", "## The held tasks", ""]
        lines += [f"- **{t.get('id')}** — {t.get('title')} (files: {', '.join(t.get('files') or [])})"
                  + (f"; model `{t['model']}`" if t.get("model") else "") for t in tasks]
    lines += _decision_lines(command, decisions)
    steps = [f"Run `git merge {integration}` in `{command.get('worktree')}`."]
    steps.append("Resolve every conflict: keep both sides' intent (the other side's work is already merged and "
                 "must keep working); update calls to a changed signature.")
    if res.get("verify"):
        steps.append(f"Run `{res['verify']}` in the worktree; it must pass.")
    ids = ", ".join(t.get("id", "") for t in tasks) or "resolve"
    steps.append(f"Commit on `{command.get('branch')}` (message starting with `{ids}: resolve`), then stop: "
                 "the worker checks the branch and the orchestrator merges it.")
    lines += ["", "## Steps", ""] + [f"{i}. {s}" for i, s in enumerate(steps, 1)]
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
