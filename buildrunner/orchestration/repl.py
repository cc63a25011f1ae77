"""The orchestrator's prompt (`status`, `merge`, `next`, `decide`, `quit`) and text renderers.

Kept out of the click layer so that tests drive exactly what a user types.
"""

from __future__ import annotations

import queue
from collections.abc import Callable

from buildrunner.errors import BrError
from buildrunner.orchestration import decisions as dec
from buildrunner.orchestration.merge import MergeReport
from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.plan import Batch
from buildrunner.orchestration.state import read_status

HELP = ("Commands: status (streams and conflicts), merge [STREAM...] (check and merge complete streams), "
        "next [force] (prepare the next batch), decide TEXT (record a shared decision), quit.")


def render_batch(batch: Batch | dict | None) -> list[str]:
    if batch is None:
        return ["No batch."]
    data = batch.to_json() if isinstance(batch, Batch) else batch
    lines = [f"Batch {data['number']}:"]
    for stream, tasks in data["assignments"].items():
        if tasks:
            lines.append(f"  {stream}: {', '.join(tasks)}")
    for w in data.get("waiting") or []:
        lines.append(f"  waiting: {w['task']} ({w.get('stream', '')}) — {w['reason']}")
    return lines


def render_schedule(batches: list[Batch]) -> list[str]:
    lines = []
    for b in batches:
        lines.append(f"Batch {b.number}: " + "; ".join(f"{s}: {', '.join(t.id for t in ts)}"
                                                        for s, ts in b.assignments.items()))
        for t, reason in b.waiting:
            lines.append(f"    {t.id} ({t.stream}) waits — {reason}")
    return lines


def render_status(snapshot: dict) -> list[str]:
    if snapshot.get("error"):
        return [f"error: {snapshot['error']}"]
    b = snapshot.get("batch") or {}
    head = "Plan complete." if snapshot.get("finished") else f"{b.get('id') or 'no batch'}"
    lines = [f"{head}  {snapshot.get('tasks_done', 0)}/{snapshot.get('tasks_total', 0)} tasks merged "
             f"into {snapshot.get('integration_branch')}"]
    for s in snapshot.get("streams", []):
        elapsed = f"{int(s['elapsed'])}s" if s.get("elapsed") is not None else "-"
        commit = (s.get("commit") or "")[:10] or "-"
        lines.append(f"  {s['stream']:<16} {s['status']:<12} tasks {s.get('tasks_done', 0)}/{s.get('tasks_total', 0)}"
                     f"  {s.get('branch') or '-'} @ {commit}  {elapsed}" + (f"  ! {s['error']}" if s.get("error") else ""))
        for w in s.get("warnings") or []:
            lines.append(f"      warning: {w}")
    for c in snapshot.get("conflicts") or []:
        lines.append(f"  conflict [{c['kind']}] {' vs '.join(c['sides'])}: {c['file']}"
                     + (f" ({', '.join(c['symbols'])})" if c.get("symbols") else ""))
    for f in snapshot.get("decision_conflicts") or []:
        lines.append(f"  decisions disagree on {f['topic']!r}: {' / '.join(f['texts'])}")
    return lines


def render_merge(report: MergeReport, *, dry_run: bool = False) -> list[str]:
    lines = []
    if not report.streams:
        return ["Nothing to merge: no stream has completed work waiting."]
    for s in report.streams:
        result = {"pending": "clean (would merge)" if dry_run else "not merged"}.get(s.result, s.result)
        lines.append(f"{s.stream}: {result}" + (f" as {s.commit[:10]}" if s.commit else "")
                     + (f" — {s.message}" if s.message else ""))
        for c in s.conflicts:
            lines.append("    " + c.describe())
            if c.output:  # the end of a failing verify's output
                lines += ["      | " + line for line in c.output.splitlines()[-10:]]
    if report.suggestions:
        lines.append("Suggested resolution order:")
        lines += [f"  {i}. {text}" for i, text in enumerate(report.suggestions, 1)]
    if report.after != report.before:
        lines.append(f"{report.integration}: {report.before[:10]} -> {report.after[:10]}")
    return lines


class _Watcher:
    """Announces stream status changes between commands (each change once; "type 'merge'" once
    per batch)."""

    def __init__(self, orch: Orchestrator, out: Callable[[str], None]):
        self.orch, self.out = orch, out
        self.seen: dict[str, str] = {}
        self.told_merge: set = set()

    def __call__(self, announce: bool) -> None:
        orch, out = self.orch, self.out
        completed = False
        for name in orch.state["streams"]:
            st = read_status(orch.paths, name)
            key = f"{st.get('status')}:{st.get('batch_id')}"
            if announce and self.seen.get(name) != key and st.get("status") not in (None, "idle"):
                extra = f" — {st['error']}" if st.get("error") else ""
                out(f"[{name}] {st.get('status')} ({st.get('batch_id')}){extra}")
                completed = completed or st.get("status") == "complete"
                info = orch.state["streams"][name]
                if info.get("held") and st.get("status") == "complete" and st.get("batch_id") == info.get("resolution_id"):
                    out(f"[{name}] resolved its held work: type 'merge' to land it.")
            self.seen[name] = key
        batch_id = (orch.state.get("batch") or {}).get("id")
        if completed and batch_id not in self.told_merge and all(
                v == "complete" for v in orch.unfinished_streams().values()):
            self.told_merge.add(batch_id)
            out("Every stream of this batch is done: type 'merge'.")


def run(orch: Orchestrator, lines: queue.Queue[str | None], out: Callable[[str], None], *,
        prompt: Callable[[], None] = lambda: None) -> int:
    """Read commands until `quit`/EOF; meanwhile announce stream status changes."""
    watch = _Watcher(orch, out)
    watch(False)
    prompt()
    while True:
        try:
            line = lines.get(timeout=0.3)
        except queue.Empty:
            watch(True)
            continue
        watch(True)  # report what happened before acting on the command
        if line is None:
            return 0
        words = line.strip().split()
        if not words:
            prompt()
            continue
        cmd, args = words[0].lower(), words[1:]
        try:
            orch.refresh()
            if cmd in {"quit", "exit", "q"}:
                out("State saved; `br orchestrate --parallel` resumes.")
                return 0
            if cmd == "status":
                out("\n".join(render_status(orch.snapshot())))
            elif cmd == "merge":
                before = (orch.state.get("batch") or {}).get("id")
                report = orch.merge(args or None)
                out("\n".join(render_merge(report)))
                _after_round(orch, out, before)
            elif cmd == "next":
                batch = orch.prepare_next_batch(force=bool(args and args[0] == "force"))
                _announce_batch(orch, batch, out)
            elif cmd == "decide":
                text = line.strip()[len(words[0]):].strip()
                entry = dec.record(orch.paths, text)
                out(f"Recorded decision {entry['id']}" + (f" on {entry['topic']!r}" if entry["topic"] else "")
                    + "; it goes into every later batch.")
            elif cmd in {"help", "?"}:
                out(HELP)
            else:
                out(f"Unknown command {cmd!r}. {HELP}")
        except BrError as exc:
            out(f"error: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""))
        watch(False)
        prompt()


def _after_round(orch: Orchestrator, out, batch_before: str | None) -> None:
    state = orch.state
    if state.get("finished"):
        out("Every task of the plan is merged. Type 'quit'.")
    elif state.get("batch") and state["batch"]["id"] == batch_before and orch.unfinished_streams():
        out("Still working: " + ", ".join(f"{n} ({s})" for n, s in sorted(orch.unfinished_streams().items())))
    else:
        _announce_current(orch, out)


def _announce_current(orch: Orchestrator, out) -> None:
    b = orch.state.get("batch")
    if b:
        out("\n".join(render_batch(b)) + "\nWorkers: type 'check' to pick it up.")
    elif not orch.state.get("finished"):
        out("No batch can start until the held streams are resolved (see the suggested resolution order).")


def _announce_batch(orch: Orchestrator, batch: Batch | None, out) -> None:
    if batch is None:
        out("Every task of the plan is merged.")
    elif batch.empty:
        out("No task can run now: " + "; ".join(f"{t.id} — {r}" for t, r in batch.waiting))
    else:
        out("\n".join(render_batch(batch)) + "\nWorkers: type 'check' to pick it up.")
