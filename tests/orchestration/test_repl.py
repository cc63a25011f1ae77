"""The orchestrator's prompt, driven in-process with the lines a user types."""

from __future__ import annotations

import queue
from pathlib import Path

from buildrunner.orchestration import repl
from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.state import write_status


def drive(orch, *lines):
    q: queue.Queue = queue.Queue()
    for line in lines:
        q.put(line + "\n")
    q.put(None)
    out: list[str] = []
    assert repl.run(orch, q, out.append) == 0
    return "\n".join(out)


def test_prompt_commands(project):
    orch = Orchestrator(project.root)
    orch.start()
    text = drive(orch, "", "help", "decide api: errors are problem+json", "merge", "next", "status", "quit",
                 "never reached")
    assert "Commands: status" in text
    assert "Recorded decision" in text and "on 'api'" in text
    assert "Nothing to merge" in text
    assert "the current batch is not finished: api (not started), core (not started), ui (not started)" in text
    assert "hint: merge the complete streams first" in text
    assert "batch-1  0/6 tasks merged into main" in text
    assert "State saved" in text and "never reached" not in text


def test_next_force_reoffers_unfinished_work_and_status_reports_workers(project):
    orch = Orchestrator(project.root)
    orch.start()
    write_status(orch.paths, "ui", status="failed", batch_id="batch-1", error="agent command exited with code 2")
    text = drive(orch, "status", "decide money: amounts are integer cents", "next force")
    assert "ui               failed" in text and "agent command exited with code 2" in text
    assert "Batch 2:" in text and "core: core-currency" in text  # nothing merged: the same tasks again
    assert orch.state["batch"]["id"] == "batch-2"
    from buildrunner.orchestration.state import read_json

    cmd = read_json(orch.paths.command_file("api"))[0]
    assert [d["text"] for d in cmd["context"]["shared_decisions"]] == ["money: amounts are integer cents"]
    assert "money: amounts are integer cents" in Path(cmd["prompt_file"]).read_text()


def test_prompt_announces_finished_streams(project):
    orch = Orchestrator(project.root)
    orch.start()
    q: queue.Queue = queue.Queue()
    out: list[str] = []
    import threading

    t = threading.Thread(target=repl.run, args=(orch, q, out.append))
    t.start()
    for name in ("core", "api", "ui"):
        write_status(orch.paths, name, status="complete", batch_id="batch-1", completed_tasks=[])
    q.put("status\n")
    q.put(None)
    t.join(timeout=10)
    text = "\n".join(out)
    assert "[core] complete (batch-1)" in text and "[ui] complete (batch-1)" in text
    assert "Every stream of this batch is done: type 'merge'." in text


def test_a_running_stream_is_never_merged(project):
    import os
    import subprocess

    orch = Orchestrator(project.root)
    orch.start()
    wt = project.root / ".buildrunner" / "worktrees" / "api"
    (wt / "api" / "orders.py").write_text("x = 1\n")
    subprocess.run(["git", "commit", "-qam", "api-orders: half done"], cwd=wt, check=True)
    write_status(orch.paths, "api", status="running", batch_id="batch-1", pid=os.getpid())
    before = subprocess.run(["git", "rev-parse", "main"], cwd=project.root, capture_output=True, text=True).stdout
    text = drive(orch, "merge api")
    assert "api: skipped — its worker is still running" in text
    assert subprocess.run(["git", "rev-parse", "main"], cwd=project.root, capture_output=True, text=True).stdout == before


def test_type_merge_is_said_once_when_the_last_streams_complete_together(project):
    import threading
    import time

    orch = Orchestrator(project.root)
    orch.start()
    q: queue.Queue = queue.Queue()
    out: list[str] = []
    runner = threading.Thread(target=lambda: repl.run(orch, q, out.append), daemon=True)
    runner.start()
    time.sleep(0.5)
    for name in ("core", "api", "ui"):  # all three finish between two polls
        write_status(orch.paths, name, status="complete", batch_id="batch-1")
    time.sleep(1.5)
    q.put("status\n")
    time.sleep(0.5)
    q.put(None)
    runner.join(timeout=10)
    text = "\n".join(out)
    assert text.count("[core] complete") == 1 and "[ui] complete" in text
    assert text.count("type 'merge'") == 1


def test_a_resolved_held_stream_is_announced_with_what_to_do(project):
    import threading
    import time

    from buildrunner.orchestration.state import save_state

    orch = Orchestrator(project.root)
    orch.start()
    orch.state["streams"]["api"].update(held=True, resolution=True, resolution_id="batch-1-resolve-1")
    save_state(orch.paths, orch.state)
    q: queue.Queue = queue.Queue()
    out: list[str] = []
    runner = threading.Thread(target=lambda: repl.run(orch, q, out.append), daemon=True)
    runner.start()
    time.sleep(0.5)
    write_status(orch.paths, "api", status="complete", batch_id="batch-1-resolve-1")
    time.sleep(1.0)
    q.put(None)
    runner.join(timeout=10)
    assert "[api] resolved its held work: type 'merge' to land it." in out
