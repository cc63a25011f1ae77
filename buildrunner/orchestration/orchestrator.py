"""The orchestrator's library: start or resume a run, prepare batches, merge, report status.

The interactive prompt (`br orchestrate --parallel`) and the one-shot commands (`br merge`,
`br session`) both call these functions; all state lives in `.buildrunner/orchestration/state.json`
so that a restarted orchestrator resumes where it stopped.
"""

from __future__ import annotations

import time
from pathlib import Path

from buildrunner.errors import BrError
from buildrunner.fsutil import atomic_write_text
from buildrunner.orchestration import decisions as dec
from buildrunner.orchestration import merge as mg
from buildrunner.orchestration import worktrees as wt
from buildrunner.orchestration.models import route_task
from buildrunner.orchestration.plan import Batch, Plan, load_plan, next_batch
from buildrunner.orchestration.prompts import build_prompt
from buildrunner.orchestration.state import (
    COMPLETE,
    FAILED,
    INTERRUPTED,
    READY,
    RUNNING,
    Paths,
    atomic_write_json,
    elapsed_seconds,
    load_state,
    now_iso,
    parse_iso,
    read_json,
    read_status,
    save_state,
    validate_stream_name,
)
from buildrunner.orchestration.telemetry import emit

IGNORE_ALL = "# created by br: machine-local orchestration files\n*\n"


def main_root(root: Path) -> Path:
    """The main worktree of the repository containing `root` (so a worker started inside a
    stream's worktree still finds the orchestrator's files)."""
    proc = wt.git(root, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
    if proc.returncode != 0:
        return root
    common = Path(proc.stdout.strip())
    return common.parent if common.name == ".git" else root


class Orchestrator:
    def __init__(self, root: Path, br_dir: Path | None = None, *, config=None):
        self.root = main_root(Path(root))
        self.paths = Paths(br_dir or self.root / ".buildrunner")
        self.config = config
        self.state: dict | None = None
        self.plan: Plan | None = None
        self.plan_changed = False
        self.adopted_branches: dict[str, int] = {}  # fresh start: stream branch → commits it already had

    # -- setup ------------------------------------------------------------------------------

    def _cfg(self, key: str):
        if self.config is None:
            from buildrunner import config as cfgmod

            self.config = cfgmod.load(self.paths.br_dir / "config.yaml")
        return self.config.get(key)

    def default_plan_path(self) -> Path:
        configured = self._cfg("orchestration.plan")
        if configured:
            p = Path(configured)
            return p if p.is_absolute() else self.root / p
        for candidate in (self.paths.br_dir / "plan.yaml", self.root / "plan.yaml"):
            if candidate.exists():
                return candidate
        return self.paths.br_dir / "plan.yaml"

    def load(self) -> dict:
        """Load existing state (no changes); raises when there is no run."""
        state = load_state(self.paths)
        if state is None:
            raise BrError("no parallel build has been started here",
                          hint="start one with `br orchestrate --parallel --plan PLAN.yaml`")
        self.state = state
        self.plan = load_plan(state["plan_path"])
        return state

    def start(self, plan_path: Path | None = None, *, restart: bool = False) -> tuple[dict, bool]:
        """Start a run, or resume the one in state.json. Returns (state, resumed)."""
        wt.ensure_repo(self.root)
        existing = None if restart else load_state(self.paths)
        path = Path(plan_path) if plan_path else (Path(existing["plan_path"]) if existing else self.default_plan_path())
        plan = load_plan(path)
        self.plan = plan
        for d in (self.paths.commands_dir, self.paths.status_dir, self.paths.orch_dir, self.paths.worktrees_dir):
            d.mkdir(parents=True, exist_ok=True)
            gi = d / ".gitignore"
            if not gi.exists():
                gi.write_text(IGNORE_ALL, encoding="utf-8")
        resumed = existing is not None
        self.plan_changed = bool(existing and existing.get("plan_digest") != plan.digest)
        if existing:
            state = existing
            known = set(plan.tasks)
            state["done"] = [t for t in state.get("done", []) if t in known]
            state["plan_path"] = str(path.resolve())
            state["plan_digest"] = plan.digest
        else:
            integration = plan.integration_branch or self._cfg("orchestration.integration_branch") \
                or wt.current_branch(self.root)
            if wt.rev(self.root, f"refs/heads/{integration}") is None:
                raise BrError(f"integration branch {integration!r} does not exist",
                              hint="create it, or set integration_branch in the plan")
            state = {"plan_path": str(path.resolve()), "plan_name": plan.name, "plan_digest": plan.digest,
                     "integration_branch": integration, "started_at": now_iso(), "batch": None,
                     "batch_counter": 0, "done": [], "streams": {}, "conflicts": [], "merges": [],
                     "finished": False}
            for old in self.paths.status_dir.glob("*.json"):  # statuses of a previous run are stale
                old.unlink()
        self.state = state
        start = wt.rev(self.root, f"refs/heads/{state['integration_branch']}")
        for stream in plan.streams:
            info = state["streams"].setdefault(stream.name, {"held": False, "pending_tasks": []})
            if not existing and wt.rev(self.root, f"refs/heads/{wt.branch_name(stream.name)}"):
                ahead = wt.commits_between(self.root, start, f"refs/heads/{wt.branch_name(stream.name)}")
                if ahead:  # a branch of the same name from earlier work: its commits would be merged too
                    self.adopted_branches[wt.branch_name(stream.name)] = len(ahead)
            branch, path_ = wt.ensure_stream_worktree(self.root, self.paths.worktrees_dir, stream.name, start)
            info["branch"], info["worktree"] = branch, str(path_)
        if state.get("batch") is None and not state.get("finished"):
            self.prepare_next_batch()
        else:
            save_state(self.paths, state)
        return state, resumed

    # -- batches ----------------------------------------------------------------------------

    def _held(self) -> set[str]:
        return {n for n, s in self.state["streams"].items() if s.get("held")}

    def _in_progress(self) -> set[str]:
        return {t for s in self.state["streams"].values() for t in s.get("pending_tasks", [])}

    def unfinished_streams(self) -> dict[str, str]:
        """Streams of the current batch that are neither merged nor held: name → status."""
        batch = self.state.get("batch") or {}
        out = {}
        for name, task_ids in (batch.get("assignments") or {}).items():
            info = self.state["streams"].get(name, {})
            if not task_ids or info.get("held") or name in batch.get("merged", []):
                continue
            st = read_status(self.paths, name)
            current = st.get("batch_id") == batch.get("id")
            out[name] = st.get("status", "idle") if current or st.get("status") == "error" else "not started"
        return out

    def prepare_next_batch(self, *, force: bool = False) -> Batch | None:
        """Compute the next batch and hand it out (command + prompt file per stream)."""
        state, plan = self.state, self.plan
        if state.get("batch") and not force:
            waiting = self.unfinished_streams()
            if waiting:
                raise BrError("the current batch is not finished: " +
                              ", ".join(f"{n} ({s})" for n, s in sorted(waiting.items())),
                              hint="merge the complete streams first, or `next force` to hand their tasks out again")
        done = set(state["done"])
        if len(done) >= len(plan.tasks):
            state["finished"], state["batch"] = True, None
            for stream in plan.streams:
                self._write_command(stream.name, {"done": True, "message": "every task of the plan is merged"})
            save_state(self.paths, state)
            emit("orchestration.plan_completed", self.root, success=True, batches=state["batch_counter"],
                 tasks=len(plan.tasks))
            return None
        number = state["batch_counter"] + 1
        batch = next_batch(plan, number, done, held=self._held(), in_progress=self._in_progress())
        if batch.empty:
            state["batch"] = None
            save_state(self.paths, state)
            return batch
        state["batch_counter"] = number
        batch_id = f"batch-{number}"
        state["batch"] = {"id": batch_id, "number": number, "started_at": now_iso(),
                          "assignments": {s: [t.id for t in ts] for s, ts in batch.assignments.items()},
                          "waiting": batch.to_json()["waiting"], "merged": []}
        tasks = plan.tasks
        completed = [{"id": t, "title": tasks[t].title, "stream": tasks[t].stream} for t in plan.tasks if t in done]
        files_by_stream = {s: sorted({f for t in ts for f in t.files}) for s, ts in batch.assignments.items()}
        for stream in plan.streams:
            info = state["streams"][stream.name]
            if info.get("held") and info.get("resolution"):
                continue  # its command file holds the resolution work
            assigned = batch.assignments.get(stream.name, [])
            base = wt.rev(self.root, f"refs/heads/{info['branch']}")
            command = {"stream": stream.name, "plan": plan.name, "batch_id": batch_id, "batch_number": number,
                       "created_at": now_iso(), "branch": info["branch"], "worktree": info["worktree"],
                       "integration_branch": state["integration_branch"], "base_commit": base,
                       "tasks": [self._task_json(t) for t in assigned],
                       "waiting": [{"task": t.id, "reason": r} for t, r in batch.waiting if t.stream == stream.name],
                       "context": self._context(completed, {s: f for s, f in files_by_stream.items()
                                                            if s != stream.name})}
            self._hand_out(stream.name, command)
        save_state(self.paths, state)
        emit("orchestration.batch_started", self.root, batch=number, streams=len(batch.assignments),
             tasks=sum(len(v) for v in batch.assignments.values()), waiting=len(batch.waiting))
        return batch

    def _task_json(self, task) -> dict:
        """A task as the command file carries it, with the model it runs on (task or plan
        `model:`, else the router's choice) and why."""
        self._cfg("model.routing")  # loads the project config the router reads
        routed = route_task(task, plan_model=self.plan.model, root=self.root, config=self.config)
        emit("orchestration.task_routed", self.root, model=routed["model"], tier=routed["tier"],
             source=routed["source"], complexity=routed["complexity"])
        return {**task.to_json(), "model": routed["model"], "model_tier": routed["tier"],
                "model_source": routed["source"], "model_reason": routed["reason"]}

    def _context(self, completed: list[dict], other_streams: dict) -> dict:
        """The `context` of a command file (key names as in the product spec; schema in
        docs/PARALLEL_BUILDS.md)."""
        decisions, _ = dec.load(self.paths)
        return {"completed": completed, "shared_decisions": decisions,
                "contradictory_decisions": dec.topic_conflicts(decisions), "other_streams": other_streams}

    def _hand_out(self, stream: str, command: dict) -> None:
        prompt = self.paths.prompts_dir / f"{stream}-{command['batch_id']}.md"
        atomic_write_text(prompt, build_prompt(command))  # `br session` may be reading it
        command["prompt_file"] = str(prompt)
        self._write_command(stream, command)

    def _write_command(self, stream: str, command: dict) -> None:
        atomic_write_json(self.paths.command_file(stream), command)

    # -- merging ----------------------------------------------------------------------------

    def mergeable_streams(self) -> list[str]:
        """Streams whose batch is complete but not merged, plus held streams (maybe resolved)."""
        batch = self.state.get("batch") or {}
        names = []
        for name in self.plan.stream_order():
            info = self.state["streams"][name]
            status = read_status(self.paths, name)
            finished_now = (status.get("status") == COMPLETE and status.get("batch_id") == batch.get("id")
                            and name not in batch.get("merged", []) and (batch.get("assignments") or {}).get(name))
            if finished_now or info.get("held"):
                names.append(name)
        return names

    def refresh(self) -> None:
        """Re-read state.json (another `br merge` or orchestrator may have changed it)."""
        state = load_state(self.paths)
        if state is not None:
            self.state = state

    def merge(self, names: list[str] | None = None, *, dry_run: bool = False, prepare_next: bool = True):
        """Check and merge streams; record the result; prepare the next batch when the round is over.

        Serialized with a lock file, so `br merge` in one terminal and `merge` at the orchestrator's
        prompt in another cannot interleave."""
        from filelock import FileLock

        self.paths.orch_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.paths.orch_dir / "merge.lock"), timeout=120):
            self.refresh()
            return self._merge(names, dry_run=dry_run, prepare_next=prepare_next)

    def _merge(self, names: list[str] | None, *, dry_run: bool, prepare_next: bool):
        state = self.state
        if names:
            for n in names:
                validate_stream_name(n)
                self.plan.stream(n)
            order = [n for n in self.plan.stream_order() if n in names]
        else:
            order = self.mergeable_streams()
        batch = state.get("batch") or {}
        for name in order:  # tasks finished on the branch but not merged yet
            info = state["streams"][name]
            status = read_status(self.paths, name)
            if status.get("status") == COMPLETE and status.get("batch_id") == batch.get("id"):
                info["pending_tasks"] = sorted(set(info.get("pending_tasks", [])) |
                                               set((batch.get("assignments") or {}).get(name, [])))
                info["work_batch"] = info.get("work_batch") or batch.get("id")
        running = [n for n in order if read_status(self.paths, n).get("status") == RUNNING]
        moved = {n: why for n in order if n not in running and (why := self._moved_since_report(n))}
        pairs = [(n, state["streams"][n]["branch"]) for n in order if n not in running and n not in moved]
        verifier = self._verifier() if not dry_run else None
        labels = {n: state["streams"][n].get("work_batch") or batch.get("id") or "" for n in order}
        report = mg.run_merge(self.root, state["integration_branch"], pairs, message=labels, dry_run=dry_run,
                              verify=verifier)
        self._emit_verify(verifier)
        for n in running:  # never merge a branch an agent is still committing to
            report.streams.append(mg.StreamMerge(n, state["streams"][n]["branch"], "skipped",
                                                 message="its worker is still running; merge it when it is done"))
        for n, why in moved.items():
            report.streams.append(mg.StreamMerge(n, state["streams"][n]["branch"], "refused", message=why))
        if dry_run:
            return report
        entry = {"at": now_iso(), "batch_id": batch.get("id"), "before": report.before, "after": report.after,
                 "streams": {s.stream: s.result for s in report.streams},
                 "conflicts": [c.to_json() for c in report.conflicts], "suggestions": report.suggestions}
        state["merges"].append(entry)
        open_conflicts = [c for c in state.get("conflicts", []) if not set(c["sides"]) & set(order)]
        for sm in report.streams:
            open_conflicts += self._record_result(sm, report, batch)
        state["conflicts"] = open_conflicts
        if report.conflicts:
            kinds: dict[str, int] = {}
            for c in report.conflicts:
                kinds[c.kind] = kinds.get(c.kind, 0) + 1
            emit("orchestration.conflicts_found", self.root, count=len(report.conflicts),
                 **{f"kind_{k}": v for k, v in kinds.items()})
        self.sync_stream_branches()
        save_state(self.paths, state)
        if prepare_next and not state.get("finished") and (not state.get("batch") or not self.unfinished_streams()):
            if state.get("batch"):
                started = parse_iso(batch.get("started_at"))
                emit("orchestration.batch_completed", self.root, batch=batch.get("number"),
                     merged=len(batch.get("merged", [])), held=len(self._held()), success=not self._held(),
                     duration_ms=int((time.time() - started) * 1000) if started else None)
            self.prepare_next_batch(force=True)
        return report

    def _verifier(self):
        if not self.plan.verify:
            return None
        from buildrunner.orchestration.verify import Verifier

        return Verifier(self.root, self.plan.verify, timeout=self.plan.verify_timeout, log_dir=self.paths.logs_dir)

    def _emit_verify(self, verifier) -> None:
        if verifier is not None and verifier.runs:
            emit("orchestration.verify", self.root, runs=verifier.runs,
                 success=all(r.ok for r in verifier.results.values()),
                 duration_ms=int(sum(r.seconds for r in verifier.results.values()) * 1000))

    def _record_result(self, sm: mg.StreamMerge, report: mg.MergeReport, batch: dict) -> list[dict]:
        """Apply one stream's merge result to the state; returns its open conflicts."""
        state = self.state
        info = state["streams"][sm.stream]
        conflicts: list[dict] = []
        if sm.result == "merged":
            state["done"] = sorted(set(state["done"]) | set(info.get("pending_tasks", [])))
            info["pending_tasks"] = []
            info.pop("work_batch", None)
            batch.setdefault("merged", []).append(sm.stream)
        elif sm.result == "held":
            info["held"] = True
            conflicts = [c.to_json() for c in sm.conflicts]
            self._hand_out_resolution(sm, report)
        if sm.result in {"merged", "nothing"}:
            info["held"] = False
            for key in ("resolution", "resolution_id"):
                info.pop(key, None)
        emit("orchestration.merge_result", self.root, stream=sm.stream, result=sm.result,
             success=sm.result in {"merged", "nothing"}, conflicts=len(sm.conflicts))
        return conflicts

    def _hand_out_resolution(self, sm: mg.StreamMerge, report: mg.MergeReport) -> None:
        """Give a held stream's worker something to act on: a resolution command and prompt."""
        state, name = self.state, sm.stream
        info = state["streams"][name]
        info["resolution_count"] = info.get("resolution_count", 0) + 1
        rid = f"{info.get('work_batch') or 'held'}-resolve-{info['resolution_count']}"
        info["resolution_id"], info["resolution"] = rid, True
        other: dict[str, list[dict]] = {}
        for c in sm.conflicts:
            for label, shas in c.commits.items():
                if label != name:
                    known = other.setdefault(label, [])
                    known += [{"sha": sha, "subject": wt.subject(self.root, sha)} for sha in shas
                              if all(k["sha"] != sha for k in known)]
        files = sorted({c.file for c in sm.conflicts if c.file} | {c.other_file for c in sm.conflicts if c.other_file})
        tasks = [self._task_json(self.plan.tasks[t]) for t in info.get("pending_tasks", []) if t in self.plan.tasks]
        done = set(state["done"])
        completed = [{"id": t.id, "title": t.title, "stream": t.stream} for t in self.plan.tasks.values()
                     if t.id in done]
        command = {"stream": name, "plan": self.plan.name, "kind": "resolution", "batch_id": rid,
                   "batch_number": None, "created_at": now_iso(), "branch": info["branch"],
                   "worktree": info["worktree"], "integration_branch": state["integration_branch"],
                   "base_commit": wt.rev(self.root, f"refs/heads/{info['branch']}"), "tasks": tasks, "waiting": [],
                   "resolution": {"conflicts": [c.to_json() for c in sm.conflicts], "files": files,
                                  "other_commits": other, "order": report.suggestions, "verify": self.plan.verify},
                   "context": self._context(completed, {})}
        self._hand_out(name, command)

    def _moved_since_report(self, name: str) -> str | None:
        """Why a stream's branch must not merge: it moved after its worker checked and reported it
        (e.g. an orphaned agent kept committing), so the commits after the report are unchecked."""
        status = read_status(self.paths, name)
        info = self.state["streams"][name]
        current = {(self.state.get("batch") or {}).get("id"), info.get("resolution_id")} - {None}
        if status.get("status") != COMPLETE or status.get("batch_id") not in current or not status.get("commit"):
            return None
        tip = wt.rev(self.root, f"refs/heads/{info['branch']}")
        reported = status["commit"]
        if tip is None or tip == reported:
            return None
        return (f"{info['branch']} is at {tip[:10]} but its worker reported {reported[:10]} for "
                f"{status['batch_id']}: the commits after the report were never checked. Inspect them "
                f"(git log {reported[:10]}..{info['branch']}), then drop them with "
                f"`git -C {info['worktree']} reset --keep {reported[:10]}` and merge again")

    def sync_stream_branches(self) -> None:
        """Fast-forward idle, unheld stream branches to the integration branch (new context)."""
        target = self.state["integration_branch"]
        for name, info in self.state["streams"].items():
            if info.get("held") or read_status(self.paths, name).get("status") == RUNNING:
                continue
            path = Path(info["worktree"])
            if path.exists():
                wt.fast_forward(path, target)

    # -- reporting --------------------------------------------------------------------------

    def stream_rows(self) -> list[dict]:
        batch = (self.state or {}).get("batch") or {}
        rows = []
        for stream in self.plan.streams:
            info = self.state["streams"].get(stream.name, {})
            st = read_status(self.paths, stream.name)
            assigned = (batch.get("assignments") or {}).get(stream.name, [])
            status = st.get("status", "idle")
            plan_done = sum(1 for t in stream.tasks if t.id in self.state["done"])
            current = st.get("batch_id") == batch.get("id")
            if info.get("held"):
                # the held work is what the card shows: its tasks and the resolution's progress
                assigned = info.get("pending_tasks", [])
                current = st.get("batch_id") == info.get("resolution_id")
                resolved = status == COMPLETE and st.get("batch_id") == info.get("resolution_id")
                status = "resolved" if resolved else "conflict" if status in {COMPLETE, "idle", READY} else status
            elif stream.name in batch.get("merged", []):
                status = "merged"
            elif plan_done == len(stream.tasks) and status not in {RUNNING, "error"}:
                status = "done"  # every task of the stream is merged
            elif not assigned and status not in {RUNNING, "error", INTERRUPTED, FAILED}:
                status = "waiting"
            elif assigned and st.get("batch_id") != batch.get("id") and status != "error":
                status = READY  # handed out; no worker has started it yet
            rows.append({"stream": stream.name, "status": status,
                         "batch_id": info.get("resolution_id") if info.get("held") else batch.get("id"),
                         "tasks_done": len(st.get("completed_tasks") or []) if current else 0,
                         "tasks_total": len(assigned), "tasks": assigned, "held": bool(info.get("held")),
                         "resolution_id": info.get("resolution_id"),
                         "plan_done": plan_done, "plan_total": len(stream.tasks),
                         "branch": info.get("branch"), "commit": st.get("commit"),
                         "commit_subject": st.get("commit_subject"),
                         "started_at": st.get("started_at"), "finished_at": st.get("finished_at"),
                         "elapsed": elapsed_seconds(st), "error": st.get("error"),
                         "warnings": st.get("warnings") or []})
        return rows

    def snapshot(self) -> dict:
        """Everything the dashboard and `status` show, from the files (never raises on bad files)."""
        try:
            state = load_state(self.paths)
        except BrError as exc:
            return {"error": exc.message, "streams": [], "decisions": [], "conflicts": [], "merges": []}
        decisions, dec_error = dec.load(self.paths)
        base = {"decisions": decisions, "decision_conflicts": dec.topic_conflicts(decisions),
                "decisions_error": dec_error}
        if state is None:
            return {**base, "error": None, "started": False, "streams": self._orphan_rows(),
                    "conflicts": [], "merges": []}
        self.state = state
        try:
            if self.plan is None or str(self.plan.path and self.plan.path.resolve()) != state["plan_path"]:
                self.plan = load_plan(state["plan_path"])
        except BrError as exc:
            return {**base, "error": exc.message, "streams": self._orphan_rows(), "conflicts": [], "merges": []}
        batch = state.get("batch") or {}
        return {**base, "error": None, "started": True, "plan": state.get("plan_name"),
                "integration_branch": state["integration_branch"], "finished": state.get("finished", False),
                "batch": {"id": batch.get("id"), "number": batch.get("number"), "started_at": batch.get("started_at"),
                          "waiting": batch.get("waiting", [])},
                "tasks_done": len(state["done"]), "tasks_total": len(self.plan.tasks),
                "streams": self.stream_rows(), "conflicts": state.get("conflicts", []),
                "resolution_order": self._resolution_order(),
                "merges": list(reversed(state.get("merges", [])))[:20]}

    def _resolution_order(self) -> list[str]:
        """The suggested order of the last merge round that held a stream still held."""
        held = self._held()
        for entry in reversed(self.state.get("merges", [])):
            if held & {s for s, r in (entry.get("streams") or {}).items() if r == "held"}:
                return entry.get("suggestions") or []
        return []

    def _orphan_rows(self) -> list[dict]:
        """Status files without a run (e.g. the dashboard started before the orchestrator)."""
        rows = []
        for f in sorted(self.paths.status_dir.glob("*.json")) if self.paths.status_dir.exists() else []:
            try:
                st = read_status(self.paths, f.stem)
            except BrError:
                continue
            rows.append({"stream": f.stem, "status": st.get("status"), "batch_id": st.get("batch_id"),
                         "tasks_done": len(st.get("completed_tasks") or []), "tasks_total": st.get("total_tasks", 0),
                         "branch": st.get("branch"), "commit": st.get("commit"), "elapsed": elapsed_seconds(st),
                         "started_at": st.get("started_at"), "finished_at": st.get("finished_at"),
                         "error": st.get("error"), "warnings": st.get("warnings") or []})
        return rows

    def command_for(self, stream: str) -> dict:
        validate_stream_name(stream)
        data, error = read_json(self.paths.command_file(stream))
        if error:
            raise BrError(error)
        if data is None:
            raise BrError(f"no command for stream {stream!r} yet",
                          hint="start the orchestrator first: br orchestrate --parallel")
        return data
