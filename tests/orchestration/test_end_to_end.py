"""The whole cycle with three streams, real workers, a scripted agent and real git:
plan → batch 1 → workers → merge (one textual + one semantic conflict held) → batch 2 →
conflicts resolved → merge → batch 3 → merge → plan complete."""

from __future__ import annotations

import pytest
import json

from buildrunner.orchestration.orchestrator import Orchestrator
from buildrunner.orchestration.state import read_json

from .conftest import git

SIG = ("def price(item, qty):\n    return item.cost * qty",
       "def price(item, qty, currency):\n    return convert(item.cost * qty, currency)")


def steps():
    return {
        # batch 1: core changes price()'s signature; api adds a call with the old signature
        # (semantic conflict); ui strays into core/pricing.py, same line as core (textual conflict)
        "core/batch-1": {"message": "core-currency: prices take a currency",
                         "edits": [{"path": "core/pricing.py", "replace": list(SIG)}]},
        "api/batch-1": {"message": "api-orders: bulk totals",
                        "edits": [{"path": "api/orders.py", "replace": [
                            "return sum(price(i, 1) for i in items)",
                            "return sum(price(i, 1) for i in items)\n\n\ndef bulk_total(items):\n"
                            "    return sum(price(i, 10) for i in items)"]}]},
        "ui/batch-1": {"message": "ui-cart: totals",
                       "edits": [{"path": "ui/cart.js", "replace": ["i.cost", "i.cost * i.qty"]},
                                 {"path": "core/pricing.py", "replace": [
                                     "def price(item, qty):", "def price(item, qty=1):"]}]},
        "core/batch-2": {"message": "core-tax: tax rules",
                         "edits": [{"path": "core/tax.py", "content": "def tax(total):\n    return total * 0.2\n"}]},
        "api/batch-3": {"message": "api-refunds: refunds",
                        "edits": [{"path": "api/refunds.py",
                                   "content": "from core.pricing import price\n\n\ndef refund(i):\n"
                                              "    return -price(i, 1, 'EUR')\n"}]},
        "ui/batch-3": {"message": "ui-checkout: page",
                       "edits": [{"path": "ui/checkout.js", "content": "export const checkout = () => 1;\n"}]},
    }


@pytest.mark.slow
def test_three_streams_full_cycle(project, scenario, workers):
    root = project.root
    agent = scenario(steps())
    orch = Orchestrator(root)
    state, resumed = orch.start()
    assert not resumed
    assert state["batch"]["assignments"] == {"core": ["core-currency"], "api": ["api-orders"], "ui": ["ui-cart"]}
    # dependencies wait, with a reason
    waits = {w["task"]: w["reason"] for w in state["batch"]["waiting"]}
    assert waits["api-refunds"] == "depends on 'core-currency' (stream 'core'), which has not run yet"
    assert "max_tasks_per_batch" in waits["core-tax"]
    for name in ("core", "api", "ui"):
        assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
        assert (root / ".buildrunner" / "worktrees" / name / "core" / "pricing.py").exists()
        cmd, err = read_json(root / ".buildrunner" / "commands" / f"{name}.json")
        assert err is None and cmd["batch_id"] == "batch-1" and cmd["branch"] == f"stream/{name}"
        assert cmd["context"]["completed_tasks"] == []
    main_before = git(root, "rev-parse", "main")

    # workers 2..4: real subprocesses, driven like a person would
    ws = {name: workers(root, name, agent) for name in ("core", "api", "ui")}
    for w in ws.values():
        w.expect("Found batch batch-1")
        w.send("continue")
    for w in ws.values():
        w.expect("Done.")
    ui_status = read_json(root / ".buildrunner" / "status" / "ui.json")[0]
    assert ui_status["status"] == "complete" and ui_status["completed_tasks"] == ["ui-cart"]
    assert any("core/pricing.py" in w for w in ui_status["warnings"])  # strayed outside its files
    tips = {n: git(root, "rev-parse", f"stream/{n}") for n in ("api", "ui")}

    # merge round 1: core merges, api (semantic) and ui (textual) are held with precise reports
    report = orch.merge()
    results = {s.stream: s.result for s in report.streams}
    assert results == {"core": "merged", "api": "held", "ui": "held"}
    api_c = next(s for s in report.streams if s.stream == "api").conflicts
    assert [c.kind for c in api_c] == ["signature"]
    assert api_c[0].file == "core/pricing.py" and api_c[0].other_file == "api/orders.py"
    assert api_c[0].symbols == ["price"] and "price(i, 10)" in api_c[0].detail
    assert api_c[0].commits["core"] and api_c[0].commits["api"]
    ui_c = next(s for s in report.streams if s.stream == "ui").conflicts
    assert ui_c[0].kind == "textual" and ui_c[0].file == "core/pricing.py" and "price" in ui_c[0].symbols
    assert ui_c[0].commits["ui"] == [tips["ui"][:10]]
    assert any("resolve api" in s for s in report.suggestions) and any("resolve ui" in s for s in report.suggestions)
    # nothing corrupted: held branches untouched, main = one clean merge of core, no conflict markers
    assert {n: git(root, "rev-parse", f"stream/{n}") for n in ("api", "ui")} == tips
    assert git(root, "rev-parse", "main^1") == main_before
    assert "<<<<<<<" not in (root / "core" / "pricing.py").read_text()
    assert "currency" in (root / "core" / "pricing.py").read_text()  # the checkout followed
    assert git(root, "status", "--porcelain", "--untracked-files=no") == ""

    # batch 2 is prepared automatically: core continues, held streams wait with a reason
    state = orch.state
    assert state["batch"]["id"] == "batch-2"
    assert state["batch"]["assignments"] == {"core": ["core-tax"]}
    assert any("conflict resolution" in w["reason"] for w in state["batch"]["waiting"])
    cmd = read_json(root / ".buildrunner" / "commands" / "core.json")[0]
    assert [t["id"] for t in cmd["context"]["completed_tasks"]] == ["core-currency"]
    # an orchestrator restarted now resumes from state.json
    again, resumed = Orchestrator(root).start()
    assert resumed and again["batch"]["id"] == "batch-2" and again["done"] == ["core-currency"]
    assert again["streams"]["api"]["held"] and again["streams"]["api"]["pending_tasks"] == ["api-orders"]
    ws["core"].send("check")
    ws["core"].expect("Found batch batch-2")
    ws["core"].send("continue")
    ws["core"].expect("Done.")

    # the user resolves the held streams in their worktrees
    api_wt = root / ".buildrunner" / "worktrees" / "api"
    git(api_wt, "merge", "-q", "--no-edit", "main")
    orders = api_wt / "api" / "orders.py"
    orders.write_text(orders.read_text().replace("price(i, 10)", "price(i, 10, 'EUR')").replace(
        "price(i, 1)", "price(i, 1, 'EUR')"))
    git(api_wt, "commit", "-qam", "api-orders: pass the currency")
    ui_wt = root / ".buildrunner" / "worktrees" / "ui"
    assert "CONFLICT" in git(ui_wt, "merge", "--no-edit", "main", check=False)
    git(ui_wt, "checkout", "--theirs", "core/pricing.py")
    git(ui_wt, "commit", "-qam", "ui-cart: take core's pricing")

    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"core": "merged", "api": "merged", "ui": "merged"}
    assert orch.state["conflicts"] == []
    assert orch.state["batch"]["id"] == "batch-3"
    assert orch.state["batch"]["assignments"] == {"api": ["api-refunds"], "ui": ["ui-checkout"]}
    for name in ("api", "ui"):
        ws[name].send("check")
        ws[name].expect("Found batch batch-3")
        ws[name].send("continue")
        ws[name].expect("Done.")
    report = orch.merge()
    assert {s.stream: s.result for s in report.streams} == {"api": "merged", "ui": "merged"}
    assert orch.state["finished"] is True
    assert sorted(orch.state["done"]) == sorted(orch.plan.tasks)
    for w in ws.values():
        w.send("check")
        w.expect("All tasks of the plan are merged")
    files = git(root, "ls-files").split()
    assert {"core/tax.py", "api/refunds.py", "ui/checkout.js"} <= set(files)
    assert "price(i, 10, 'EUR')" in (root / "api" / "orders.py").read_text()
    history = orch.state["merges"]
    assert [sorted(m["streams"].items()) for m in history][0] == [("api", "held"), ("core", "merged"), ("ui", "held")]
    state_file = json.loads((root / ".buildrunner" / "orchestration" / "state.json").read_text())
    assert state_file["finished"] is True
