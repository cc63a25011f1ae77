"""Event schema: envelope, validation, sanitizing of arguments and strings."""

from __future__ import annotations

import json
import re

import pytest

from buildrunner.telemetry import events, record
from buildrunner.telemetry.events import EventError, validate_data, validate_event
from buildrunner.telemetry.privacy import sanitize_args


def test_command_event_envelope_and_payload(project, br, tele):
    res = br("feature", "add", "Checkout flow", "--complexity", "complex", "--json", cwd=project.root)
    assert res.exit_code == 0
    json.loads(res.stdout)  # the first-collection notice went to stderr, stdout stays JSON
    assert "Opt out" in res.stderr
    evs = tele.read_events(project)
    cmd = [e for e in evs if e["type"] == "command"][-1]
    for event in evs:
        validate_event(event)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["ts"])
        assert event["schema"] == events.SCHEMA_VERSION
        assert re.fullmatch(r"p_[0-9a-f]{16}", event["project"]) and str(project.root) not in json.dumps(event)
        assert re.fullmatch(r"u_[0-9a-f]{16}", event["user"])
        assert event["commit"] == project_head(project)[:12]
    assert cmd["data"]["command"] == "feature add"
    assert cmd["data"]["args"] == ["<arg>", "--complexity", "complex", "--json"]
    assert cmd["data"]["success"] is True and cmd["data"]["exit_code"] == 0
    assert cmd["data"]["duration_ms"] > 0
    feat = [e for e in evs if e["type"] == "feature"]
    assert feat[0]["data"] == {"action": "added", "feature_id": "F1", "complexity": "complex"}
    assert "Checkout" not in tele.log_text(project)  # feature names stay in features.json


def project_head(project) -> str:
    import subprocess

    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=project.root, capture_output=True, text=True).stdout.strip()


def test_failed_command_is_recorded_with_exit_code(project, br, tele):
    res = br("feature", "start", "F99", cwd=project.root)
    assert res.exit_code == 2 and "no feature" in res.stderr
    cmd = [e for e in tele.read_events(project) if e["type"] == "command"][-1]
    assert cmd["data"]["command"] == "feature start"
    assert cmd["data"] | {"duration_ms": 0} == {"command": "feature start", "args": ["<arg>"], "duration_ms": 0,
                                                 "success": False, "exit_code": 2}


def test_help_version_and_unknown_commands_are_not_recorded(project, br, tele):
    br("--version", cwd=project.root)
    br("feature", "--help", cwd=project.root)
    br("no-such-command", cwd=project.root)
    assert tele.read_events(project) == []
    br("feature", "list", cwd=project.root)  # the control: a real command right after is recorded
    assert [e["data"]["command"] for e in tele.read_events(project)] == ["feature list"]


def test_same_user_and_project_ids_across_commands_but_not_across_projects(project, br, tele, tmp_path):
    br("feature", "list", cwd=project.root)
    br("feature", "list", cwd=project.root)
    other = tmp_path / "other"
    (other / ".buildrunner").mkdir(parents=True)
    br("feature", "list", cwd=other)
    from buildrunner.project import Project

    a = tele.read_events(project)
    b = tele.read_events(Project(other))
    assert len({e["project"] for e in a}) == 1 and len({e["user"] for e in a + b}) == 1
    assert a[0]["project"] != b[0]["project"]
    assert b[0]["commit"] == ""  # not a git repository


@pytest.mark.parametrize("data, message", [
    ({"action": "added"}, "feature.feature_id is required"),
    ({"action": "finished", "feature_id": "F1"}, "must be one of"),
    ({"action": "completed", "feature_id": "F1", "duration_hours": -1}, "below"),
    ({"action": "completed", "feature_id": "F1", "duration_hours": "2"}, "expected a number"),
    ({"action": "added", "feature_id": "the login page for admins"}, "not a short token"),
])
def test_invalid_payloads_are_rejected(data, message):
    with pytest.raises(EventError, match=message):
        validate_data("feature", data)


def test_unknown_type_and_free_text_extras():
    with pytest.raises(EventError, match="unknown event type"):
        validate_data("keystrokes", {})
    clean = validate_data("model_usage", {"model": "claude-haiku-4-5", "input_tokens": 10, "cached": True,
                                          "prompt": "please rewrite the auth module", "answer": {"a": 1},
                                          "Bad Name": 3, "latency_ms": 12.5})
    assert clean == {"model": "claude-haiku-4-5", "input_tokens": 10, "cached": True, "latency_ms": 12.5}


def test_validate_event_checks_the_envelope():
    good = {"schema": 1, "type": "quality", "ts": "2026-01-02T03:04:05.000Z", "project": "p_" + "a" * 16,
            "user": "u_" + "b" * 16, "br": "0.1.0", "commit": "", "data": {"score": 90}}
    validate_event(good)
    for field, bad in [("ts", "2026-01-02 03:04"), ("project", "/home/me/app"), ("user", "me@example.com"),
                       ("commit", "HEAD"), ("schema", 2)]:
        with pytest.raises(EventError):
            validate_event({**good, field: bad})


def test_argument_shapes():
    assert sanitize_args(["src/app.py", "--format", "sarif", "--output", "out.sarif"]) == \
        ["<arg>", "--format", "sarif", "--output", "<arg>"]
    assert sanitize_args(["--since=2026-01-01", "--token=abc123", "--message", "fix the bug"]) == \
        ["--since=2026-01-01", "--token=<value>", "--message", "<arg>"]
    assert sanitize_args(["--format", "../.env"]) == ["--format", "<value>"]
    assert sanitize_args(["--", "-rf"]) == ["--", "<arg>"]
    assert sanitize_args(["--Weird_Option9"]) == ["<opt>"]


def test_record_api_never_raises_and_reports_what_happened(project, monkeypatch, tele):
    assert record("quality", project, score=91.5, coverage=80.0, violations=2, passed=True) is True
    assert record("quality", project, score="high") is False  # invalid: dropped, no exception
    assert record("nonsense", project) is False
    assert record("quality", object(), score=1) is False  # not a project at all
    monkeypatch.setenv("BR_TELEMETRY", "0")
    assert record("quality", project, score=50) is False
    assert [e["data"]["score"] for e in tele.read_events(project)] == [91.5]


def test_dotted_subtypes_name_the_action(project, tele):
    assert record("orchestration.batch_started", project, batch=3, streams=2)
    assert record("orchestration.merge", project, stream="auth-api", result="merged", conflicts=0)
    assert record("orchestration.merge", project, stream="a stream name with spaces", conflicts=1)
    assert not record("orchestration.merge", project, duration_ms="slow")  # a declared field of the wrong type
    assert [(e["type"], e["data"]) for e in tele.read_events(project)] == [
        ("orchestration", {"action": "batch_started", "batch": 3, "streams": 2}),
        ("orchestration", {"action": "merge", "stream": "auth-api", "result": "merged", "conflicts": 0}),
        ("orchestration", {"action": "merge", "conflicts": 1}),  # free text dropped
    ]


def test_router_ledger_events_fit_the_schema(project, tele):
    fields = {"model": "claude-haiku-4-5", "tier": "haiku", "task_type": "format", "complexity": "simple",
              "routing": "auto", "input_tokens": 812, "output_tokens": 120, "cache_read_input_tokens": 0,
              "cost_usd": 0.0001412, "duration_ms": 840.2, "fallback": False, "attempts": 1, "success": True,
              "error": "overloaded: the API is busy, retry later"}
    assert record("model_usage", project, **fields)
    data = tele.read_events(project)[0]["data"]
    assert data["model"] == "claude-haiku-4-5" and data["input_tokens"] == 812 and "error" not in data
    assert data["cost_usd"] == 0.0001412  # a cheap call keeps its cost (4 significant digits, not 4 decimals)


def test_small_costs_add_up_in_the_summary(project, tele):
    from buildrunner.telemetry.analyzer import TelemetryAnalyzer

    for _ in range(100):
        assert record("model_usage", project, model="claude-haiku-4-5", tier="haiku", input_tokens=812,
                      output_tokens=120, cost_usd=0.0001412, duration_ms=840.2, success=True)
    assert TelemetryAnalyzer(project).model_usage()["cost_usd"] == pytest.approx(0.01412)
