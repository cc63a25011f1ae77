"""`br config set` validates every key's value when it is set, not when it is used."""

from __future__ import annotations

import pytest

from buildrunner import config as cfg

BAD = [
    ("model.default", "banana"),
    ("model.fallback", "opus,banana"),
    ("model.models.sonnet", "banana"),
    ("model.models.gpt", "claude-sonnet-4-5"),
    ("model.prices.sonnet.input", "cheap"),
    ("model.prices.sonnet.inptu", "3"),
    ("model.prices.sonnet.input", "-1"),
    ("telemetry.slack_webhook", "hooks.slack.com/services/T0/B0/x"),
    ("telemetry.slack_webhook", "http://hooks.slack.com/services/T0/B0/x"),
    ("telemetry.email.to", "bob"),
    ("telemetry.email.from", "alerts at example.com"),
    ("telemetry.email.smtp_host", "smtp://mail.example.com:25"),
    ("orchestration.dashboard_host", "http://localhost:8080"),
    ("orchestration.dashboard_port", "99999"),
    ("orchestration.integration_branch", "feature..x"),
    ("orchestration.integration_branch", "my branch"),
    ("security.sql_placeholder", "percent"),
    ("security.coverage_min", "120"),
]
GOOD = [
    ("model.default", "claude-opus-4-5"),
    ("model.default", "haiku"),
    ("model.fallback", "opus,claude-3-5-haiku-20241022"),
    ("model.models.sonnet", "claude-sonnet-4-5-20250929"),
    ("model.prices.opus.output", "30"),
    ("model.prices.opus.long_context.input", "12.5"),
    ("telemetry.slack_webhook", "https://hooks.slack.com/services/T0/B0/x"),
    ("telemetry.email.to", "team@example.com, oncall@example.org"),
    ("telemetry.email.smtp_host", "mail.example.com"),
    ("orchestration.dashboard_host", "0.0.0.0"),
    ("orchestration.integration_branch", "release/1.0"),
]


@pytest.fixture
def project(git_repo, br):
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    return git_repo


@pytest.mark.parametrize("key, value", BAD)
def test_a_bad_value_is_refused_and_nothing_is_written(project, br, key, value):
    path = project.root / ".buildrunner" / "config.yaml"
    before = path.read_bytes()
    res = br("config", "set", key, "--", value, cwd=project.root)  # `--`: "-1" is a value, not an option
    assert res.exit_code == 2, res.output
    assert key.rsplit(".", 1)[0] in res.stderr and "Traceback" not in res.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("key, value", GOOD)
def test_a_good_value_is_stored_and_loads_back(project, br, key, value):
    res = br("config", "set", key, value, cwd=project.root)
    assert res.exit_code == 0, res.output
    loaded = cfg.load(project.root / ".buildrunner" / "config.yaml")  # what was set also loads
    stored = loaded.get(key)
    assert stored is not None and str(value).split(",")[0].strip() in str(stored), (key, stored)


def test_a_hand_edited_bad_value_is_reported_with_file_and_line(project, br):
    path = project.root / ".buildrunner" / "config.yaml"
    path.write_text("model:\n  default: banana\n", encoding="utf-8")
    res = br("config", "list", cwd=project.root)
    assert res.exit_code == 2 and "config.yaml:2: model.default" in res.stderr
