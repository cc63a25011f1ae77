"""Workers: real subprocesses, killed mid-batch; failures that must be reported, not hidden."""

from __future__ import annotations

import os
import queue
import signal
import time

import pytest

from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.state import read_json, read_status

from .conftest import git, gone, wait_for


def _agent_pid(pidfile):
    return wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() and int(pidfile.read_text()))


@pytest.fixture
def started(project):
    orch = Orchestrator(project.root)
    orch.start()
    return orch


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_a_valid_status_that_says_so(started, scenario, workers, tmp_path):
    root = started.root
    pidfile = tmp_path / "agent.pid"
    childfile = tmp_path / "child.pid"
    agent = scenario({"core/batch-1": {"sleep": 30, "edits": [{"path": "core/pricing.py", "content": "x = 1\n"}],
                                       "child": {"sleep": 30, "path": "core/late.py", "content": "1\n"}}})
    w = workers(root, "core", agent, env={"FAKE_AGENT_PIDFILE": str(pidfile), "FAKE_AGENT_CHILD_PIDFILE": str(childfile)})
    w.expect("Found batch batch-1")
    w.send("continue")
    agent_pid, child_pid = _agent_pid(pidfile), _agent_pid(childfile)
    try:
        raw = wait_for(lambda: (read_json(started.paths.status_file("core"))[0] or {}).get("status") == "running")
        assert raw
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait(timeout=10)
        # parent-death signal: neither the agent nor what it started outlives the worker
        assert wait_for(lambda: gone(agent_pid) and gone(child_pid), timeout=6)
    finally:
        for pid in (agent_pid, child_pid):
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
    data, error = read_json(started.paths.status_file("core"))
    assert error is None and data["status"] == "running" and data["pid"] == w.proc.pid  # the file is intact
    status = read_status(started.paths, "core")
    assert status["status"] == "interrupted"
    assert f"pid {w.proc.pid}" in status["error"]
    row = next(r for r in started.snapshot()["streams"] if r["stream"] == "core")
    assert row["status"] == "interrupted"

    # a new worker offers the interrupted batch again and can finish it
    agent = scenario({"core/batch-1": {"edits": [{"path": "core/pricing.py", "content": "def price(a, b, c):\n    pass\n"}],
                                       "message": "core-currency: redo"}})
    w2 = workers(root, "core", agent)
    w2.expect("Found batch batch-1")
    w2.send("continue")
    w2.expect("Done.")
    assert read_status(started.paths, "core")["status"] == "complete"


@pytest.mark.slow
def test_what_an_agent_started_dies_when_a_worker_restarts_and_cannot_land(started, scenario, workers, tmp_path):
    """When the worker and the agent's guard are both killed outright (no parent-death signal
    can help then), the agent and what it started live on until the next worker of the stream
    stops them; a commit made behind a worker's back is refused by merge."""
    root = started.root
    pidfile, childfile = tmp_path / "agent.pid", tmp_path / "child.pid"
    agent = scenario({"core/batch-1": {"sleep": 30, "edits": [{"path": "core/pricing.py", "content": "x = 1\n"}],
                                       "child": {"sleep": 8, "path": "core/late.py", "content": "late = 1\n"}}})
    w = workers(root, "core", agent, env={"FAKE_AGENT_PIDFILE": str(pidfile), "FAKE_AGENT_CHILD_PIDFILE": str(childfile)})
    w.expect("Found batch batch-1")
    w.send("continue")
    agent_pid = _agent_pid(pidfile)
    child_pid = _agent_pid(childfile)
    guard = wait_for(lambda: (read_json(started.paths.status_file("core"))[0] or {}).get("agent_pid"))
    try:
        os.kill(guard, signal.SIGKILL)
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait(timeout=10)
        time.sleep(0.5)
        assert not gone(agent_pid) and not gone(child_pid)  # orphaned
        w2 = workers(root, "core", scenario({"core/batch-1": {
            "message": "core-currency: redo",
            "edits": [{"path": "core/pricing.py", "content": "def price(item, qty, currency=None):\n    pass\n"}]}}))
        w2.expect("Stopped the agent (process group")
        assert wait_for(lambda: gone(child_pid), timeout=5)
        w2.expect("Found batch batch-1")
        w2.send("continue")
        w2.expect("Done.")
    finally:
        for pid in (agent_pid, child_pid):
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    wt = root / ".buildrunner" / "worktrees" / "core"
    assert not (wt / "core" / "late.py").exists()
    assert "orphan commit" not in git(wt, "log", "--format=%s")
    # a commit made after the worker reported is refused, and merge says why
    reported = read_status(started.paths, "core")["commit"]
    (wt / "core" / "late.py").write_text("late = 2\n")
    git(wt, "add", "core/late.py")
    git(wt, "commit", "-qm", "unchecked")
    report = started.merge(["core"])
    (core,) = [s for s in report.streams if s.stream == "core"]
    assert core.result == "refused" and f"its worker reported {reported[:10]}" in core.message
    assert git(root, "rev-parse", "main") == report.before == report.after
    git(wt, "reset", "-q", "--keep", reported)
    assert {s.stream: s.result for s in started.merge(["core"]).streams}["core"] == "merged"


def test_sigterm_mid_batch_stops_the_agent_and_records_it(started, scenario, workers, tmp_path):
    pidfile = tmp_path / "agent.pid"
    agent = scenario({"api/batch-1": {"sleep": 30, "edits": [{"path": "api/orders.py", "content": "y = 2\n"}]}})
    w = workers(started.root, "api", agent, env={"FAKE_AGENT_PIDFILE": str(pidfile)})
    w.expect("Found batch")
    w.send("continue")
    agent_pid = _agent_pid(pidfile)
    wait_for(lambda: (read_json(started.paths.status_file("api"))[0] or {}).get("status") == "running")
    w.proc.send_signal(signal.SIGTERM)
    assert w.proc.wait(timeout=10) == 128 + signal.SIGTERM
    data, error = read_json(started.paths.status_file("api"))
    assert error is None
    assert data["status"] == "interrupted" and "SIGTERM" in data["error"] and data["pid"] is None
    assert wait_for(lambda: gone(agent_pid), timeout=5)  # the agent did not outlive its worker


def test_agent_without_commits_or_with_an_error_fails_the_batch(started, scenario, workers):
    root = started.root
    agent = scenario({"core/batch-1": {"no_commit": True, "edits": [{"path": "core/pricing.py", "content": "z=1\n"}]},
                      "ui/batch-1": {"exit": 7, "edits": []}})
    core = workers(root, "core", agent)
    ui = workers(root, "ui", agent)
    for w in (core, ui):
        w.expect("Found batch")
        w.send("continue")
    core.expect("did not complete")
    ui.expect("did not complete")
    assert "has no new commits" in read_status(started.paths, "core")["error"]
    ui_status = read_status(started.paths, "ui")
    assert ui_status["status"] == "failed" and "exited with code 7" in ui_status["error"]
    # a failed stream is not offered for merging
    assert started.mergeable_streams() == []
    assert git(root, "rev-parse", "stream/core") == git(root, "rev-parse", "main")


def test_manual_mode_prints_the_prompt_and_waits_for_done(started, workers, tmp_path):
    root = started.root
    clip_log = tmp_path / "clipboard.txt"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "xclip"
    fake.write_text(f"#!/bin/sh\ncat > {clip_log}\n")
    fake.chmod(0o755)
    w = workers(root, "core", "", env={"PATH": f"{bindir}:{os.environ['PATH']}"})
    w.expect("Found batch batch-1")
    w.send("continue")
    w.expect("copied to the clipboard with xclip")
    assert "core-currency" in clip_log.read_text() and "Stay in your files" in clip_log.read_text()
    w.send("done")  # nothing committed yet: the worker says so
    w.expect("has no new commits")
    wt = root / ".buildrunner" / "worktrees" / "core"
    (wt / "core" / "pricing.py").write_text("def price(item, qty, currency):\n    pass\n")
    git(wt, "commit", "-qam", "core-currency: by hand")
    w.send("continue")
    w.expect("type 'done' once")
    w.send("done")
    w.expect("Done.")
    assert read_status(started.paths, "core")["completed_tasks"] == ["core-currency"]


def test_invalid_stream_names_are_refused(br, project):
    for bad in ("../etc", "a/b", "Core", "x" * 41, ".."):
        result = br("worker", "--stream", bad, cwd=project.root)
        assert result.exit_code == 2
        assert "invalid stream name" in result.stderr


def test_a_stream_missing_from_the_running_plan_is_refused_not_awaited(br, br_subprocess, project):
    # (a subprocess: a worker that gets going installs its own signal handlers)
    early = br_subprocess("worker", "--stream", "core", "--once", cwd=project.root, input="", timeout=30)
    assert early.exit_code == 0 and "Waiting for the orchestrator" in early.stdout  # no run yet: wait
    Orchestrator(project.root).start()
    typo = br("worker", "--stream", "cor", cwd=project.root, input="")
    assert typo.exit_code == 2 and "stream 'cor' is not in the plan" in typo.stderr and "core" in typo.stderr


@pytest.mark.slow
def test_auto_mode_runs_without_continue_and_never_loops_on_a_failure(started, scenario, workers):
    agent = scenario({"core/batch-1": {"message": "core-currency: auto",
                                       "edits": [{"path": "core/pricing.py", "content": "def price(a, b, c):\n    pass\n"}]},
                      "ui/batch-1": {"exit": 4, "edits": []}})
    ok = workers(started.root, "core", agent, "--auto", "--once")
    ok.expect("Done.")
    assert ok.proc.wait(timeout=10) == 0
    bad = workers(started.root, "ui", agent, "--auto")
    bad.expect("did not complete")
    time.sleep(1.0)  # no automatic retry: the agent ran once
    assert sum(line.startswith("  | fake agent: ui/batch-1") for line in bad.output + _drain(bad)) == 1


def _drain(w):
    lines = []
    while not w.lines.empty():
        line = w.lines.get()
        if line is not None:
            lines.append(line)
    return lines


def test_agent_command_placeholders_are_quoted_and_other_braces_pass_through(started, workers):
    agent = ("printf '%s|%s|%s\\n' {stream} {branch} {batch_id} > args.txt && test -s {prompt_file} && "
             "echo ${NOPE:-braces-ok} >> args.txt && git add args.txt && git commit -qm 'core-currency: args'")
    w = workers(started.root, "core", agent)
    w.expect("Found batch")
    w.send("continue")
    w.expect("Done.")
    text = (started.root / ".buildrunner" / "worktrees" / "core" / "args.txt").read_text()
    assert text == "core|stream/core|batch-1\nbraces-ok\n"
    warnings = read_status(started.paths, "core")["warnings"]
    assert warnings == ["changed files outside the stream's task list: args.txt"]


def test_a_key_the_agent_prints_is_masked_in_output_log_and_status(started, workers):
    key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    w = workers(started.root, "core", f"echo 'using {key}'; exit 3   # STRIPE_KEY={key}")
    w.expect("Found batch")
    w.send("continue")
    w.expect("did not complete")
    shown = "\n".join(w.output)
    assert "using sk_l" in shown and key not in shown  # the command line and the agent's output
    status = read_status(started.paths, "core")
    assert "exited with code 3" in status["error"] and "sk_l" in status["error"] and key not in status["error"]
    (log,) = (started.root / ".buildrunner" / "orchestration" / "logs").glob("core-*.log")
    assert key not in log.read_text(encoding="utf-8")


def _session(started, *typed, auto=False, once=False):
    """Run `br worker`'s loop in-process on `typed` lines (None = end of input); returns (code, output)."""
    from buildrunner.orchestration.worker import Worker, interactive

    lines: queue.Queue = queue.Queue()
    for line in typed:
        lines.put(line)
    out: list[str] = []
    worker = Worker(started.paths, "core", out=out.append, project_root=started.root)
    return interactive(worker, lines, auto=auto, once=once), out


def test_typed_commands_answer_and_quit_stops_reading(started):
    code, out = _session(started, "help\n", "  BOGUS \n", "\n", "status\n", "prompt\n", "refresh\n", "q\n", "status\n")
    assert code == 0
    assert out[0].startswith("Found batch batch-1")
    assert out[1].startswith("Commands: continue (run the batch)")
    assert out[2] == "Unknown command 'bogus'. Type 'help'."
    assert out[3].startswith("core: ")  # the status line, trailing blanks stripped
    assert out[3] == out[3].rstrip()
    assert "core-currency" in out[4] and "Stay in your files" in out[4]  # the prompt
    assert out[5] == out[0]  # `refresh` announces again even though nothing changed
    assert len(out) == 6  # `q` ended the session: the last `help` was never read


def test_end_of_input_ends_the_session_and_a_missing_command_is_reported(project):
    from buildrunner.orchestration.orchestrator import Orchestrator

    orch = Orchestrator(project.root)  # not started: no command file yet
    code, out = _session(orch, "show\n", "continue\n", None, "help\n")
    assert code == 0
    assert out[0].startswith("Waiting for the orchestrator to hand out work")
    assert out[1:] == ["No command yet.", "No batch to run (no command yet)."]
