"""Learning-phase alerts: the banner, `.buildrunner/alerts/learning_ready.md`, Slack and e-mail.

Delivery never makes a command wait: when a phase becomes ready the hook starts a detached
background process (`python -m buildrunner.telemetry.alerts <root> <phase>`, new session, no
stdio) that loads the full config, posts to the Slack incoming webhook and/or sends the e-mail
over SMTP, and records each channel's result in the alert history. `br telemetry alerts --send
PHASE` delivers in the foreground (to test a setup). The webhook URL and the SMTP password are
masked in every message br prints or stores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from buildrunner.mask import mask_value
from buildrunner.telemetry._files import spawn_detached, update_json, utc_now_iso
from buildrunner.telemetry.banner import RULE, print_banner, render_banner

__all__ = ["RULE", "print_banner", "render_banner", "deliver", "spawn_delivery"]

# ---------------------------------------------------------------------------------------------
# delivery


def _scrub(text: str, *secrets: str) -> str:
    """An error message with the webhook URL / password (and any secret) masked."""
    from buildrunner.engine.masking import sanitize_text

    for secret in secrets:
        if secret:
            text = text.replace(secret, mask_value(secret))
    return sanitize_text(text)


def send_slack(url: str, text: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """POST `{"text": ...}` to a Slack incoming webhook; {"ok": bool, "detail": str} (masked)."""
    import urllib.error
    import urllib.request

    body = json.dumps({"text": text}).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 — user-configured webhook
            return {"ok": 200 <= resp.status < 300, "detail": f"HTTP {resp.status}", "at": utc_now_iso()}
    except urllib.error.HTTPError as exc:
        return {"ok": False, "detail": _scrub(f"HTTP {exc.code} from {url}", url), "at": utc_now_iso()}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": _scrub(f"{type(exc).__name__}: {exc} ({url})", url), "at": utc_now_iso()}


def send_email(settings: dict[str, Any], subject: str, body: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """Send a plain-text e-mail over SMTP (STARTTLS and login when configured)."""
    import smtplib
    from email.message import EmailMessage

    password = settings.get("smtp_password") or ""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.get("from") or settings.get("smtp_user") or "buildrunner@localhost"
    msg["To"] = settings["to"]
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings["smtp_host"], int(settings.get("smtp_port") or 587), timeout=timeout) as smtp:
            smtp.ehlo()
            if settings.get("starttls", True):
                smtp.starttls()
                smtp.ehlo()
            if settings.get("smtp_user"):
                smtp.login(settings["smtp_user"], password)
            smtp.send_message(msg)
        return {"ok": True, "detail": f"sent to {settings['to']}", "at": utc_now_iso()}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "detail": _scrub(f"{type(exc).__name__}: {exc}", password), "at": utc_now_iso()}


def channel_settings(conf) -> dict[str, Any]:
    """Alert channels from a loaded Config (credentials included: keep in memory only)."""
    email = {k: conf.get(f"telemetry.email.{k}") for k in
             ("to", "from", "smtp_host", "smtp_port", "smtp_user", "smtp_password", "starttls")}
    return {"slack": conf.get("telemetry.slack_webhook") or "",
            "email": email if email["to"] and email["smtp_host"] else None}


def describe_channels(conf) -> dict[str, Any]:
    """Configured channels with the webhook URL and password masked (for display)."""
    ch = channel_settings(conf)
    email = ch["email"]
    return {"slack": mask_value(ch["slack"]) if ch["slack"] else None,
            "email": None if not email else {**email, "smtp_password": mask_value(email["smtp_password"] or "")}}


def deliver(project, phase_id: str) -> dict[str, Any]:
    """Send one phase's alert to every configured channel; results recorded in the alert history."""
    from buildrunner import config as cfg
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.context import cached_project_id, load_identity
    from buildrunner.telemetry.thresholds import ThresholdMonitor, history_path

    conf = cfg.load(project)
    channels = channel_settings(conf)
    ident, _ = load_identity(create=False)
    monitor = ThresholdMonitor(project, TelemetryCollector(project).summary(),
                               project_id=cached_project_id(project, ident) if ident else None)
    phase = monitor.phase(phase_id)
    progress = monitor.progress(phase)
    results: dict[str, Any] = {}
    if channels["slack"]:
        results["slack"] = send_slack(channels["slack"], render_banner(phase, progress, markdown=True))
    if channels["email"]:
        results["email"] = send_email(channels["email"], f"[br] Learning phase ready: {phase['title']}",
                                      render_banner(phase, progress, markdown=True))
    if results:
        update_json(history_path(project, phase["scope"]),
                    lambda d: d.setdefault(phase_id, {}).setdefault("delivery", {}).update(results))
    return results


def spawn_delivery(project, phase_id: str) -> None:
    """Deliver in a detached process: the command that crossed the threshold does not wait."""
    spawn_detached("buildrunner.telemetry.alerts", str(project.root), phase_id, cwd=project.root)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m buildrunner.telemetry.alerts PROJECT_ROOT PHASE", file=sys.stderr)
        return 2
    from buildrunner.project import Project

    try:
        results = deliver(Project(Path(argv[0])), argv[1])
    except Exception:  # noqa: BLE001 — a background sender has no one to report to
        return 1
    return 0 if all(r.get("ok") for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
