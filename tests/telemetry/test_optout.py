"""Opt-out by every route, the one-time notice, and the user-level data dir."""

from __future__ import annotations

import json
import sys

import pytest


def _count(tele, project) -> int:
    return len(tele.read_events(project))


def test_notice_is_shown_once_on_stderr_only(project, br, tele):
    first = br("feature", "list", "--json", cwd=project.root)
    assert "usage telemetry" in first.stderr and "BR_TELEMETRY=0" in first.stderr and "DO_NOT_TRACK=1" in first.stderr
    assert json.loads(first.stdout) == []
    second = br("feature", "list", "--json", cwd=project.root)
    assert "usage telemetry" not in second.stderr
    assert _count(tele, project) == 2


@pytest.mark.parametrize("var, value", [("BR_TELEMETRY", "0"), ("BR_TELEMETRY", "false"), ("DO_NOT_TRACK", "1"),
                                        ("DO_NOT_TRACK", "true")])
def test_environment_opt_out(project, br, tele, monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    res = br("feature", "add", "Search", cwd=project.root)
    assert res.exit_code == 0 and "usage telemetry" not in res.stderr
    assert not project.telemetry_dir.exists()
    status = json.loads(br("telemetry", "status", "--json", cwd=project.root).stdout)
    assert status["enabled"] is False and var in status["disabled_because"]


def test_do_not_track_zero_does_not_opt_out(project, br, tele, monkeypatch):
    monkeypatch.setenv("DO_NOT_TRACK", "0")
    br("feature", "list", cwd=project.root)
    assert _count(tele, project) == 1


def test_br_telemetry_disable_and_enable(project, br, tele):
    br("feature", "list", cwd=project.root)
    res = br("telemetry", "disable", "--project", cwd=project.root)  # the team default, explicitly
    assert res.exit_code == 0 and "as the team default" in res.stdout
    assert "enabled: false" in project.config_path.read_text()
    br("feature", "add", "Search", cwd=project.root)
    br("feature", "list", cwd=project.root)
    assert [e["data"].get("command") for e in tele.read_events(project)] == ["feature list"]
    status = json.loads(br("telemetry", "status", "--json", cwd=project.root).stdout)
    assert status["enabled"] is False and "telemetry.enabled" in status["disabled_because"]
    assert br("telemetry", "enable", "--project", cwd=project.root).exit_code == 0
    br("feature", "list", cwd=project.root)
    assert _count(tele, project) == 3  # the enable command itself and the list after it


def test_config_key_opt_out(project, br, tele):
    tele.write_config(project, "# my settings\ntelemetry:\n  enabled: false\n")
    br("feature", "list", cwd=project.root)
    assert not project.telemetry_dir.joinpath("events.jsonl").exists()
    tele.write_config(project, "telemetry:\n  enabled: true\n")
    br("feature", "list", cwd=project.root)  # the cached settings follow the file
    assert _count(tele, project) == 1


def test_global_opt_out_covers_every_project(project, br, tele, tmp_path):
    from buildrunner.project import Project

    other = tmp_path / "other"
    (other / ".buildrunner").mkdir(parents=True)
    res = br("telemetry", "disable", "--global", cwd=project.root)
    assert "for this user" in res.stdout
    br("feature", "list", cwd=project.root)
    br("feature", "list", cwd=other)
    assert _count(tele, project) == 0 and _count(tele, Project(other)) == 0
    br("telemetry", "enable", "--global", cwd=project.root)
    br("feature", "list", cwd=other)
    assert _count(tele, Project(other)) == 1


def test_enable_warns_when_the_environment_still_disables(project, br, monkeypatch):
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    res = br("telemetry", "enable", cwd=project.root)
    assert res.exit_code == 0 and "DO_NOT_TRACK is set" in res.stderr


def test_projects_without_buildrunner_dir_are_never_written(git_repo, br, telemetry_on):
    res = br("telemetry", "status", cwd=git_repo.root)
    assert res.exit_code == 0 and "no .buildrunner/ directory" in res.stdout
    assert not (git_repo.root / ".buildrunner").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fast path is for XDG platforms")
def test_user_data_dir_matches_platformdirs(monkeypatch, tmp_path):
    import platformdirs

    from buildrunner.telemetry._files import user_data_dir

    for xdg in (str(tmp_path / "xdg"), None):
        if xdg:
            monkeypatch.setenv("XDG_DATA_HOME", xdg)
        else:
            monkeypatch.delenv("XDG_DATA_HOME")
        assert str(user_data_dir()) == platformdirs.user_data_dir("buildrunner", appauthor=False)


def test_project_enable_does_not_lift_the_user_switch(project, br, tele):
    br("telemetry", "disable", "--global", cwd=project.root)
    res = br("telemetry", "enable", "--project", cwd=project.root)
    assert "still disabled for this user" in res.stderr
    br("feature", "list", cwd=project.root)
    assert tele.read_events(project) == []
