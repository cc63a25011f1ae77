"""Plan loading, validation (file + line + field) and batching."""

from __future__ import annotations

import pytest

from buildrunner.orchestration.plan import PlanError, load_plan, next_batch, parse_plan, schedule


def write(tmp_path, text):
    p = tmp_path / "plan.yaml"
    p.write_text(text)
    return p


def plan_of(streams):
    return parse_plan({"name": "t", "streams": streams})


def test_sample_plan_in_examples_is_valid():
    from pathlib import Path

    plan = load_plan(Path(__file__).parents[2] / "examples" / "plan.yaml")
    batches = schedule(plan)
    assert len(plan.streams) >= 3 and batches
    assert sum(len(ts) for b in batches for ts in b.assignments.values()) == len(plan.tasks)


@pytest.mark.parametrize("text, where, message", [
    ("streams: [", ":2", "malformed YAML"),
    ("- a\n", "", "expected a mapping"),
    ("streams: []\n", ":1", "non-empty list of streams"),
    ("streams:\n  - name: ../evil\n    tasks: [{id: a, files: [x]}]\n", ":2", "invalid stream name"),
    ("streams:\n  - name: a\n    tasks:\n      - id: t1\n        files: [/etc/passwd]\n", ":5", "relative to the repository"),
    ("streams:\n  - name: a\n    tasks:\n      - id: t1\n        files: [../up.py]\n", ":5", "without '..'"),
    ("streams:\n  - name: a\n    tasks:\n      - id: t1\n        title: x\n", ":4", "files"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a]}\n  - name: a\n    tasks: [{id: t2, files: [b]}]\n",
     ":5", "duplicate stream name"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a]}\n      - {id: t1, files: [b]}\n", ":5",
     "duplicate task id"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a], depends_on: [nope]}\n", ":4", "unknown task 'nope'"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a], depends_on: [t2]}\n      - {id: t2, files: [b]}\n",
     ":4", "comes later in the same stream"),
    ("streams:\n  - name: a\n    tasks: [{id: t1, files: [a], depends_on: [t2]}]\n"
     "  - name: b\n    tasks: [{id: t2, files: [b], depends_on: [t1]}]\n", ":1", "dependency cycle"),
    ("streams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\nbogus: 1\n", ":4", "unknown field"),
    # a misspelt key below the top level must not be dropped: `depend_on` would run t2 before t1
    ("streams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n"
     "  - name: b\n    tasks: [{id: t2, files: [b], depend_on: [t1]}]\n", ":5",
     "streams[1].tasks[0].depend_on: unknown field"),
    ("streams:\n  - name: a\n    descripton: x\n    tasks: [{id: t1, files: [a]}]\n", ":3",
     "streams[0].descripton: unknown field"),
    ("verify: [pytest]\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1", "verify: expected a shell"),
    ("verify: ''\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1", "verify: expected a shell"),
    ("verify_timeout: 0\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1", "verify_timeout"),
    ("model: gpt-4\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1", "unknown model 'gpt-4'"),
    ("streams:\n  - name: a\n    tasks:\n      - id: t1\n        files: [a]\n        model: 3\n", ":6",
     "streams[0].tasks[0].model: expected a model name"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a], depends_on: [t1]}\n", ":4", "depends on itself"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: 'bad id', files: [a]}\n", ":4", "invalid task id 'bad id'"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a], depends_on: {x: 1}}\n", ":4",
     "streams[0].tasks[0].depends_on: expected a list of task ids"),
    ("streams:\n  - name: a\n    tasks:\n      - {id: t1, files: [a], title: [x]}\n", ":4",
     "streams[0].tasks[0].title: expected text"),
    ("max_tasks_per_batch: -1\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1",
     "max_tasks_per_batch: expected a whole number"),
    ("integration_branch: [main]\nstreams:\n  - name: a\n    tasks: [{id: t1, files: [a]}]\n", ":1",
     "integration_branch: expected a branch name"),
])
def test_bad_plans_name_file_line_and_field(tmp_path, text, where, message):
    path = write(tmp_path, text)
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert err.value.message.startswith(f"{path}{where}:") and message in err.value.message
    assert err.value.exit_code == 2


def test_missing_plan_and_invalid_utf8(tmp_path):
    with pytest.raises(PlanError, match="plan file not found"):
        load_plan(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"streams: \xff\n")
    with pytest.raises(PlanError, match="not valid UTF-8"):
        load_plan(bad)


def test_cycle_message_names_the_tasks():
    with pytest.raises(PlanError) as err:
        plan_of([{"name": "a", "tasks": [{"id": "t1", "files": ["a"], "depends_on": ["t2"]}]},
                 {"name": "b", "tasks": [{"id": "t2", "files": ["b"], "depends_on": ["t1"]}]}])
    assert "t1 -> t2 -> t1" in err.value.message or "t2 -> t1 -> t2" in err.value.message


def test_no_two_streams_share_a_file_in_one_batch_and_the_wait_is_explained():
    plan = plan_of([
        {"name": "a", "tasks": [{"id": "a1", "files": ["src/shared.py", "src/a.py"]}]},
        {"name": "b", "tasks": [{"id": "b1", "files": ["src/shared.py"]}, {"id": "b2", "files": ["src/b.py"]}]},
        {"name": "c", "tasks": [{"id": "c1", "files": ["src/"]}]},  # a directory covers its files
    ])
    b1 = next_batch(plan, 1, set())
    assert {s: [t.id for t in ts] for s, ts in b1.assignments.items()} == {"a": ["a1"]}
    reasons = {t.id: r for t, r in b1.waiting}
    assert reasons == {"b1": "file 'src/shared.py' is claimed by stream 'a' in this batch",
                       "c1": "file 'src' is claimed by stream 'a' in this batch"}
    batches = schedule(plan)
    for b in batches:
        seen = {}
        for stream, tasks in b.assignments.items():
            for f in {f for t in tasks for f in t.files}:
                assert f not in seen, f"{f} in {stream} and {seen[f]}"
                seen[f] = stream
    assert [sorted(b.assignments) for b in batches] == [["a"], ["b"], ["c"]]


def test_dependencies_come_first_and_wait_until_merged():
    plan = plan_of([
        {"name": "core", "tasks": [{"id": "models", "files": ["m.py"]}]},
        {"name": "api", "tasks": [{"id": "routes", "files": ["r.py"], "depends_on": ["models"]}]},
    ])
    first = next_batch(plan, 1, set())
    assert list(first.assignments) == ["core"]
    assert first.waiting[0][1] == "depends on 'models' (stream 'core'), which has not run yet"
    # finished on its branch but not merged: still waits, with a different reason
    pending = next_batch(plan, 2, set(), in_progress={"models"})
    assert pending.empty and "is not merged yet" in pending.waiting[0][1]
    assert list(next_batch(plan, 2, {"models"}).assignments) == ["api"]
    assert plan.stream_order() == ["core", "api"]


def test_held_streams_get_no_work_and_same_stream_dependencies_run_in_one_batch():
    plan = plan_of([{"name": "a", "tasks": [{"id": "a1", "files": ["x"]},
                                            {"id": "a2", "files": ["y"], "depends_on": ["a1"]}]},
                    {"name": "b", "tasks": [{"id": "b1", "files": ["z"]}]}])
    batch = next_batch(plan, 1, set())
    assert [t.id for t in batch.assignments["a"]] == ["a1", "a2"]
    held = next_batch(plan, 1, set(), held={"b"})
    assert "b" not in held.assignments and "conflict resolution" in held.waiting[0][1]


def test_verify_and_models_are_read():
    plan = parse_plan({"verify": "python -m pytest -q", "verify_timeout": 60, "model": "sonnet",
                       "streams": [{"name": "a", "tasks": [{"id": "t1", "files": ["a"], "model": "opus"},
                                                           {"id": "t2", "files": ["b"]}]}]})
    assert (plan.verify, plan.verify_timeout, plan.model) == ("python -m pytest -q", 60, "sonnet")
    assert plan.tasks["t1"].model == "opus" and plan.tasks["t2"].model == ""


def test_handing_out_a_batch_routes_models_without_the_anthropic_sdk(project):
    """The router is on the orchestrator's path; the SDK (2 s to import) must not be."""
    import subprocess
    import sys

    code = ("import sys; from buildrunner.orchestration.orchestrator import Orchestrator; "
            "o = Orchestrator('.'); o.start(); "
            "import json; c = json.load(open('.buildrunner/commands/core.json')); "
            "print(c['tasks'][0]['model'], 'anthropic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=60)
    model, imported = out.stdout.split()
    assert model.startswith("claude-") and imported == "False", out.stderr


def test_a_stream_is_capped_per_batch_and_waits_behind_its_unmerged_task():
    plan = parse_plan({"max_tasks_per_batch": 1, "streams": [
        {"name": "a", "tasks": [{"id": "a1", "files": ["x"]}, {"id": "a2", "files": ["y"]}]}]})
    batch = next_batch(plan, 1, set())
    assert [t.id for t in batch.assignments["a"]] == ["a1"]
    assert [(t.id, r) for t, r in batch.waiting] == [
        ("a2", "stream 'a' already has 1 task(s) in this batch (max_tasks_per_batch)")]
    # a1 finished on its branch but not merged: a2 is not handed out ahead of it
    behind = next_batch(plan, 2, set(), in_progress={"a1"})
    assert behind.empty and [(t.id, r) for t, r in behind.waiting] == [("a2", "comes after 'a1' in stream 'a'")]
    assert [t.id for t in next_batch(plan, 2, {"a1"}).assignments["a"]] == ["a2"]
