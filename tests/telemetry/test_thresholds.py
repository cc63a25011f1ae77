"""Learning phases: crossing thresholds raises exactly one alert; banners, files, dismissal, registry."""

from __future__ import annotations

import json
import time

import pytest

from buildrunner.telemetry._files import utc_now_iso
from buildrunner.telemetry.hook import record_event


def seed(project, *, features: int, builds: int, days_ago: float = 15) -> None:
    """History as if recorded `days_ago` days ago (real events through the real collector)."""
    ts = utc_now_iso(time.time() - days_ago * 86400)
    for i in range(features):
        assert record_event("feature", {"action": "completed", "feature_id": f"F{900 + i}", "complexity": "simple",
                                        "duration_hours": 1.0}, project, ts=ts)
    for i in range(builds):
        assert record_event("build_run", {"action": "completed", "build_id": f"B{900 + i}", "success": True,
                                          "duration_hours": 0.5}, project, ts=ts)


@pytest.mark.slow
def test_thirty_features_raise_exactly_one_alert(project, br, tele):
    seed(project, features=29, builds=20)
    br("feature", "add", "Reports", cwd=project.root)
    br("feature", "add", "Exports", cwd=project.root)
    res = br("feature", "start", "F1", cwd=project.root)
    assert "Learning phase ready" not in res.stderr
    crossing = br("feature", "complete", "F1", cwd=project.root)
    assert crossing.exit_code == 0 and crossing.stdout.startswith("Completed F1")
    banner = crossing.stderr
    assert "Learning phase ready: Analytics dashboard" in banner
    assert "✅ Features completed" in banner and "30 / 30" in banner
    assert "✅ Builds completed" in banner and "✅ Days of data" in banner
    assert "Estimated build time: 2-4 hours" in banner
    assert "br build start analytics_dashboard" in banner and "br telemetry dismiss analytics_dashboard" in banner
    assert "Pattern recognition" not in banner
    alert_file = project.br_dir / "alerts" / "learning_ready.md"
    text = alert_file.read_text()
    assert text.startswith("# Learning phase ready: Analytics dashboard")
    assert "| ✅ | Features completed | 30 | 30 |" in text
    mtime = alert_file.stat().st_mtime_ns

    # the next commands: no repeat; `br status` shows it once more, then never again
    assert "Learning phase ready" not in br("feature", "list", cwd=project.root).stderr
    assert "Learning phase ready" in br("status", cwd=project.root).stderr
    assert "Learning phase ready" not in br("status", cwd=project.root).stderr
    br("feature", "complete", "F2", cwd=project.root)  # 31 features: still one alert
    assert alert_file.stat().st_mtime_ns == mtime
    history = json.loads((project.br_dir / "alerts" / "history.json").read_text())
    assert list(history) == ["analytics_dashboard"]
    entry = history["analytics_dashboard"]
    assert entry["stats"] == {"features": 30, "builds": 20, "days": 15}
    assert entry["ready_at"] and entry["banner_shown_at"] and entry["status_shown_at"]
    alerts = json.loads(br("telemetry", "alerts", "--json", cwd=project.root).stdout)
    assert alerts["alerts"][0]["phase"] == "analytics_dashboard" and alerts["alerts"][0]["ready_at"]
    assert alerts["channels"] == {"slack": None, "email": None}


def test_days_threshold_blocks_until_enough_history(project, br):
    seed(project, features=35, builds=25, days_ago=3)
    res = br("feature", "list", cwd=project.root)
    assert "Learning phase ready" not in res.stderr
    ready = json.loads(br("telemetry", "ready", "analytics_dashboard", "--json", cwd=project.root).stdout)
    assert ready[0]["ready"] is False
    assert {p["metric"]: (p["current"], p["met"]) for p in ready[0]["progress"]} == \
        {"features": (35, True), "builds": (25, True), "days": (3, False)}
    assert br("telemetry", "ready", "analytics_dashboard", cwd=project.root).exit_code == 1


def test_dismissed_phase_never_alerts(project, br):
    assert br("telemetry", "dismiss", "analytics_dashboard", cwd=project.root).exit_code == 0
    seed(project, features=30, builds=20)
    res = br("feature", "list", cwd=project.root)
    assert "Learning phase ready" not in res.stderr
    assert "Learning phase ready" not in br("status", cwd=project.root).stderr
    assert not (project.br_dir / "alerts" / "learning_ready.md").exists()
    row = json.loads(br("telemetry", "alerts", "--json", cwd=project.root).stdout)["alerts"][0]
    assert row["dismissed_at"] and row["ready_at"]
    assert "dismissed" in br("telemetry", "alerts", cwd=project.root).stdout


def test_dismiss_after_the_alert_silences_the_status_banner(project, br):
    seed(project, features=30, builds=20)
    assert "Learning phase ready" in br("feature", "list", cwd=project.root).stderr
    br("telemetry", "dismiss", "analytics_dashboard", cwd=project.root)
    assert "Learning phase ready" not in br("status", cwd=project.root).stderr


def test_unknown_phase_is_a_usage_error(project, br):
    res = br("telemetry", "dismiss", "world_domination", cwd=project.root)
    assert res.exit_code == 2 and "unknown phase" in res.stderr and "analytics_dashboard" in res.stderr


def test_ready_shows_progress_bars(project, br):
    seed(project, features=15, builds=5, days_ago=7)
    out = br("telemetry", "ready", cwd=project.root).stdout
    assert "Analytics dashboard" in out and "Pattern recognition" in out and "Predictive intelligence" in out
    assert "█" * 12 + "░" * 12 in out  # 15 / 30 features
    assert "❌ Builds completed" in out and "5 / 20" in out


def test_cross_project_phase_counts_projects_from_the_user_registry(tmp_path, br, telemetry_on):
    from buildrunner.project import Project
    from buildrunner.telemetry import registry
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.thresholds import ThresholdMonitor

    phases = [{"id": "mini_patterns", "title": "Mini patterns", "scope": "user",
               "thresholds": {"features": 6, "builds": 3, "projects": 3, "days": 10}}]
    roots = []
    for n in range(3):
        root = tmp_path / f"p{n}"
        (root / ".buildrunner").mkdir(parents=True)
        roots.append(root)
        seed(Project(root), features=2, builds=1, days_ago=11)
        br("feature", "list", cwd=root)  # the hook syncs each project's entry into the registry
    projects = registry.load()
    assert len(projects) == 3 and all(str(tmp_path) not in key for key in projects)
    assert registry.totals(projects) == {"projects": 3, "features": 6, "builds": 3,
                                         "first_day": min(p["first_day"] for p in projects.values())}
    summary = TelemetryCollector(Project(roots[0])).summary()
    monitor = ThresholdMonitor(Project(roots[0]), summary, phases=phases)
    assert monitor.is_ready(phases[0])
    assert [p["id"] for p in monitor.check()] == ["mini_patterns"]
    assert monitor.check() == []  # once, for the user — not once per project
    other = ThresholdMonitor(Project(roots[1]), TelemetryCollector(Project(roots[1])).summary(), phases=phases)
    assert other.check() == []
    br("telemetry", "clear", "--yes", cwd=roots[2])
    assert len(registry.load()) == 2
