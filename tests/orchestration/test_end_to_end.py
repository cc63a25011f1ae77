"""The whole cycle with three streams, real workers, a scripted agent and real git, as a team runs it:

batch 1: core changes `price()`'s signature while existing callers on main (one no stream touches)
         still use the old one → core is held, api and ui merge; core's worker gets a resolution
         prompt and its agent resolves (merge main, textual conflict, update every caller);
batch 2: ui's worker is SIGKILLed mid-batch; its agent must be gone; a restarted worker reruns it;
batch 3: api's work fails the plan's `verify:` → api is held (bisected out), core lands, main never
         sees the failing change; api's agent fixes it from its resolution prompt; plan complete.
Every task reaches the agent with its model (router or `model:`), as `{model}` and BR_MODEL.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.state import read_json, read_status
from buildrunner.router.complexity import TaskContext
from buildrunner.router.routing import select_model

from .conftest import FAKE_AGENT, PLAN, git, gone, wait_for

CHECK = '''import os
from core.pricing import price


class Item:
    cost = 5


if os.path.exists("api/refunds.py"):
    from api.refunds import refund
    assert refund(Item()) < 0, f"a refund must be negative, got {refund(Item())}"
print("verify ok")
'''
DAILY = "from core.pricing import price\n\n\ndef daily(xs):\n    return [price(x, 2) for x in xs]\n"
NEW_PRICING = '"""Prices."""\n\n\ndef price(item, qty, currency):\n    return round(item.cost * qty, 2)\n\n\n' \
              'def discount(total):\n    return total * 0.9\n'
ORDERS_EUR = ("from core.pricing import price\n\n\ndef order_total(items):\n"
              "    return sum(price(i, 1, 'EUR') for i in items)\n\n\ndef bulk_total(items):\n"
              "    return sum(price(i, 10, 'EUR') for i in items)\n")


def steps():
    return {
        "core/batch-1": {"message": "core-currency: prices take a currency",
                         "edits": [{"path": "core/pricing.py", "replace": [
                             "def price(item, qty):\n    return item.cost * qty",
                             "def price(item, qty, currency):\n    return item.cost * qty"]}]},
        "api/batch-1": {"message": "api-orders: bulk totals",
                        "edits": [{"path": "api/orders.py", "replace": [
                            "return sum(price(i, 1) for i in items)",
                            "return sum(price(i, 1) for i in items)\n\n\ndef bulk_total(items):\n"
                            "    return sum(price(i, 10) for i in items)"]}]},
        # ui strays into core/pricing.py, on the line core changed (textual conflict for core later)
        "ui/batch-1": {"message": "ui-cart: totals",
                       "edits": [{"path": "ui/cart.js", "replace": ["i.cost", "i.cost * i.qty"]},
                                 {"path": "core/pricing.py", "replace": [
                                     "return item.cost * qty", "return round(item.cost * qty, 2)"]}]},
        # core's resolution: merge main (textual conflict), keep both intents, update every caller
        "core/batch-1-resolve-1": {"merge": "main", "message": "core-currency: resolve",
                                   "edits": [{"path": "core/pricing.py", "content": NEW_PRICING},
                                             {"path": "api/orders.py", "content": ORDERS_EUR},
                                             {"path": "reports/daily.py",
                                              "content": DAILY.replace("price(x, 2)", "price(x, 2, 'EUR')")}]},
        "ui/batch-2": {"message": "ui-checkout: page", "sleep_once": 30,
                       "child": {"sleep": 6, "path": "ui/late.js", "content": "late\n"},
                       "edits": [{"path": "ui/checkout.js", "content": "export const checkout = () => 1;\n"}]},
        "core/batch-3": {"message": "core-tax: tax rules",
                         "edits": [{"path": "core/tax.py", "content": "def tax(total):\n    return total * 0.2\n"}]},
        "api/batch-3": {"message": "api-refunds: refunds",
                        "edits": [{"path": "api/refunds.py", "content": "from core.pricing import price\n\n\n"
                                   "def refund(i):\n    return price(i, 1, 'EUR')\n"}]},
        "api/batch-3-resolve-1": {"merge": "main", "message": "api-refunds: refunds are negative",
                                  "edits": [{"path": "api/refunds.py", "replace": ["return price", "return -price"]}]},
    }


@pytest.mark.slow
def test_three_streams_full_cycle(project, scenario, workers, tmp_path):
    root = project.root
    project.write("reports/daily.py", DAILY)  # an existing caller no stream touches
    project.write("check.py", CHECK)
    project.add()
    project.commit("reports and the verify script")
    verify = f"{sys.executable} check.py"
    plan = PLAN.replace("max_tasks_per_batch: 1\n", f"max_tasks_per_batch: 1\nverify: {json.dumps(verify)}\n")
    plan = plan.replace("        depends_on: [core-currency]\n", "        depends_on: [core-currency]\n        model: opus\n")
    project.write(".buildrunner/plan.yaml", plan)
    models_log, pidfile, childfile = tmp_path / "models.jsonl", tmp_path / "agent.pid", tmp_path / "child.pid"
    agent = scenario(steps()).replace(str(FAKE_AGENT), f"{FAKE_AGENT} --model {{model}}")
    env = {"FAKE_AGENT_MODELS": str(models_log), "FAKE_AGENT_PIDFILE": str(pidfile),
           "FAKE_AGENT_CHILD_PIDFILE": str(childfile)}

    orch = Orchestrator(root)
    state, resumed = orch.start()
    assert not resumed
    assert state["batch"]["assignments"] == {"core": ["core-currency"], "api": ["api-orders"], "ui": ["ui-cart"]}
    waits = {w["task"]: w["reason"] for w in state["batch"]["waiting"]}
    assert waits["api-refunds"] == "depends on 'core-currency' (stream 'core'), which has not run yet"
    assert "max_tasks_per_batch" in waits["core-tax"]
    for name in ("core", "api", "ui"):
        cmd, err = read_json(root / ".buildrunner" / "commands" / f"{name}.json")
        assert err is None and cmd["batch_id"] == "batch-1" and cmd["branch"] == f"stream/{name}"
        assert cmd["context"]["completed"] == [] and cmd["context"]["shared_decisions"] == []
        task = orch.plan.tasks[cmd["tasks"][0]["id"]]  # the router's choice for this task, in the file
        expected = select_model(f"{task.title}\n{task.description}".strip(),
                                TaskContext.from_paths(list(task.files), root=root))
        assert cmd["tasks"][0]["model"] == expected.model_id and cmd["tasks"][0]["model_source"] == "auto"
        assert f"Model: `{expected.model_id}`" in (root / ".buildrunner" / "orchestration" / "prompts" /
                                                  f"{name}-batch-1.md").read_text()
    main_before = git(root, "rev-parse", "main")

    ws = {name: workers(root, name, agent, env=env) for name in ("core", "api", "ui")}
    for w in ws.values():
        w.expect("Found batch batch-1")
        w.send("continue")
    for w in ws.values():
        w.expect("Done.")
    ui_status = read_status(orch.paths, "ui")
    assert ui_status["status"] == "complete" and any("core/pricing.py" in w for w in ui_status["warnings"])

    # round 1: core broke existing callers (api/orders.py and reports/daily.py on main): held;
    # api and ui merge; verify passed on the result
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"core": "held", "api": "merged", "ui": "merged"}
    core_c = next(s for s in report.streams if s.stream == "core").conflicts
    assert {c.kind for c in core_c} == {"signature"} and {c.sides[1] for c in core_c} == {"integration:main"}
    assert {c.other_file for c in core_c} == {"api/orders.py", "reports/daily.py"}
    daily = next(c for c in core_c if c.other_file == "reports/daily.py")
    assert "existing calls in reports/daily.py no longer fit (line 5: price(x, 2))" in daily.detail
    assert daily.commits["core"]
    assert git(root, "rev-parse", "main~2") == main_before  # api, then ui: each one merge commit
    assert "batch-1" in git(root, "log", "-1", "--format=%s", "main")
    assert "currency" not in (root / "core" / "pricing.py").read_text()

    # the held stream's worker gets a resolution prompt; batch 2 goes to ui meanwhile
    assert orch.state["batch"]["assignments"] == {"ui": ["ui-checkout"]}
    core_cmd = orch.command_for("core")
    assert core_cmd["kind"] == "resolution" and core_cmd["batch_id"] == "batch-1-resolve-1"
    assert set(core_cmd["resolution"]["files"]) == {"core/pricing.py", "api/orders.py", "reports/daily.py"}
    prompt = (root / ".buildrunner" / "orchestration" / "prompts" / "core-batch-1-resolve-1.md").read_text()
    assert "git merge main" in prompt and "reports/daily.py" in prompt and "## Resolution order" in prompt
    again, resumed = Orchestrator(root).start()  # a restarted orchestrator keeps all of that
    assert resumed and again["batch"]["id"] == "batch-2" and again["streams"]["core"]["held"]
    assert orch.command_for("core")["batch_id"] == "batch-1-resolve-1"
    ws["core"].send("check")
    ws["core"].expect("Found resolution work batch-1-resolve-1")
    ws["core"].send("continue")
    ws["core"].expect("Done.")
    assert orch.stream_rows()[0]["status"] == "resolved"

    # batch 2: ui's worker is SIGKILLed mid-batch: its agent (and what the agent started) dies with it
    pidfile.unlink()
    ws["ui"].send("check")
    ws["ui"].expect("Found batch batch-2")
    ws["ui"].send("continue")
    agent_pid = wait_for(lambda: pidfile.exists() and pidfile.read_text() and int(pidfile.read_text()))
    child_pid = wait_for(lambda: childfile.exists() and childfile.read_text() and int(childfile.read_text()))
    ws["ui"].proc.send_signal(signal.SIGKILL)
    ws["ui"].proc.wait(timeout=10)
    assert wait_for(lambda: gone(agent_pid) and gone(child_pid), timeout=8)
    assert read_status(orch.paths, "ui")["status"] == "interrupted"
    ws["ui"] = workers(root, "ui", agent, env=env)
    ws["ui"].expect("Found batch batch-2")
    ws["ui"].send("continue")
    ws["ui"].expect("Done.")
    time.sleep(0.3)
    ui_wt = root / ".buildrunner" / "worktrees" / "ui"
    assert not (ui_wt / "ui" / "late.js").exists()  # the agent's leftover process never committed

    # round 2: core's resolution and ui's batch land together
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"core": "merged", "ui": "merged"}
    assert "price(i, 10, 'EUR')" in (root / "api" / "orders.py").read_text()
    assert "round(item.cost * qty, 2)" in (root / "core" / "pricing.py").read_text()  # both intents kept
    assert "(batch-1)" in git(root, "log", "--format=%s", "-2", "main")  # the resolved work keeps its batch id
    assert orch.state["batch"]["assignments"] == {"core": ["core-tax"], "api": ["api-refunds"]}
    api_task = orch.command_for("api")["tasks"][0]
    assert api_task["model_source"] == "task" and "opus" in api_task["model"]

    # batch 3: api's refunds fail verify: bisected out, core lands, main never sees the failure
    for name in ("core", "api"):
        ws[name].send("check")
        ws[name].expect("Found batch batch-3")
        ws[name].send("continue")
        ws[name].expect("Done.")
    before = git(root, "rev-parse", "main")
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"core": "merged", "api": "held"}
    (vc,) = next(s for s in report.streams if s.stream == "api").conflicts
    assert vc.kind == "verify" and "exited with code 1" in vc.detail and "a refund must be negative" in vc.output
    assert git(root, "rev-parse", "main^1") == before and not (root / "api" / "refunds.py").exists()
    assert subprocess.run([sys.executable, "check.py"], cwd=root).returncode == 0
    api_cmd = orch.command_for("api")
    assert api_cmd["kind"] == "resolution" and "a refund must be negative" in \
        (root / ".buildrunner" / "orchestration" / "prompts" / f"api-{api_cmd['batch_id']}.md").read_text()
    ws["api"].send("check")
    ws["api"].expect("Found resolution work batch-3-resolve-1")
    ws["api"].send("continue")
    ws["api"].expect("Done.")
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"api": "merged"}
    assert orch.state["finished"] is True and sorted(orch.state["done"]) == sorted(orch.plan.tasks)
    for w in ws.values():
        w.send("check")
        w.expect("All tasks of the plan are merged")
    assert subprocess.run([sys.executable, "check.py"], cwd=root).returncode == 0

    # every agent run got its task's model as {model} and BR_MODEL, and the prompt showed it
    runs = [json.loads(line) for line in models_log.read_text().splitlines()]
    for run in runs:
        assert run["argv"] == ["--model", run["model"]] and run["model"] and run["prompt_has_model"], run
    assert "opus" in next(r["model"] for r in runs if r["key"] == "api/batch-3")
    history = orch.state["merges"]
    assert sorted(history[0]["streams"].items()) == [("api", "merged"), ("core", "held"), ("ui", "merged")]
