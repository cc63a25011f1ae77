"""`br model stats` over a recorded history, and the usage ledger's robustness."""

from __future__ import annotations

import json
import multiprocessing
import time

import pytest

from buildrunner.project import Project
from buildrunner.router import usage
from buildrunner.router.catalog import load_catalog
from buildrunner.router.stats import compute, parse_period

HAIKU, SONNET, OPUS = "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"
DAY = 86400


def _event(model, tier, *, inp=10_000, out=1_000, task_type="fix", complexity="medium", success=True,
           duration=1000.0, age_days=0.0, fallback_from=(), routing="auto", cache_read=0):
    cat = load_catalog()
    from buildrunner.router.catalog import Usage, cost

    u = Usage(input_tokens=inp, output_tokens=out, cache_read_input_tokens=cache_read)
    fields = {"model": model, "tier": tier, "task_type": task_type, "complexity": complexity, "routing": routing,
              **u.as_dict(), "cost_usd": cost(cat.tiers[tier], u) if success else 0.0,
              "duration_ms": duration, "fallback": bool(fallback_from), "fallback_from": list(fallback_from),
              "attempts": 1 + len(fallback_from), "success": success, "error": None if success else "overloaded"}
    return usage.make_event(fields, timestamp=usage.utc_timestamp(time.time() - age_days * DAY))


def _write(root, events, extra_lines=()):
    path = root / ".buildrunner" / "usage" / "model_usage.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(e) for e in events] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_no_usage_says_so_and_shows_zero(br, tmp_path):
    res = br("model", "stats", cwd=tmp_path)
    assert res.exit_code == 0
    assert "No model usage recorded yet" in res.stdout and "Total cost: $0.00" in res.stdout
    data = json.loads(br("model", "stats", "--json", cwd=tmp_path).stdout)
    assert data["tasks"] == 0 and data["total_cost_usd"] == 0 and data["models"] == []


def test_costs_shares_baseline_and_savings(br, tmp_path):
    events = ([_event(HAIKU, "haiku", task_type="format", complexity="simple", duration=400)] * 6
              + [_event(SONNET, "sonnet", duration=2000)] * 3
              + [_event(OPUS, "opus", task_type="migration", complexity="complex", duration=6000,
                        fallback_from=[SONNET])])
    _write(tmp_path, events)
    data = json.loads(br("model", "stats", "--json", "--period", "all", cwd=tmp_path).stdout)
    haiku_cost = (10_000 * 0.10 + 1_000 * 0.50) / 1e6
    sonnet_cost = (10_000 * 2 + 1_000 * 10) / 1e6
    opus_cost = (10_000 * 4 + 1_000 * 20) / 1e6
    total = 6 * haiku_cost + 3 * sonnet_cost + opus_cost
    assert data["tasks"] == 10 and data["fallbacks"] == 1
    assert data["total_cost_usd"] == pytest.approx(total)
    assert data["baseline"]["cost_usd"] == pytest.approx(10 * sonnet_cost)
    assert data["savings_usd"] == pytest.approx(10 * sonnet_cost - total)
    assert data["savings_pct"] == pytest.approx(round(100 * (10 * sonnet_cost - total) / (10 * sonnet_cost), 1))
    rows = {m["model"]: m for m in data["models"]}
    assert rows[HAIKU]["tasks"] == 6 and rows[HAIKU]["share_tasks_pct"] == 60.0
    assert rows[OPUS]["avg_cost_per_task_usd"] == pytest.approx(opus_cost)
    assert rows[SONNET]["avg_latency_ms"] == 2000.0
    assert (data["fastest"], data["slowest"]) == (HAIKU, OPUS)
    text = br("model", "stats", "--period", "all", cwd=tmp_path).stdout
    assert f"Total cost: ${total:.4f}" in text
    assert f"All on Sonnet ({SONNET}) would have cost: ${10 * sonnet_cost:.4f}" in text
    assert "Savings: $" in text and f"Fastest: {HAIKU}   Slowest: {OPUS}" in text


def test_period_filters_old_usage(br, tmp_path):
    _write(tmp_path, [_event(HAIKU, "haiku", age_days=2), _event(SONNET, "sonnet", age_days=20),
                      _event(OPUS, "opus", age_days=60)])
    counts = {p: json.loads(br("model", "stats", "--json", "--period", p, cwd=tmp_path).stdout)["tasks"]
              for p in ("7d", "30d", "all")}
    assert counts == {"7d": 1, "30d": 2, "all": 3}
    res = br("model", "stats", "--period", "fortnight", cwd=tmp_path)
    assert res.exit_code == 2 and "invalid --period" in res.stderr


def test_corrupt_lines_are_skipped_and_counted(br, tmp_path):
    _write(tmp_path, [_event(HAIKU, "haiku")], extra_lines=["{not json", '{"event_type": "other"}', "\x00\x01"])
    res = br("model", "stats", "--period", "all", cwd=tmp_path)
    assert res.exit_code == 0
    assert "skipped 3 unreadable line(s)" in res.stdout
    assert json.loads(br("model", "stats", "--json", "--period", "all", cwd=tmp_path).stdout)["tasks"] == 1


def test_hand_edited_lines_with_wrong_types_do_not_crash_stats(br, tmp_path):
    odd = {**_event(HAIKU, "haiku"), "task_type": 5, "tier": 7, "complexity": ["x"], "fallback_from": "claude-x"}
    _write(tmp_path, [_event(HAIKU, "haiku", task_type="fix"), odd])
    res = br("model", "stats", "--json", "--period", "all", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["tasks"] == 2 and [m["tier"] for m in report["models"]] == ["haiku"]
    assert br("model", "stats", "--period", "all", cwd=tmp_path).exit_code == 0


_IDS = iter(range(1, 1_000_000))


def _judged(event, verdict):
    """`event` with a route id, and the outcome recorded for that route."""
    route_id = f"r{next(_IDS):08x}"
    return {**event, "route_id": route_id}, {"event": "outcome", "id": route_id, "outcome": verdict}


def test_recommendations_come_from_task_outcomes_not_api_success():
    cat = load_catalog()
    pairs = ([_judged(_event(HAIKU, "haiku", task_type="docs", complexity="simple"), "ok") for _ in range(4)]
             + [_judged(_event(SONNET, "sonnet", task_type="docs", complexity="simple"), "ok") for _ in range(5)]
             # the API call succeeded, but the task was not done well: a task failure
             + [_judged(_event(HAIKU, "haiku", task_type="test"), "failed") for _ in range(2)]
             + [_judged(_event(HAIKU, "haiku", task_type="test"), "ok") for _ in range(2)])
    events = [e for e, _ in pairs] + [_event(SONNET, "sonnet", fallback_from=[HAIKU], task_type="chore")] * 3 \
        + [_event(OPUS, "opus", task_type="typo", complexity="simple", routing="manual")] * 3
    results = [o for _, o in pairs]
    recs = compute(events, cat, outcomes=results)["recommendations"]
    text = "\n".join(recs)
    assert "'docs' tasks were done well on Haiku 4/4 times, yet 5 ran on sonnet" in text
    assert "'test' tasks failed on Haiku 2/4 times" in text
    assert f"{HAIKU} needed a fallback in 3 of" in text
    assert "3 simple tasks ran on bigger models under manual routing" in text
    assert compute([_event(HAIKU, "haiku")], cat)["recommendations"] == []
    # API failures without a task verdict say nothing about routing
    api_failures = [_event(HAIKU, "haiku", task_type="test", success=False)] * 6
    assert not any("failed on Haiku" in r for r in compute(api_failures, cat)["recommendations"])


def test_tier_recommendations_from_escalations_and_overrides():
    cat = load_catalog()
    routes = [{"event": "route", "id": f"h{i}", "tier": "haiku", "mode": "auto", "_t": 0.0} for i in range(10)]
    routes += [{"event": "route", "id": f"o{i}", "tier": "opus", "mode": "auto", "_t": 0.0} for i in range(6)]
    results = ([{"id": f"h{i}", "outcome": "escalated"} for i in range(3)] + [{"id": f"h{i}", "outcome": "ok"}
                                                                              for i in range(3, 8)]
               + [{"id": f"o{i}", "outcome": "overridden_down"} for i in range(4)]
               + [{"id": "o5", "outcome": "ok"}])
    report = compute([], cat, routes=routes, outcomes=results)
    text = "\n".join(report["recommendations"])
    assert "3 of 8 tasks routed to Haiku failed or were re-run on a stronger model" in text
    assert "4 of 5 tasks routed to Opus were re-run on a cheaper model" in text
    assert report["outcomes"]["haiku"] == {"routes": 10, "ok": 5, "failed": 0, "escalated": 3, "overridden_down": 0}


def test_parse_period():
    now = 1_000_000.0
    assert parse_period("all") is None
    assert parse_period("7d", now) == now - 7 * DAY
    assert parse_period("24h", now) == now - 86400
    assert parse_period("2w", now) == now - 14 * DAY


def _append_many(root: str, n: int) -> None:
    project = Project(__import__("pathlib").Path(root))
    for i in range(n):
        usage.record(project, {"model": HAIKU, "tier": "haiku", "input_tokens": i, "output_tokens": 1,
                               "cost_usd": 0.000001, "success": True, "task_type": "x" * 200})


def test_concurrent_writers_never_interleave_lines(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), 150)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ledger = usage.read(Project(tmp_path))
    assert len(ledger.events) == 600 and ledger.corrupt_lines == 0


def test_record_keeps_only_known_fields(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    event = usage.record(Project(tmp_path), {"model": HAIKU, "prompt": "secret task text", "answer": "text",
                                             "success": True})
    assert "prompt" not in event and "answer" not in event
    assert "secret task text" not in (tmp_path / ".buildrunner" / "usage" / "model_usage.jsonl").read_text()


def test_stats_text_report_snapshot(snapshot):
    from buildrunner.cli.model import render_stats

    events = ([_event(HAIKU, "haiku", task_type="format", complexity="simple", duration=400)] * 6
              + [_event(SONNET, "sonnet", duration=2000, cache_read=50_000)] * 3
              + [_event(OPUS, "opus", task_type="migration", complexity="complex", duration=6000,
                        fallback_from=[SONNET])])
    assert render_stats(compute(events, load_catalog(), period="7d")) == snapshot


def test_stats_output_file(br, tmp_path):
    _write(tmp_path, [_event(HAIKU, "haiku")])
    out = tmp_path / "reports" / "stats.json"
    out.parent.mkdir()
    res = br("model", "stats", "--format", "json", "--output", str(out), cwd=tmp_path)
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(out.read_text())["tasks"] == 1
