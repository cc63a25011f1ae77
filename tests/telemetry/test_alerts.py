"""Alert delivery to a real HTTP receiver (Slack webhook) and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json

from .test_thresholds import seed


def _configure_slack(project, url):
    project.config_path.write_text(f"telemetry:\n  slack_webhook: {url}\n", encoding="utf-8")


def _configure_email(project, port, *, password="s3cr3t-Passw0rd!x", user="alerts"):
    project.config_path.write_text(
        "telemetry:\n  email:\n    to: dev@example.com\n    from: br@example.com\n    smtp_host: 127.0.0.1\n"
        f"    smtp_port: {port}\n    smtp_user: {user}\n    smtp_password: '{password}'\n    starttls: false\n",
        encoding="utf-8")
    return password


def test_crossing_posts_once_to_slack_in_the_background(project, br, tele, slack_receiver):
    _configure_slack(project, slack_receiver.url)
    seed(project, features=30, builds=20)
    res = br("feature", "list", cwd=project.root)
    assert "Learning phase ready" in res.stderr
    assert tele.wait_for(lambda: slack_receiver.received), "no webhook call arrived"
    call = slack_receiver.received[0]
    assert call["path"] == "/services/T0000/B0000/XXXXsecretwebhooktoken42"
    assert call["content_type"] == "application/json"
    assert call["body"]["text"].startswith("# Learning phase ready: Analytics dashboard")
    history = project.br_dir / "alerts" / "history.json"
    assert tele.wait_for(lambda: "delivery" in json.loads(history.read_text())["analytics_dashboard"])
    entry = json.loads(history.read_text())["analytics_dashboard"]
    assert entry["delivery"]["slack"]["ok"] is True
    for _ in range(3):
        br("feature", "list", cwd=project.root)
    br("status", cwd=project.root)
    assert len(slack_receiver.received) == 1
    out = br("telemetry", "alerts", cwd=project.root).stdout
    assert "slack: delivered" in out
    assert "secretwebhooktoken42" not in out + history.read_text() + tele.log_text(project)


def test_slack_failure_is_reported_with_the_url_masked(project, br, slack_receiver):
    slack_receiver.status = 403
    _configure_slack(project, slack_receiver.url)
    res = br("telemetry", "alerts", "--send", "analytics_dashboard", cwd=project.root)
    assert res.exit_code == 1
    assert "slack: FAILED — HTTP 403" in res.stdout
    assert "secretwebhooktoken42" not in res.output
    history = (project.br_dir / "alerts" / "history.json").read_text()
    assert "HTTP 403" in history and "secretwebhooktoken42" not in history
    shown = json.loads(br("telemetry", "alerts", "--json", cwd=project.root).stdout)["channels"]["slack"]
    assert shown and "secretwebhooktoken42" not in shown


def test_unreachable_slack_does_not_hang_or_leak(project, br):
    _configure_slack(project, "http://127.0.0.1:9/services/T1/B1/zzzzsecrettokenzzzz")
    res = br("telemetry", "alerts", "--send", "analytics_dashboard", cwd=project.root)
    assert res.exit_code == 1 and "FAILED" in res.stdout and "zzzzsecrettokenzzzz" not in res.output


def test_crossing_sends_one_email(project, br, tele, smtp_server):
    password = _configure_email(project, smtp_server.port)
    smtp_server.accept_auth = ["alerts", password]
    seed(project, features=30, builds=20)
    br("feature", "list", cwd=project.root)
    assert tele.wait_for(lambda: smtp_server.messages), "no e-mail arrived"
    msg = smtp_server.messages[0]
    assert msg["rcpt"] == ["<dev@example.com>"] and msg["from"].startswith("<br@example.com>")
    assert msg["auth"] == ["alerts", password]
    assert "Subject: [br] Learning phase ready: Analytics dashboard" in msg["data"]
    assert "Features completed" in msg["data"]
    br("feature", "list", cwd=project.root)
    history = project.br_dir / "alerts" / "history.json"
    assert tele.wait_for(lambda: "delivery" in json.loads(history.read_text())["analytics_dashboard"])
    assert len(smtp_server.messages) == 1
    shown = br("telemetry", "alerts", "--json", cwd=project.root).stdout
    assert password not in shown and password not in history.read_text()
    assert json.loads(shown)["channels"]["email"]["smtp_host"] == "127.0.0.1"


def test_smtp_auth_failure_is_recorded_without_the_password(project, br, smtp_server):
    password = _configure_email(project, smtp_server.port)
    smtp_server.accept_auth = ["alerts", "another-password"]
    res = br("telemetry", "alerts", "--send", "analytics_dashboard", cwd=project.root)
    assert res.exit_code == 1 and "email: FAILED" in res.stdout and "535" in res.stdout
    assert password not in res.output
    assert password not in (project.br_dir / "alerts" / "history.json").read_text()
    assert smtp_server.messages == []


def test_send_without_channels_is_a_usage_error(project, br):
    res = br("telemetry", "alerts", "--send", "analytics_dashboard", cwd=project.root)
    assert res.exit_code == 2 and "no alert channel configured" in res.stderr
