"""A stream's worker: watch the command file, run each batch in the stream's worktree, report.

The worker runs `orchestration.agent_command` (e.g. `claude -p --model {model}`) with the prompt
on its stdin and `{prompt_file}`, `{stream}`, `{worktree}`, `{branch}`, `{batch_id}`, `{model}`
substituted (shell-quoted); the same values are in the environment (`BR_MODEL`, ...). Tasks
routed to different models run as separate agent runs, one per model. With no agent command it prints the prompt, copies it to
the clipboard and waits for `done`. Either way it then checks that the stream's branch has new
commits and writes `.buildrunner/status/<stream>.json`.

The status file is rewritten at every step (atomically). SIGTERM and Ctrl-C stop the agent and
record `interrupted`; after a SIGKILL the last status still says `running` with the worker's pid,
which readers turn into `interrupted` once that pid is gone (see `state.read_status`).
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from buildrunner.engine.masking import sanitize_text
from buildrunner.errors import BrError
from buildrunner.fsutil import atomic_write_text
from buildrunner.orchestration import agents
from buildrunner.orchestration import worktrees as wt
from buildrunner.orchestration.prompts import build_prompt, copy_to_clipboard
from buildrunner.orchestration.state import (
    COMPLETE,
    FAILED,
    INTERRUPTED,
    RUNNING,
    Paths,
    now_iso,
    pid_alive,
    read_json,
    read_status,
    validate_stream_name,
    write_status,
)
from buildrunner.orchestration.telemetry import emit

POLL_SECONDS = 0.2
_PLACEHOLDER = re.compile(r"\{(prompt_file|stream|worktree|branch|batch_id|model)\}")


class WorkerStopped(Exception):
    """Raised in the worker's main thread by SIGTERM (or SIGHUP)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum, frame):  # pragma: no cover - exercised through a subprocess
    raise WorkerStopped(signum)


def install_signal_handlers() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_stopped)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, _raise_stopped)


class Worker:
    def __init__(self, paths: Paths, stream: str, *, agent_command: str = "", out: Callable[[str], None] = print,
                 project_root: Path | None = None):
        self.paths = paths
        self.stream = validate_stream_name(stream)
        self.agent_command = agent_command or ""
        self.out = out
        self.project_root = project_root

    # -- reading ----------------------------------------------------------------------------

    def command(self) -> tuple[dict | None, str | None]:
        data, error = read_json(self.paths.command_file(self.stream))
        if data is not None and not isinstance(data, dict):
            return None, "command file does not hold a JSON object"
        return data, error

    def is_pending(self, command: dict | None) -> bool:
        """True when the command holds tasks this worker has not completed yet."""
        if not command or command.get("done") or not (command.get("tasks") or command.get("kind") == "resolution"):
            return False
        status = read_status(self.paths, self.stream)
        return not (status.get("batch_id") == command.get("batch_id") and status.get("status") in {COMPLETE, RUNNING})

    def describe(self, command: dict) -> str:
        if command.get("done"):
            return f"All tasks of the plan are merged; nothing left for stream {self.stream}."
        tasks = command.get("tasks") or []
        if command.get("kind") == "resolution":
            res = command.get("resolution") or {}
            lines = [f"Found resolution work {command.get('batch_id')} for stream {self.stream}: its work is held "
                     f"({len(res.get('conflicts') or [])} conflict(s) in {', '.join(res.get('files') or []) or '-'})."]
            lines += [f"  - [{c.get('kind')}] {' vs '.join(c.get('sides') or [])}: {c.get('detail')}"
                      for c in res.get("conflicts") or []]
            lines.append("Type 'continue' to let the agent resolve it ('show' prints the prompt).")
            return "\n".join(lines)
        if not tasks:
            lines = [f"No tasks for stream {self.stream} in {command.get('batch_id')}."]
            lines += [f"  - {w['task']} waits: {w['reason']}" for w in command.get("waiting") or []]
            return "\n".join(lines)
        lines = [f"Found batch {command.get('batch_id')} for stream {self.stream} ({len(tasks)} task"
                 f"{'s' if len(tasks) != 1 else ''}):"]
        lines += [f"  - {t['id']}: {t.get('title', '')} [{', '.join(t.get('files') or [])}]" for t in tasks]
        lines.append("Type 'continue' to start ('show' prints the prompt).")
        return "\n".join(lines)

    def prompt_text(self, command: dict) -> str:
        from buildrunner.orchestration import decisions as dec

        if command.get("done"):  # the plan is finished: there is no prompt, say so
            return self.describe(command)
        decisions, _ = dec.load(self.paths)
        return build_prompt(command, decisions)

    # -- running ----------------------------------------------------------------------------

    def stop_orphaned_agent(self) -> str | None:
        """Stop the agent a dead worker of this stream left running (e.g. after SIGKILL).

        Only when the recorded worker is gone and the recorded agent is still the process that
        was started (pid reuse is checked); returns what was done, for the terminal."""
        data, _ = read_json(self.paths.status_file(self.stream))
        if not isinstance(data, dict) or not isinstance(data.get("agent_pid"), int):
            return None
        if data.get("host") and data["host"] != socket.gethostname():
            return None
        if data.get("pid") not in (None, os.getpid()) and pid_alive(data.get("pid"), data.get("host")):
            return None  # its worker is alive and owns it
        pgid = data["agent_pid"]
        message = None
        if agents.group_alive(pgid) and agents.is_recorded_agent(pgid, data.get("agent_ticks")):
            stopped = agents.stop_group(pgid)
            message = (f"Stopped the agent (process group {pgid}) left running by a previous worker of stream "
                       f"{self.stream}." if stopped else
                       f"warning: could not stop the agent (process group {pgid}) of a previous worker.")
        write_status(self.paths, self.stream, agent_pid=None)
        if message:
            self.out(message)
        return message

    def run_batch(self, command: dict, *, wait_done: Callable[[], bool] | None = None) -> dict:
        """Run one batch to the end; returns the final status. Never leaves `running` behind
        unless the process is killed outright."""
        worktree = Path(command["worktree"])
        branch = command["branch"]
        if not worktree.is_dir():
            raise BrError(f"worktree {worktree} of stream {self.stream} is missing",
                          hint="restart the orchestrator: it recreates missing worktrees")
        start = wt.rev(worktree, "HEAD")
        base = command.get("base_commit") or start
        prompt = self.prompt_text(command)
        prompt_file = Path(command.get("prompt_file") or self.paths.prompts_dir / f"{self.stream}-{command['batch_id']}.md")
        atomic_write_text(prompt_file, prompt)
        task_ids = [t["id"] for t in command.get("tasks") or []]
        write_status(self.paths, self.stream, status=RUNNING, batch_id=command["batch_id"],
                     batch_number=command.get("batch_number"), tasks=task_ids, total_tasks=len(task_ids),
                     completed_tasks=[], branch=branch, commit=start, commit_subject=wt.subject(worktree, start),
                     start_commit=start, started_at=now_iso(), finished_at=None, error=None, warnings=[],
                     pid=os.getpid(), host=socket.gethostname(), mode="agent" if self.agent_command else "manual")
        runs = agent_runs(command)
        emit("orchestration.worker_batch_started", self.project_root, stream=self.stream,
             batch=command.get("batch_number"), tasks=len(task_ids), mode="agent" if self.agent_command else "manual",
             models=",".join(sorted({m for m, _ in runs if m})), kind=command.get("kind") or "batch")
        t0 = time.monotonic()
        try:
            if self.agent_command:
                error = None
                for i, (model, tasks) in enumerate(runs, 1):
                    run_command, run_prompt = command, prompt_file
                    if len(runs) > 1:  # one agent run per model: the prompt holds that run's tasks
                        run_command = {**command, "tasks": tasks}
                        run_prompt = prompt_file.with_name(f"{prompt_file.stem}-{i}{prompt_file.suffix}")
                        atomic_write_text(run_prompt, self.prompt_text(run_command))
                    error = self._run_agent(run_command, run_prompt, worktree, base, task_ids, model)
                    if error:
                        break
            else:
                error = self._run_manual(prompt, wait_done)
        except (WorkerStopped, KeyboardInterrupt) as exc:
            why = f"signal {exc}" if isinstance(exc, WorkerStopped) else "Ctrl-C"
            write_status(self.paths, self.stream, status=INTERRUPTED, finished_at=now_iso(),
                         error=f"worker stopped by {why} during the batch", pid=None)
            self._emit_interrupted(command, time.monotonic() - t0)
            raise
        if error == "stopped":
            self._emit_interrupted(command, time.monotonic() - t0)
            return write_status(self.paths, self.stream, status=INTERRUPTED, finished_at=now_iso(),
                                error="stopped before the batch was done", pid=None)
        return self._finish(command, worktree, base, task_ids, error, time.monotonic() - t0)

    def _emit_interrupted(self, command: dict, seconds: float) -> None:
        emit("orchestration.worker_batch_completed", self.project_root, stream=self.stream,
             batch=command.get("batch_number"), result=INTERRUPTED, success=False, duration_ms=int(seconds * 1000))

    def _finish(self, command, worktree: Path, base: str, task_ids: list[str], error: str | None,
                seconds: float) -> dict:
        head = wt.rev(worktree, "HEAD")
        new = wt.commits_between(worktree, base, head) if head and base else []
        warnings: list[str] = []
        current_branch = wt.git(worktree, "symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.strip()
        if current_branch != command["branch"]:
            error = error or f"the worktree is on {current_branch or 'a detached HEAD'}, not {command['branch']}"
        if not error and not new:
            error = f"the agent finished but {command['branch']} has no new commits"
        changed = wt.changed_files(worktree, base, head) if new else []
        allowed = {f for t in command.get("tasks") or [] for f in t.get("files") or []}
        outside = [f for f in changed if not any(f == a or f.startswith(a.rstrip("/") + "/") for a in allowed)]
        if command.get("kind") == "resolution":
            outside = []  # merging the integration branch brings in everybody's files
            target = wt.rev(worktree, f"refs/heads/{command.get('integration_branch')}")
            if not error and head and target and not wt.is_ancestor(worktree, target, head):
                error = (f"{command['branch']} does not contain {command.get('integration_branch')} yet: "
                         f"run `git merge {command.get('integration_branch')}` in the worktree and resolve")
        if outside:
            warnings.append("changed files outside the stream's task list: " + ", ".join(outside))
        if wt.is_dirty(worktree):
            warnings.append("the worktree has uncommitted changes (not part of the merge)")
        status = COMPLETE if not error else FAILED
        final = write_status(self.paths, self.stream, status=status, completed_tasks=task_ids if not error else
                             self._tasks_in_commits(worktree, base, head, task_ids),
                             commit=head, commit_subject=wt.subject(worktree, head) if head else "",
                             commits=len(new), files_changed=changed, finished_at=now_iso(), error=error,
                             warnings=warnings, pid=None)
        emit("orchestration.worker_batch_completed", self.project_root, stream=self.stream,
             batch=command.get("batch_number"),
             result=status, success=status == COMPLETE, commits=len(new), duration_ms=int(seconds * 1000), outside_files=len(outside))
        return final

    @staticmethod
    def _tasks_in_commits(worktree: Path, base: str, head: str | None, task_ids: list[str]) -> list[str]:
        """Tasks whose id appears in a commit message since `base` (live progress)."""
        if not head or head == base:
            return []
        log = wt.git(worktree, "log", "--format=%B", f"{base}..{head}", check=False).stdout
        return [t for t in task_ids if t in log]

    def _run_agent(self, command: dict, prompt_file: Path, worktree: Path, base: str, task_ids: list[str],
                   model: str = "") -> str | None:
        values = {"prompt_file": str(prompt_file), "stream": self.stream, "worktree": str(worktree),
                  "branch": command["branch"], "batch_id": command["batch_id"], "model": model}
        # only the known placeholders are replaced: other braces (`${HOME}`, JSON) pass through
        cmdline = _PLACEHOLDER.sub(lambda m: shlex.quote(values[m.group(1)]), self.agent_command)
        env = {**os.environ, "BR_STREAM": self.stream, "BR_BATCH_ID": command["batch_id"],
               "BR_PROMPT_FILE": str(prompt_file), "BR_WORKTREE": str(worktree), "BR_BRANCH": command["branch"],
               "BR_MODEL": model}
        self.paths.logs_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.paths.logs_dir / f"{self.stream}-{command['batch_id']}.log"
        self.out(f"Running: {sanitize_text(cmdline)}  (in {worktree}; log: {log_path})")
        with open(prompt_file, "rb") as stdin, open(log_path, "ab") as log:
            # own session (process group) + parent-death signal: the agent never outlives the worker
            proc = subprocess.Popen(agents.guarded(cmdline), cwd=worktree, stdin=stdin, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                    preexec_fn=agents.child_setup(os.getpid()))
            write_status(self.paths, self.stream, agent_pid=proc.pid, agent_ticks=agents.start_ticks(proc.pid))
            reader = threading.Thread(target=self._pump, args=(proc, log), daemon=True)
            reader.start()
            try:
                last_progress: list[str] = []
                while proc.poll() is None:
                    time.sleep(POLL_SECONDS * 2)
                    done = self._tasks_in_commits(worktree, base, wt.rev(worktree, "HEAD"), task_ids)
                    if done != last_progress:
                        last_progress = done
                        head = wt.rev(worktree, "HEAD")
                        write_status(self.paths, self.stream, completed_tasks=done, commit=head,
                                     commit_subject=wt.subject(worktree, head) if head else "")
            except BaseException:
                agents.stop_popen(proc)
                write_status(self.paths, self.stream, agent_pid=None)
                raise
            if agents.group_alive(proc.pid):  # the agent left processes behind: they could still commit
                agents.stop_group(proc.pid)
            write_status(self.paths, self.stream, agent_pid=None)
            reader.join(timeout=2)
        if proc.returncode != 0:
            tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            return f"agent command exited with code {proc.returncode}" + (": " + " | ".join(tail) if tail else "")
        return None

    def _pump(self, proc: subprocess.Popen, log) -> None:
        """Agent output to the log and the terminal, secrets masked (the failure tail quotes the log)."""
        for raw in iter(proc.stdout.readline, b""):
            line = sanitize_text(raw.decode("utf-8", "replace"))
            log.write(line.encode("utf-8"))
            log.flush()
            self.out("  | " + line.rstrip("\n"))

    def _run_manual(self, prompt: str, wait_done: Callable[[], bool] | None) -> str | None:
        self.out(prompt)
        tool = copy_to_clipboard(prompt)
        self.out(f"(prompt copied to the clipboard with {tool})" if tool else
                 "(no clipboard tool found: copy the prompt above)")
        self.out("Paste it into your agent session; type 'done' once its work is committed.")
        if wait_done is None or not wait_done():
            return "stopped"
        return None


def agent_runs(command: dict) -> list[tuple[str, list[dict]]]:
    """The agent runs of a batch: consecutive tasks that share a model go to one run on that
    model (a task never runs on a weaker model than it was routed to). A resolution is one run,
    on the model of its first held task."""
    tasks = command.get("tasks") or []
    if command.get("kind") == "resolution" or not tasks:
        return [(tasks[0].get("model", "") if tasks else "", tasks)]
    runs: list[tuple[str, list[dict]]] = []
    for t in tasks:
        model = t.get("model") or ""
        if runs and runs[-1][0] == model:
            runs[-1][1].append(t)
        else:
            runs.append((model, [t]))
    return runs


# ---------------------------------------------------------------------------------------------
# The interactive loop


def stdin_lines(stream) -> queue.Queue[str | None]:
    """Lines typed by the user, read on a thread so the worker can watch files meanwhile."""
    q: queue.Queue = queue.Queue()

    def read():
        for line in iter(stream.readline, ""):
            q.put(line)
        q.put(None)

    threading.Thread(target=read, daemon=True).start()
    return q


class _Session:
    """One `br worker` session: what was last announced (so a status is printed once, not every
    poll), the last batch's result (the exit code), whether the input ended, and the batches auto
    mode already tried (a failed batch is retried only on `continue`)."""

    def __init__(self, worker: Worker, lines: queue.Queue[str | None], *, auto: bool, once: bool):
        self.worker = worker
        self.out = worker.out
        self.lines = lines
        self.auto = auto
        self.once = once
        self.announced: tuple | None = None
        self.last_result = 0
        self.eof = False
        self.auto_tried: set = set()

    # -- announcing -----------------------------------------------------------------------------

    def announce(self, force: bool = False) -> dict | None:
        """Read the command file and say what changed since the last announcement (everything
        when `force`); returns the command, or None when there is none or it is unreadable."""
        command, error = self.worker.command()
        if error:
            self._say_once(("error", error), force, f"Cannot read the command file: {error}")
            return None
        if command is None:
            self._say_once(("none",), force, "Waiting for the orchestrator to hand out work "
                           f"(no {self.worker.paths.command_file(self.worker.stream)} yet).")
            return None
        key = (command.get("batch_id"), bool(command.get("done")), self.worker.is_pending(command))
        if force or key != self.announced:
            self._describe(command, force)
        self.announced = key
        return command

    def _say_once(self, key: tuple, force: bool, message: str) -> None:
        if force or key != self.announced:
            self.out(message)
        self.announced = key

    def _describe(self, command: dict, force: bool) -> None:
        worker = self.worker
        if worker.is_pending(command) or command.get("done") or not command.get("tasks"):
            self.out(worker.describe(command))
            return
        st = read_status(worker.paths, worker.stream)
        if st.get("status") == RUNNING and st.get("batch_id") == command.get("batch_id") \
                and st.get("pid") != os.getpid():
            self.out(f"Another worker (pid {st.get('pid')}) is running {command.get('batch_id')} of stream "
                     f"{worker.stream}; this one waits.")
        elif force:
            self.out(f"No new batch yet ({command.get('batch_id')} is done; waiting for the orchestrator "
                     "to merge).")

    # -- running a batch --------------------------------------------------------------------------

    def wait_done(self) -> bool:
        """Manual mode: True once the user types `done`; False on `abort`, `quit` or end of input."""
        while True:
            line = self.lines.get()
            if line is None:
                self.eof = True
                return False
            word = line.strip().lower()
            if word == "done":
                return True
            if word in {"quit", "exit"}:
                self.eof = True  # stop the worker after recording the interruption
                return False
            if word == "abort":
                return False
            self.out("Type 'done' when the agent has committed its work, or 'abort'.")

    def run(self, command: dict) -> bool:
        """Run the batch and report; True when the session ends here (`--once`)."""
        self.auto_tried.add(command.get("batch_id"))
        try:
            status = self.worker.run_batch(command, wait_done=self.wait_done)
        except BrError as exc:
            self.last_result = 1
            self.out(f"error: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""))
            return self.once
        if status.get("status") == COMPLETE:
            self.last_result = 0
            self._report_complete(command, status)
        else:
            self.last_result = 1
            self.out(f"Batch {command['batch_id']} did not complete: {status.get('error')}. "
                     "Type 'continue' to retry.")
        return self.once

    def _report_complete(self, command: dict, status: dict) -> None:
        for w in status.get("warnings") or []:
            self.out(f"warning: {w}")
        commits = status.get("commits")
        self.out(f"Done. {command['branch']} is at {str(status.get('commit'))[:10]} "
                 f"({commits} new commit{'s' if commits != 1 else ''}). Type 'check' for more.")

    # -- the loop ---------------------------------------------------------------------------------

    def start(self) -> bool:
        """Before the first prompt: stop a previous worker's orphaned agent, announce, and in auto
        mode run a pending batch at once; True when the session ends here."""
        self.worker.stop_orphaned_agent()
        command = self.announce()
        if self.auto and self.worker.is_pending(command):
            return self.run(command)
        return False

    def idle(self) -> bool:
        """No input this poll: look for a new batch (auto mode runs it); True when the session ends."""
        command = self.announce()
        if command and command.get("done") and (self.auto or self.once):
            return True
        if self.auto and self.worker.is_pending(command) and command.get("batch_id") not in self.auto_tried:
            return self.run(command)  # a batch that failed is retried only on `continue`
        return False

    def loop(self) -> int:
        if self.start():
            return self.last_result
        while not self.eof:
            try:
                line = self.lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self.idle():
                    return self.last_result
                continue
            if line is None:
                break
            word = line.strip().lower()
            if word and self.handle(word):
                break
        return self.last_result

    def handle(self, word: str) -> bool:
        """Run one typed command; True when the session ends."""
        handler = _COMMANDS.get(word)
        if handler is None:
            self.out(f"Unknown command {word!r}. Type 'help'.")
            return False
        return handler(self)

    # -- typed commands (see _COMMANDS) ------------------------------------------------------------

    def cmd_continue(self) -> bool:
        command, error = self.worker.command()
        if self.worker.is_pending(command):
            return self.run(command)
        self.out(self.worker.describe(command) if command else f"No batch to run ({error or 'no command yet'}).")
        return False

    def cmd_check(self) -> bool:
        self.announce(force=True)
        return False

    def cmd_show(self) -> bool:
        command, _ = self.worker.command()
        self.out(self.worker.prompt_text(command) if command else "No command yet.")
        return False

    def cmd_status(self) -> bool:
        st = read_status(self.worker.paths, self.worker.stream)
        self.out(f"{self.worker.stream}: {st.get('status')} {st.get('batch_id') or ''} {st.get('error') or ''}".rstrip())
        return False

    def cmd_quit(self) -> bool:
        return True

    def cmd_help(self) -> bool:
        self.out("Commands: continue (run the batch), check (look for a new batch), show (print the prompt), "
                 "status, quit.")
        return False


# The words `br worker` understands, each to its handler (True from a handler ends the session).
_COMMANDS: dict[str, Callable[[_Session], bool]] = {
    **dict.fromkeys(("continue", "c", "go", "run"), _Session.cmd_continue),
    **dict.fromkeys(("check", "refresh"), _Session.cmd_check),
    **dict.fromkeys(("show", "prompt"), _Session.cmd_show),
    "status": _Session.cmd_status,
    **dict.fromkeys(("quit", "exit", "q"), _Session.cmd_quit),
    **dict.fromkeys(("help", "?"), _Session.cmd_help),
}


def interactive(worker: Worker, lines: queue.Queue[str | None], *, auto: bool = False, once: bool = False) -> int:
    """`br worker`: announce batches, run them on `continue`, report; returns the exit code."""
    return _Session(worker, lines, auto=auto, once=once).loop()


