"""Personal choices never edit committed files: `br telemetry disable` and credentials such as
`model.api_key` go to the user-level config; `br config set --user/--project` choose explicitly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildrunner import config as cfg

API_KEY = "sk-ant-api03-" + "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0Ja" * 2 + "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs" + "AA"


@pytest.fixture
def project(committed_project):
    return committed_project


def _clean(repo) -> bool:
    return repo.git("status", "--porcelain", "--untracked-files=all").strip() == ""


def test_an_api_key_goes_to_the_user_config(project, br):
    res = br("config", "set", "model.api_key", API_KEY, cwd=project.root)
    assert res.exit_code == 0 and API_KEY not in res.output and "user:" in res.stdout
    assert _clean(project)  # the committed config is untouched
    user_file = cfg.user_config_path()
    assert user_file.is_file() and str(user_file).startswith(os.environ["XDG_CONFIG_HOME"])
    assert cfg.load(project.root / ".buildrunner" / "config.yaml").get("model.api_key") == API_KEY
    listed = br("config", "list", cwd=project.root).stdout
    assert "model.api_key" in listed and "(user)" in listed and API_KEY not in listed


def test_telemetry_disable_is_personal(project, br, monkeypatch):
    monkeypatch.delenv("BR_TELEMETRY", raising=False)
    res = br("telemetry", "disable", cwd=project.root)
    assert res.exit_code == 0 and "for this user" in res.stdout
    assert _clean(project)
    status = br("telemetry", "status", "--json", cwd=project.root).stdout
    assert '"enabled": false' in status


def test_explicit_scopes(project, br):
    assert br("config", "set", "model.default", "opus", "--user", cwd=project.root).exit_code == 0
    assert _clean(project) and "default: opus" in cfg.user_config_path().read_text()
    assert br("config", "set", "model.default", "haiku", "--project", cwd=project.root).exit_code == 0
    assert not _clean(project)  # a team setting: the committed file changed
    assert br("config", "get", "model.default", cwd=project.root).stdout.strip() == "haiku"  # team wins
    res = br("config", "set", "model.api_key", API_KEY, "--project", cwd=project.root)
    assert res.exit_code == 0 and "keep credentials in your user config" in res.stderr
    assert br("config", "unset", "model.api_key", "--project", cwd=project.root).exit_code == 0


def test_the_personal_opt_out_wins_over_the_team_default(project, br):
    Path(cfg.user_config_path()).parent.mkdir(parents=True, exist_ok=True)
    cfg.user_config_path().write_text("telemetry:\n  enabled: false\n")
    (project.root / ".buildrunner" / "config.yaml").write_text("telemetry:\n  enabled: true\n")
    assert cfg.load(project.root / ".buildrunner" / "config.yaml").get("telemetry.enabled") is False
