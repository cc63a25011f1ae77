"""The commands as a user types them: orchestrate (prompt via stdin), session, decide, merge."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from buildrunner.orchestration.state import read_json


def test_orchestrate_without_parallel_checks_the_plan_and_shows_batches(br, project):
    result = br("orchestrate", cwd=project.root)
    assert result.exit_code == 0, result.output
    assert "Plan 'shop': 3 streams, 6 tasks" in result.stdout
    assert "Batch 1: core: core-currency; api: api-orders; ui: ui-cart" in result.stdout
    assert "ui-checkout (ui) waits — depends on 'api-orders'" in result.stdout
    assert not (project.root / ".buildrunner" / "orchestration").exists()  # nothing was started
    data = json.loads(br("orchestrate", "--dry-run", "--json", cwd=project.root).stdout)
    assert data["batches"][0]["assignments"] == {"core": ["core-currency"], "api": ["api-orders"], "ui": ["ui-cart"]}


def test_bad_plan_and_no_git_are_usage_errors(br, project, tmp_path):
    (project.root / ".buildrunner" / "plan.yaml").write_text("streams:\n  - name: Bad Name\n    tasks: []\n")
    result = br("orchestrate", "--parallel", cwd=project.root)
    assert result.exit_code == 2 and "plan.yaml:2: streams[0].name: invalid stream name" in result.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "plan.yaml").write_text("streams:\n  - name: a\n    tasks: [{id: t, files: [x]}]\n")
    result = br("orchestrate", "--parallel", "--plan", "plan.yaml", cwd=plain)
    assert result.exit_code == 2 and "not a git repository" in result.stderr


def _orchestrate(root, stdin: str, *args):
    return subprocess.run([sys.executable, "-m", "buildrunner", "orchestrate", "--parallel", *args],
                          cwd=root, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_orchestrator_prompt_starts_resumes_and_survives_bad_status_files(project):
    root = project.root
    first = _orchestrate(root, "help\nstatus\nquit\n", "--port", "0")
    assert first.returncode == 0, first.stderr
    assert "Started plan 'shop' into branch main" in first.stdout
    assert "core: stream/core in" in first.stdout and "br worker --stream core" in first.stdout
    assert "Dashboard: http://127.0.0.1:" in first.stdout and "/?token=" in first.stdout
    assert "batch-1" in first.stdout and "State saved" in first.stdout
    assert first.stdout.count("Batch 1:") == 1 and "Schedule" in first.stdout  # printed once
    assert (root / ".buildrunner" / "orchestration" / "state.json").exists()
    assert git_branches(root) >= {"stream/core", "stream/api", "stream/ui"}
    assert "worktrees" not in subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                                             text=True).stdout  # machine-local files are ignored

    (root / ".buildrunner" / "status" / "api.json").write_text("{oops")
    plan = root / ".buildrunner" / "plan.yaml"
    plan.write_text(plan.read_text().replace("title: Refunds", "title: Refunds and credits"))
    second = _orchestrate(root, "status\nnext\nbogus\nquit\n", "--no-dashboard")
    assert second.returncode == 0, second.stderr
    assert "Resumed plan 'shop'" in second.stdout and "the plan changed since this run started" in second.stdout
    assert "api" in second.stdout and "malformed JSON" in second.stdout
    assert "the current batch is not finished" in second.stdout  # `next` refuses, politely
    assert "Unknown command 'bogus'" in second.stdout
    assert read_json(root / ".buildrunner" / "orchestration" / "state.json")[0]["batch"]["id"] == "batch-1"

    # resuming when every stream of the batch is complete says what to do
    from buildrunner.orchestration.state import atomic_write_json

    for name in ("core", "api", "ui"):
        atomic_write_json(root / ".buildrunner" / "status" / f"{name}.json", {"status": "complete", "batch_id": "batch-1"})
    third = _orchestrate(root, "quit\n", "--no-dashboard")
    assert "Every stream of batch-1 is complete: type 'merge'." in third.stdout
    assert third.stdout.count("type 'merge'") == 1


@pytest.mark.slow
def test_a_stream_branch_left_from_earlier_work_is_pointed_out(project):
    root = project.root
    project.git("checkout", "-q", "-b", "stream/core")
    project.write("notes.txt", "unrelated\n")
    project.git("add", "notes.txt")
    project.commit("my own experiment")
    project.git("checkout", "-q", "main")
    first = _orchestrate(root, "quit\n", "--no-dashboard")
    assert first.returncode == 0, first.stderr
    assert "branch stream/core already existed with 1 commit(s) not on main" in first.stderr
    assert "stream/api" not in first.stderr  # new branches are not mentioned
    again = _orchestrate(root, "quit\n", "--no-dashboard")  # resuming adopts nothing new
    assert "already existed" not in again.stderr


def git_branches(root):
    out = subprocess.run(["git", "branch", "--format=%(refname:short)"], cwd=root, capture_output=True, text=True)
    return set(out.stdout.split())


def test_orchestrator_reports_a_taken_dashboard_port(project):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = _orchestrate(project.root, "quit\n", "--port", str(port))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "--port" in result.stderr


@pytest.mark.slow
def test_merge_at_the_prompt_with_a_real_worker(project, scenario, workers):
    root = project.root
    agent = scenario({"core/batch-1": {"message": "core-currency: x", "edits": [
        {"path": "core/pricing.py", "replace": ["return item.cost * qty", "return item.cost * qty * 2"]}]}})
    orch = subprocess.Popen([sys.executable, "-m", "buildrunner", "orchestrate", "--parallel", "--no-dashboard"],
                            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 20
        while not (root / ".buildrunner" / "commands" / "core.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        w = workers(root, "core", agent)
        w.expect("Found batch batch-1")
        w.send("continue")
        w.expect("Done.")
        out, _ = orch.communicate("merge\nstatus\nquit\n", timeout=30)
    finally:
        if orch.poll() is None:
            orch.kill()
    assert "[core] complete (batch-1)" in out  # the prompt noticed the worker finishing
    assert "core: merged as" in out
    assert "Still working: api (not started), ui (not started)" in out
    assert "qty * 2" in (root / "core" / "pricing.py").read_text()


def test_session_prints_and_copies_the_prompt(br, project, tmp_path, monkeypatch):
    assert br("session", "core", cwd=project.root).exit_code == 2  # nothing started yet
    from buildrunner.orchestration.orchestrator import Orchestrator

    Orchestrator(project.root).start()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    clip = tmp_path / "clip.txt"
    (bindir / "wl-copy").write_text(f"#!/bin/sh\ncat > {clip}\n")
    (bindir / "wl-copy").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    br("decide", "money: amounts are integer cents", "--stream", "core", cwd=project.root)
    result = br("session", "core", cwd=project.root)
    assert result.exit_code == 0
    for text in ("core-currency", "`core/pricing.py`", "Stay in your files", "stream/core",
                 "money: amounts are integer cents", "api: api/orders.py"):
        assert text in result.stdout
    assert "copied to the clipboard with wl-copy" in result.stderr
    assert clip.read_text() == result.stdout
    data = json.loads(br("session", "api", "--json", cwd=project.root).stdout)
    assert data["command"]["tasks"][0]["id"] == "api-orders"
    assert br("session", "../core", cwd=project.root).exit_code == 2


def test_session_after_the_plan_is_complete_says_so_instead_of_an_empty_prompt(br, project):
    from buildrunner.orchestration.orchestrator import Orchestrator

    orch = Orchestrator(project.root)
    orch.start()
    orch._write_command("core", {"done": True, "message": "every task of the plan is merged"})  # as on completion
    result = br("session", "core", "--no-copy", cwd=project.root)
    assert result.exit_code == 0
    assert result.stdout.strip() == "All tasks of the plan are merged; nothing left for stream core."
    assert "None" not in result.stdout and "`?`" not in result.stdout


def test_decide_records_lists_and_flags(br, project):
    root = project.root
    r = br("decide", "auth: sessions use JWT cookies", "--stream", "api", cwd=root)
    assert r.exit_code == 0 and "on 'auth'" in r.stdout
    r = br("decide", "Redis-backed sessions", "--topic", "auth", "--stream", "ui", cwd=root)
    assert "already decided this topic" in r.stderr
    listing = br("decide", "--list", cwd=root)
    assert listing.exit_code == 1 and "api and ui decided 'auth' differently" in listing.stdout
    data = json.loads(br("decide", "--list", "--json", cwd=root).stdout)
    assert len(data["decisions"]) == 2 and len(data["conflicts"]) == 1
    assert br("decide", cwd=root).exit_code == 2
    assert br("decide", "x", "--stream", "../up", cwd=root).exit_code == 2


def test_merge_command(br, project):
    r = br("merge", "--streams", cwd=project.root)
    assert r.exit_code == 2 and "no parallel build" in r.stderr
    from buildrunner.orchestration.orchestrator import Orchestrator

    Orchestrator(project.root).start()
    r = br("merge", "--streams", cwd=project.root)
    assert r.exit_code == 0 and "Nothing to merge" in r.stdout
    wt = project.root / ".buildrunner" / "worktrees" / "api"
    (wt / "api" / "orders.py").write_text("def order_total(items):\n    return 0\n")
    subprocess.run(["git", "commit", "-qam", "api-orders: zero"], cwd=wt, check=True)
    r = br("merge", "--streams", "api", "--dry-run", "--json", cwd=project.root)
    data = json.loads(r.stdout)
    assert r.exit_code == 0 and data["streams"][0]["result"] == "pending" and data["before"] == data["after"]
    r = br("merge", "--streams", "nope", cwd=project.root)
    assert r.exit_code == 2 and "not in the plan" in r.stderr
    # plain `br merge` previews; `--streams` merges every complete stream; names merge those
    from buildrunner.orchestration.state import atomic_write_json, now_iso

    tip = subprocess.run(["git", "rev-parse", "stream/api"], cwd=project.root, capture_output=True, text=True).stdout.strip()
    atomic_write_json(project.root / ".buildrunner" / "status" / "api.json", {
        "status": "complete", "batch_id": "batch-1", "commit": tip, "completed_tasks": ["api-orders"],
        "started_at": now_iso(), "finished_at": now_iso()})
    main = subprocess.run(["git", "rev-parse", "main"], cwd=project.root, capture_output=True, text=True).stdout
    r = br("merge", cwd=project.root)
    assert r.exit_code == 0 and "api: clean (would merge)" in r.stdout and "br merge --streams" in r.stdout
    assert subprocess.run(["git", "rev-parse", "main"], cwd=project.root, capture_output=True, text=True).stdout == main
    r = br("merge", "--streams", cwd=project.root)
    assert r.exit_code == 0 and "api: merged" in r.stdout
    assert subprocess.run(["git", "rev-parse", "main"], cwd=project.root, capture_output=True, text=True).stdout != main


def test_dashboard_command_serves_until_ctrl_c(project):
    import signal
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "buildrunner", "dashboard", "--port", "0"], cwd=project.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Dashboard: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split(" ", 1)[1].strip()
        with urllib.request.urlopen(url.replace("/?", "/api/state?"), timeout=5) as resp:
            data = json.loads(resp.read())
        assert data["started"] is False and data["streams"] == []  # no run yet: an empty board, no crash
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
