"""Task input (dash tasks, stdin, --diff), route ids, outcomes, escalations and `br model tune`."""

from __future__ import annotations

import json
import random
import re

import pytest

from buildrunner.fsutil import utc_now_iso
from buildrunner.project import Project
from buildrunner.router import outcomes
from buildrunner.router.estimator import thresholds

DAY = 86400.0
LIMITS = thresholds({"haiku": 0.6, "sonnet": 12.0, "opus": 24.0}, 1.0)


@pytest.fixture
def proj(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    return tmp_path


def _routes(root) -> list[dict]:
    path = root / ".buildrunner" / "usage" / "routes.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- task input -----------------------------------------------------------------------------------------

# (the task is plain Sonnet work: "fix the flag parsing" alone sits at the needs-Sonnet threshold since
# round 8, margin -0.01, and would test the estimator rather than the parsing of a leading dash)
@pytest.mark.parametrize("args", [["--", "-fix the crash in the flag parser"], ["-fix the crash in the flag parser"],
                                  ["-fix", "the", "crash", "in", "the", "flag", "parser"],
                                  ["--json", "-fix the crash in the flag parser"]])
def test_a_task_may_start_with_a_dash(br_subprocess, tmp_path, args):
    res = br_subprocess("model", "route", *args, cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "claude-sonnet-5-5" in res.stdout and "Usage:" not in res.stdout


def test_a_mistyped_option_is_still_an_error(br_subprocess, tmp_path):
    res = br_subprocess("model", "route", "fix the parser", "--explian", cwd=tmp_path)
    assert res.exit_code == 2 and "No such option '--explian'" in res.stderr


def test_task_from_stdin(br, tmp_path):
    res = br("model", "route", "-", "--json", cwd=tmp_path, input="Write a PRD for the team billing feature\n")
    assert res.exit_code == 0 and json.loads(res.stdout)["tier"] == "opus"
    piped = br("model", "route", "--json", cwd=tmp_path, input="Sort the imports in models.py\n")
    assert json.loads(piped.stdout)["tier"] == "haiku"


def test_diff_context_from_staged_changes_and_a_base(br, git_repo):
    for i in range(12):
        git_repo.write(f"pkg{i % 3}/mod{i}.py", "x = 1\n")
    git_repo.add()
    git_repo.commit("base")
    for i in range(12):
        git_repo.write(f"pkg{i % 3}/mod{i}.py", "x = 1\n" + "y = 2\n" * 150)
    git_repo.add()
    res = br("model", "route", "Rename foo to bar", "--diff", "--json", "--explain", cwd=git_repo.root)
    data = json.loads(res.stdout)
    top = {t["feature"]: t["words"] for d in data["decisions"].values() for t in d["top"]}
    assert data["tier"] == "sonnet"  # a rename across 12 files in 3 packages is a multi-file refactor
    assert top.get("ctx:files>=8") == ["12 files"] or top.get("simple-edit:wide") == ["12 files"]
    git_repo.commit("change")
    clean = json.loads(br("model", "route", "Rename foo to bar", "--diff", "--json", cwd=git_repo.root).stdout)
    assert clean["tier"] == "haiku"  # nothing changed against HEAD: no context
    based = json.loads(br("model", "route", "Rename foo to bar", "--diff", "--base", "HEAD~1", "--json",
                          cwd=git_repo.root).stdout)
    assert based["tier"] == "sonnet"
    bad = br("model", "route", "x", "--diff", "--base", "no-such-ref", cwd=git_repo.root)
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# --- route ids and outcomes ----------------------------------------------------------------------------

def test_routes_get_ids_and_take_outcomes(br, proj):
    res = br("model", "route", "Fix the typo in the README", cwd=proj)
    route_id = res.stdout.split("route ")[-1].strip()
    assert re.fullmatch(r"r[bcdfghjklmnpqrstvwxz]{8}", route_id)  # consonants: vocabulary-shaped, never a word
    routes = _routes(proj)
    assert routes[0]["id"] == route_id and routes[0]["tier"] == "haiku"
    assert "README" not in json.dumps(routes) and "typo" not in json.dumps(routes)  # never the task text
    ok = br("model", "outcome", route_id, "failed", cwd=proj)
    assert ok.exit_code == 0 and "was failed" in ok.stdout
    assert _routes(proj)[-1] == {**_routes(proj)[-1], "event": "outcome", "id": route_id, "outcome": "failed",
                                 "tier": "haiku", "source": "user"}
    unknown = br("model", "outcome", "rdeadbeef", "ok", cwd=proj)
    assert unknown.exit_code == 2 and "no route with id 'rdeadbeef'" in unknown.stderr
    assert br("model", "outcome", route_id, "great", cwd=proj).exit_code == 2


def test_no_route_is_recorded_outside_an_initialised_project(br, tmp_path):
    res = br("model", "route", "Fix the typo in the README", cwd=tmp_path)
    assert res.exit_code == 0 and " route r" not in res.stdout
    assert not (tmp_path / ".buildrunner").exists()


def test_rerunning_a_task_on_a_stronger_model_is_an_escalation(br, proj):
    first = br("model", "route", "Fix the typo in the README", "--json", cwd=proj)
    first_id = json.loads(first.stdout)["route_id"]
    br("model", "route", "Fix the typo in the README", "--model", "sonnet", cwd=proj)
    events = _routes(proj)
    escalation = [e for e in events if e["event"] == "outcome"]
    assert escalation == [{**escalation[0], "id": first_id, "outcome": "escalated", "tier": "sonnet",
                           "source": "rerun"}]
    # and a weaker one is an override down
    planned = json.loads(br("model", "route", "Write a PRD for team billing", "--json", cwd=proj).stdout)
    br("model", "route", "Write a PRD for team billing", "--model", "sonnet", cwd=proj)
    down = [e for e in _routes(proj) if e["event"] == "outcome" and e["id"] == planned["route_id"]]
    assert [e["outcome"] for e in down] == ["overridden_down"]


# --- tuning ----------------------------------------------------------------------------------------------

def _history(root, n: int, *, escalate_band: tuple[float, float], start: float, verdict_for=None, seed=7):
    """`n` auto routes spread over days: Haiku routes whose needs-Sonnet logit lies in
    `escalate_band` were escalated, the other routes were ok (or `verdict_for(logit, t)` decides)."""
    rnd = random.Random(seed)
    lines = []
    limit = LIMITS["sonnet"]
    for i in range(n):
        t = start + i * DAY / 4
        logit = rnd.uniform(-4.0, 3.0)
        p = 1 / (1 + pow(2.718281828, -logit))
        tier = "sonnet" if p > limit else "haiku"
        route_id = f"r{i:08x}"
        lines.append({"event": "route", "id": route_id, "ts": utc_now_iso(t), "fingerprint": f"{i:016x}",
                      "tier": tier, "mode": "auto", "command": "run", "complexity": "simple",
                      "logits": {"sonnet": round(logit, 3), "opus": -5.0}, "risk": 1.0})
        if verdict_for:
            verdict = verdict_for(logit, i)
        else:
            verdict = "escalated" if tier == "haiku" and escalate_band[0] <= logit <= escalate_band[1] else "ok"
        if verdict:
            lines.append({"event": "outcome", "id": route_id, "ts": utc_now_iso(t + 60), "outcome": verdict,
                          "tier": "sonnet" if verdict == "escalated" else tier, "source": "rerun"})
    path = root / ".buildrunner" / "usage" / "routes.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")


def test_tune_needs_fifty_outcomes(br, proj):
    _history(proj, 30, escalate_band=(-1.5, 0.0), start=1.7e9)
    res = br("model", "tune", cwd=proj)
    assert res.exit_code == 1 and "30 routes with an outcome; tuning needs at least 50" in res.stdout
    assert not (proj / ".buildrunner" / "router" / "tuning.json").exists()


def test_tune_learns_an_offset_from_escalations_and_can_be_reverted(br, proj):
    # Haiku keeps failing on tasks just below the needs-Sonnet threshold: route them up
    _history(proj, 120, escalate_band=(-1.5, 0.0), start=1.7e9)
    dry = br("model", "tune", "--dry-run", "--json", cwd=proj)
    plan = json.loads(dry.stdout)
    assert plan["accepted"] and not plan["saved"] and plan["proposed"]["sonnet"] > 0
    assert plan["after"]["under"] < plan["before"]["under"]
    assert not (proj / ".buildrunner" / "router" / "tuning.json").exists()
    res = br("model", "tune", cwd=proj)
    assert res.exit_code == 0 and "saved to" in res.stdout
    saved = json.loads((proj / ".buildrunner" / "router" / "tuning.json").read_text())
    assert saved["offsets"]["sonnet"] == plan["proposed"]["sonnet"]
    assert Project(proj) and outcomes.load_offsets(Project(proj))["sonnet"] > 0
    # routing now uses the offset: it shows in --explain and moves a borderline task up
    explained = br("model", "route", "Add the author field to setup.cfg", "--explain", cwd=proj).stdout
    assert f"project offset {saved['offsets']['sonnet']:+.2f}" in explained
    reverted = br("model", "tune", "--revert", cwd=proj)
    assert reverted.exit_code == 0 and "sonnet +0.00" in reverted.stdout
    assert outcomes.load_offsets(Project(proj)) == {}
    assert br("model", "tune", "--revert", cwd=proj).exit_code == 2  # nothing left to revert


def test_tune_refuses_a_change_that_raises_under_routing(proj):
    # older outcomes: Haiku-band tasks were over-served (users overrode Sonnet down) -> pull down;
    # newer outcomes: the same band now fails on Haiku -> pulling down would under-route them.
    def verdict(logit, i):
        if i < 84:
            return "overridden_down" if -0.2 <= logit <= 2.5 else "ok"
        return "escalated" if -1.0 <= logit <= 0.0 else "ok"

    _history(proj, 120, escalate_band=(0, 0), start=1.7e9, verdict_for=verdict)
    routes, results, _ = outcomes.read(Project(proj))
    result = outcomes.tune(routes, results, {}, LIMITS)
    assert not result["accepted"] and result["proposed"]["sonnet"] < 0
    assert result["reason"].startswith("refused: under-routing on the newest")


def test_labels_from_outcomes():
    routes = [{"id": "a", "tier": "haiku", "_t": 1, "logits": {"sonnet": 0, "opus": 0}},
              {"id": "b", "tier": "sonnet", "_t": 2, "logits": {"sonnet": 0, "opus": 0}},
              {"id": "c", "tier": "opus", "_t": 3, "logits": {"sonnet": 0, "opus": 0}},
              {"id": "d", "tier": "sonnet", "_t": 4, "logits": {"sonnet": 0, "opus": 0}}]
    results = [{"id": "a", "outcome": "escalated", "tier": "sonnet"}, {"id": "b", "outcome": "ok", "tier": "sonnet"},
               {"id": "c", "outcome": "overridden_down", "tier": "sonnet"},
               {"id": "d", "outcome": "failed", "tier": "sonnet"}]
    rows = {r["id"]: r["y"] for r in outcomes.labelled_routes(routes, results)}
    assert rows == {"a": {"sonnet": 1}, "b": {"opus": 0}, "c": {"opus": 0}, "d": {"sonnet": 1, "opus": 1}}


def test_route_telemetry_skips_the_secret_masker_and_stores_no_text(tmp_path):
    """Recording a route hands telemetry only vocabulary-shaped values (the id is letters only), so
    telemetry's privacy filter never loads the secret engine for it (orchestration routes in-process,
    without the CLI's masked output); the task text is never stored."""
    import os
    import subprocess
    import sys

    (tmp_path / ".buildrunner").mkdir()
    secret = "AKIA" + "Q3ZB7XJ2LMN4OP5R"
    script = (
        "import sys\n"
        "from buildrunner.project import discover\n"
        "from buildrunner.router import outcomes\n"
        "from buildrunner.router.routing import select_model\n"
        f"selection = select_model('rotate the key {secret} in settings.py')\n"
        "print('ID', outcomes.record_route(discover(), selection, command='model route'))\n"
        "print('ENGINE', 'buildrunner.engine.masking' in sys.modules)\n"
    )
    env = {**os.environ, "BR_TELEMETRY": "1"}
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert "ENGINE False" in res.stdout, res.stdout + res.stderr
    route_id = _routes(tmp_path)[0]["id"]
    assert f"ID {route_id}" in res.stdout and route_id[0] == "r" and len(route_id) == 9 and route_id.isalpha()
    stored = (tmp_path / ".buildrunner" / "telemetry").rglob("*.jsonl")
    events = [json.loads(line) for path in stored for line in path.read_text().splitlines()]
    assert [e["data"]["id"] for e in events if e["type"] == "model_route"] == [route_id]
    everything = "".join(p.read_text() for p in (tmp_path / ".buildrunner").rglob("*.jsonl"))
    assert secret not in everything and "rotate" not in everything
