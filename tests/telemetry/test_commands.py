"""`br feature`, `br build` and `br telemetry` commands as a user runs them."""

from __future__ import annotations

import csv
import io
import json


def test_feature_lifecycle(project, br):
    assert br("feature", "add", "Login page", "--complexity", "simple", cwd=project.root).stdout.strip() == \
        "Added F1: Login page (simple)"
    br("feature", "add", "Billing", cwd=project.root)
    assert br("feature", "start", "f1", cwd=project.root).exit_code == 0  # ids are case-insensitive
    done = json.loads(br("feature", "complete", "F1", "--json", cwd=project.root).stdout)
    assert done["status"] == "done" and done["duration_hours"] >= 0
    listed = json.loads(br("feature", "list", "--json", cwd=project.root).stdout)
    assert [(f["id"], f["status"], f["complexity"]) for f in listed] == [("F1", "done", "simple"),
                                                                         ("F2", "planned", "medium")]
    assert [f["id"] for f in json.loads(br("feature", "list", "--status", "planned", "--json",
                                           cwd=project.root).stdout)] == ["F2"]
    text = br("feature", "list", cwd=project.root).stdout
    assert "F1     done" in text and "2 feature(s), 1 done" in text
    again = br("feature", "complete", "F1", cwd=project.root)
    assert again.exit_code == 2 and "already completed" in again.stderr


def test_feature_errors(project, br):
    assert br("feature", "start", "F7", cwd=project.root).exit_code == 2
    bad = br("feature", "add", "X", "--complexity", "huge", cwd=project.root)
    assert bad.exit_code == 2 and "huge" in bad.stderr
    (project.br_dir / "features.json").write_text("{not json", encoding="utf-8")
    res = br("feature", "add", "Y", cwd=project.root)
    assert res.exit_code == 2 and "features.json: not valid JSON" in res.stderr
    assert (project.br_dir / "features.json").read_text() == "{not json"  # never overwritten


def test_feature_needs_an_initialized_project(git_repo, br, telemetry_on):
    for args in (("feature", "list"), ("feature", "add", "X"), ("build", "start", "x"), ("build", "list")):
        res = br(*args, cwd=git_repo.root)
        assert res.exit_code == 2 and "br init" in res.stderr, args
    assert not (git_repo.root / ".buildrunner").exists()


def test_build_start_writes_the_phase_spec_and_complete_records_the_run(project, br, tele):
    res = br("build", "start", "analytics_dashboard", cwd=project.root)
    assert res.exit_code == 0 and "spec: .buildrunner/specs/analytics_dashboard.md" in res.stdout
    spec = (project.br_dir / "specs" / "analytics_dashboard.md").read_text()
    assert spec.startswith("# Build spec: Analytics dashboard")
    assert "❌ Features completed: 0 (threshold 30)" in spec and "## Tasks" in spec and "- [ ] " in spec
    busy = br("build", "start", "other", cwd=project.root)
    assert busy.exit_code == 2 and "still running" in busy.stderr
    run = json.loads(br("build", "complete", "--json", cwd=project.root).stdout)
    assert run["status"] == "succeeded" and run["phase"] == "analytics_dashboard"
    assert br("build", "complete", cwd=project.root).exit_code == 2
    (project.br_dir / "specs" / "analytics_dashboard.md").write_text("my edits")
    br("build", "start", "analytics_dashboard", cwd=project.root)
    assert (project.br_dir / "specs" / "analytics_dashboard.md").read_text() == "my edits"
    br("build", "complete", "--failed", cwd=project.root)
    runs = json.loads(br("build", "list", "--json", cwd=project.root).stdout)
    assert [r["status"] for r in runs] == ["succeeded", "failed"]
    events = [e["data"] for e in tele.read_events(project) if e["type"] == "build_run"]
    assert [(e["action"], e.get("success")) for e in events] == [("started", None), ("completed", True),
                                                                 ("started", None), ("completed", False)]
    assert br("build", "start", "bad name!", cwd=project.root).exit_code == 2


def test_custom_build_names_are_not_recorded(project, br, tele):
    br("build", "start", "acme-migration", cwd=project.root)
    started = [e for e in tele.read_events(project) if e["type"] == "build_run"][0]
    assert started["data"]["phase"] == "custom"
    assert not (project.br_dir / "specs").exists()


def test_telemetry_status(project, br):
    br("feature", "add", "A", cwd=project.root)
    data = json.loads(br("telemetry", "status", "--json", cwd=project.root).stdout)
    assert data["enabled"] is True and data["disabled_because"] is None
    assert data["events"] == 2 and data["by_type"] == {"command": 1, "feature": 1}
    assert data["bytes"] > 0 and data["max_bytes"] == 50_000 and data["path"].endswith("events.jsonl")
    text = br("telemetry", "status", cwd=project.root).stdout
    assert "Telemetry: enabled" in text and "Events: 3" in text


def test_export_jsonl_and_csv(project, br, tmp_path):
    br("feature", "add", "A", cwd=project.root)
    br("feature", "list", cwd=project.root)
    lines = br("telemetry", "export", cwd=project.root).stdout.splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["feature", "command", "command"]
    assert br("telemetry", "export", "--type", "feature", cwd=project.root).stdout.count("\n") == 1
    out = tmp_path / "events.csv"
    res = br("telemetry", "export", str(out), cwd=project.root)
    assert res.exit_code == 0 and "Exported 5 event(s)" in res.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["type"] == "feature" and rows[0]["data.feature_id"] == "F1"
    assert rows[1]["data.command"] == "feature add" and json.loads(rows[1]["data.args"]) == ["<arg>"]
    forced = tmp_path / "x.txt"
    br("telemetry", "export", str(forced), "--format", "csv", cwd=project.root)
    assert forced.read_text().startswith("ts,type,schema,project,user,br,commit,")


def test_clear_asks_first(project, br, tele):
    br("feature", "add", "A", cwd=project.root)
    res = br("telemetry", "clear", cwd=project.root, input="n\n")
    assert res.exit_code == 1 and "Aborted" in res.stderr
    assert len(tele.read_events(project)) == 2  # kept; `telemetry clear` itself is never recorded
    res = br("telemetry", "clear", cwd=project.root, input="y\n")
    assert res.exit_code == 0 and "Telemetry cleared" in res.stdout
    assert tele.read_events(project) == []


def test_build_start_refused_while_another_runs_writes_no_spec(project, br):
    assert br("build", "start", "first", cwd=project.root).exit_code == 0
    spec = project.br_dir / "specs" / "analytics_dashboard.md"
    for args in (("analytics_dashboard",), ("analytics_dashboard", "--force")):
        res = br("build", "start", *args, cwd=project.root)
        assert res.exit_code == 2 and "still running" in res.stderr
        assert not spec.exists()
    spec.parent.mkdir()
    spec.write_text("my own notes\n", encoding="utf-8")
    assert br("build", "start", "analytics_dashboard", "--force", cwd=project.root).exit_code == 2
    assert spec.read_text(encoding="utf-8") == "my own notes\n"  # a refused start keeps the user's edits


def test_a_key_pasted_into_a_feature_or_build_name_is_masked(project, br):
    key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    res = br("feature", "add", f"Rotate {key}", cwd=project.root)
    assert res.exit_code == 0 and key not in res.stdout and "Rotate sk_l" in res.stdout
    assert key not in (project.br_dir / "features.json").read_text(encoding="utf-8")
    assert key not in br("feature", "list", cwd=project.root).stdout
    bad = br("build", "start", f"deploy {key}", cwd=project.root)
    assert bad.exit_code == 2 and "use letters" in bad.stderr and key not in bad.stderr


def test_export_rejects_bad_dates_and_converts_offsets(project, br):
    br("feature", "add", "A", cwd=project.root)
    for option in ("--since", "--until"):
        res = br("telemetry", "export", option, "yesterday", cwd=project.root)
        assert res.exit_code == 2 and f"invalid {option} 'yesterday'" in res.stderr
    ts = json.loads(br("telemetry", "export", "--type", "feature", cwd=project.root).stdout)["ts"]
    from datetime import datetime, timedelta, timezone

    at = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    # the same instant written in another zone: one second before it selects the event, one after does not
    plus2 = timezone(timedelta(hours=2))
    before = (at - timedelta(seconds=1)).astimezone(plus2).isoformat(timespec="seconds")
    after = (at + timedelta(seconds=1)).astimezone(plus2).isoformat(timespec="seconds")
    assert br("telemetry", "export", "--type", "feature", "--since", before, cwd=project.root).stdout.count("\n") == 1
    assert br("telemetry", "export", "--type", "feature", "--since", after, cwd=project.root).stdout.strip() == ""
    assert br("telemetry", "export", "--type", "feature", "--until", before, cwd=project.root).stdout.strip() == ""
    assert br("telemetry", "export", "--type", "feature", "--until", after, cwd=project.root).stdout.count("\n") == 1
    # a time without zone is UTC, like the log, and keeps its precision: --until HH:MM covers that minute
    assert br("telemetry", "export", "--type", "feature", "--until", ts[:16], cwd=project.root).stdout.count("\n") == 1


def test_clear_that_cannot_delete_says_so_without_a_traceback(project, br):
    br("feature", "add", "A", cwd=project.root)
    log = project.br_dir / "telemetry" / "events.jsonl"
    log.unlink()
    log.mkdir()  # stands in for any file the user cannot delete (root ignores permissions)
    res = br("telemetry", "clear", "--yes", cwd=project.root)
    assert res.exit_code == 2 and "could not delete" in res.stderr and "events.jsonl" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_hand_edited_registries_with_missing_fields_get_a_clear_error(project, br):
    features = project.br_dir / "features.json"
    features.write_text('{"version": 1, "features": [{"id": "F1", "name": "A"}]}', encoding="utf-8")
    for args in (("feature", "list"), ("feature", "start", "F1"), ("feature", "add", "B")):
        res = br(*args, cwd=project.root)
        assert res.exit_code == 2 and "features[0] needs text fields status, complexity" in res.stderr, args
    builds = project.br_dir / "builds.json"
    builds.write_text('{"version": 1, "builds": [{"id": "B1"}, "junk"]}', encoding="utf-8")
    for args in (("build", "list"), ("build", "complete"), ("build", "start", "x")):
        res = br(*args, cwd=project.root)
        assert res.exit_code == 2 and "builds[0] needs text fields name, status, started_at" in res.stderr, args
    assert features.read_text(encoding="utf-8") == '{"version": 1, "features": [{"id": "F1", "name": "A"}]}'
    assert builds.read_text(encoding="utf-8") == '{"version": 1, "builds": [{"id": "B1"}, "junk"]}'
