"""TelemetryAnalyzer: queries, counts, averages, trends — and the index agreeing with a recount."""

from __future__ import annotations

from datetime import date

from buildrunner.telemetry import summary as summ
from buildrunner.telemetry.analyzer import TelemetryAnalyzer
from buildrunner.telemetry.collector import TelemetryCollector
from buildrunner.telemetry.hook import record_event


def _seed(project):
    rows = [
        ("2026-11-02T09:00:00.000Z", "feature", {"action": "completed", "feature_id": "F1", "complexity": "simple",
                                                 "duration_hours": 2.0}),
        ("2026-11-03T09:00:00.000Z", "command", {"command": "status", "args": [], "duration_ms": 10.0,
                                                 "success": True, "exit_code": 0}),
        ("2026-11-10T09:00:00.000Z", "feature", {"action": "completed", "feature_id": "F2", "complexity": "complex",
                                                 "duration_hours": 6.0}),
        ("2026-11-10T10:00:00.000Z", "build_run", {"action": "completed", "build_id": "B1", "success": False,
                                                   "duration_hours": 1.0}),
        ("2026-11-11T09:00:00.000Z", "command", {"command": "security check", "args": ["--staged"],
                                                 "duration_ms": 30.0, "success": False, "exit_code": 1}),
        ("2026-11-11T09:30:00.000Z", "model_usage", {"model": "claude-haiku-4-5", "tier": "haiku",
                                                     "input_tokens": 1000, "output_tokens": 200, "cost_usd": 0.002}),
        ("2026-11-12T09:30:00.000Z", "model_usage", {"model": "claude-sonnet-4-5", "tier": "sonnet",
                                                     "input_tokens": 3000, "output_tokens": 900, "cost_usd": 0.0225,
                                                     "success": False}),
        ("2026-11-12T10:00:00.000Z", "quality", {"score": 80.0, "coverage": 70.0, "violations": 3}),
        ("2026-11-13T10:00:00.000Z", "quality", {"score": 90.0, "violations": 1}),
        ("2026-11-13T11:00:00.000Z", "security", {"counts": {"secrets.aws-access-key": 2, "secrets.github-pat": 1},
                                                  "scope": "staged"}),
    ]
    for ts, etype, data in rows:
        assert record_event(etype, data, project, ts=ts)


def test_queries_counts_averages_and_trends(project):
    _seed(project)
    an = TelemetryAnalyzer(project)
    assert an.count() == 10
    assert an.count("feature") == 2 and an.count("model_usage") == 2
    assert [e["data"]["feature_id"] for e in an.query("feature", since="2026-11-05")] == ["F2"]
    assert an.count("command", until="2026-11-05") == 1
    assert an.count("feature", complexity="complex") == 1
    assert an.success_rate() == 0.5
    avg = an.averages()
    assert avg == {"command_ms": 20.0, "feature_hours": 4.0, "build_hours": 1.0, "quality_score": 85.0,
                   "coverage": 70.0}
    usage = an.model_usage()
    assert usage["calls"] == 2 and round(usage["cost_usd"], 4) == 0.0245
    assert usage["by_model"]["claude-sonnet-4-5"]["failed"] == 1
    assert usage["by_model"]["claude-haiku-4-5"]["share"] == 0.5
    trends = an.trends(weeks=3, today=date(2026, 11, 16))
    assert [t["week"] for t in trends] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [t["features"] for t in trends] == [1, 1, 0]
    assert [t["builds"] for t in trends] == [0, 1, 0]
    assert trends[1]["success_rate"] == 0.0 and trends[0]["success_rate"] == 1.0
    assert trends[1]["model_calls"] == 2
    s = an.summary
    assert s["security"]["findings"] == 3 and s["security"]["by_rule"]["secrets.aws-access-key"] == 2
    assert s["builds"]["succeeded"] == 0 and s["features"]["by_complexity"] == {}


def test_incremental_summary_agrees_with_full_recount(project, br):
    _seed(project)
    for name in ("A", "B", "C"):
        br("feature", "add", name, cwd=project.root)
    br("feature", "start", "F1", cwd=project.root)
    br("feature", "complete", "F1", cwd=project.root)
    br("build", "start", "nightly", cwd=project.root)
    br("build", "complete", "--failed", cwd=project.root)
    br("feature", "start", "F9", cwd=project.root)  # a failing command
    collector = TelemetryCollector(project)
    incremental = collector.summary()
    recount = collector.rebuild_summary(save=False)
    assert summ.counters(incremental) == summ.counters(recount)
    assert incremental["features"] | {"hours": 0} == {"added": 3, "started": 1, "completed": 3, "hours": 0,
                                                      "by_complexity": {"medium": 3}}
    assert incremental["by_command"]["feature add"]["count"] == 3
    assert incremental["by_command"]["feature start"] == {"count": 2, "ok": 1,
                                                          "duration_ms": incremental["by_command"]["feature start"]["duration_ms"]}
    assert incremental["builds"]["completed"] == 2 and incremental["builds"]["succeeded"] == 0


def test_summary_survives_clear(project, br, tele):
    br("feature", "add", "A", cwd=project.root)
    assert br("telemetry", "clear", "--yes", cwd=project.root).exit_code == 0
    assert TelemetryCollector(project).summary()["events"] == 0
    br("feature", "list", cwd=project.root)
    assert TelemetryCollector(project).summary()["events"] == 1
