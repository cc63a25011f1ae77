"""The CLI's after-command hook and the `record()` implementation.

`after_command` runs once per `br` invocation (called lazily from `buildrunner.cli.main`, which
splits argv into the command and its arguments): it
records a `command` event, syncs the user-level registry, checks the learning-phase thresholds
against the summary index and prints any due banner to stderr. It imports only small modules; the
banner/alert code is imported only when a phase is ready. Nothing here may raise into the CLI.
"""

from __future__ import annotations

import time
from typing import Any

from buildrunner import __version__
from buildrunner.telemetry._files import utc_now_iso
from buildrunner.telemetry.context import Context, env_opt_out, resolve

# commands recorded nowhere: they switch collection off or wipe it
NOT_RECORDED = {"telemetry disable", "telemetry clear"}


def _collector(ctx: Context):
    from buildrunner.telemetry.collector import TelemetryCollector

    return TelemetryCollector(ctx.project, max_bytes=int(ctx.settings.get("max_bytes") or 50_000))


def _event(ctx: Context, event_type: str, data: dict[str, Any], ts: str | None = None) -> dict[str, Any]:
    from buildrunner.telemetry.events import make_event

    return make_event(event_type, data, ts=ts or utc_now_iso(), project=ctx.project_id, user=ctx.user_id,
                      br=__version__, commit=ctx.commit)


def record_event(event_type: str, data: dict[str, Any], project=None, ts: str | None = None) -> bool:
    """Validate and append one event (see `buildrunner.telemetry.record`)."""
    ctx = resolve(project)
    if ctx is None:
        return False
    try:
        event = _event(ctx, event_type, data, ts)
    except ValueError:
        return False
    collector = _collector(ctx)
    collector.append(event)
    return collector.last_error is None


def after_command(command: str, rest: list[str], exit_code: int, started: float) -> None:
    """Record `br COMMAND REST…` (split by `cli.main.split_command`); check thresholds when due."""
    if env_opt_out():
        return
    if not command or command in NOT_RECORDED:
        return
    ctx = resolve()
    if ctx is None:
        return
    from buildrunner.telemetry.events import command_data

    duration_ms = (time.perf_counter() - started) * 1000
    due: list[bool] = []

    def mark(summary: dict[str, Any]) -> None:
        """Under the log lock: is a threshold check due? (counts or the day changed since the last)"""
        sig = [summary["features"]["completed"], summary["builds"]["completed"], utc_now_iso()[:10]]
        if summary.get("checked") != sig or command == "status":
            summary["checked"] = sig
            due.append(True)

    summary = _collector(ctx).append(_event(ctx, "command", command_data(command, rest, duration_ms, exit_code)),
                                     before_save=mark)
    if summary is not None and due:
        check_thresholds(ctx, summary, command)
    if summary is not None and ctx.settings.get("otlp_export"):
        spawn_otlp_export(ctx.project)


OTLP_INTERVAL_S = 60.0
OTLP_ENV = ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def spawn_otlp_export(project) -> bool:
    """Start a detached `python -m buildrunner.telemetry.otlp ROOT` (the command never waits for the
    network), at most once per OTLP_INTERVAL_S per project; False when skipped."""
    import os

    if not any(os.environ.get(name) for name in OTLP_ENV):
        return False
    marker = project.telemetry_dir / ".otlp-spawned"
    try:
        if time.time() - os.stat(marker).st_mtime < OTLP_INTERVAL_S:
            return False
    except OSError:
        pass
    try:
        from buildrunner.telemetry._files import spawn_detached

        marker.touch()
        spawn_detached("buildrunner.telemetry.otlp", str(project.root), cwd=project.root)
        return True
    except OSError:
        return False


def check_thresholds(ctx: Context, summary: dict[str, Any], command: str) -> None:
    """Registry sync, threshold check, banners (stderr), background delivery of new alerts.

    Runs only when the counted features/builds or the UTC day changed since the last check, and on
    `br status` (which shows a ready phase's banner once more); otherwise a command skips it.
    """
    from buildrunner.telemetry import registry
    from buildrunner.telemetry.thresholds import ThresholdMonitor

    projects = registry.sync(ctx.project_id, summary)
    monitor = ThresholdMonitor(ctx.project, summary, project_id=ctx.project_id, projects=projects)
    new = monitor.check()
    if new and (ctx.settings.get("slack") or ctx.settings.get("email")):
        from buildrunner.telemetry.alerts import spawn_delivery

        for phase in new:
            spawn_delivery(ctx.project, phase["id"])
    due = monitor.banners_due(command)
    if due:
        from buildrunner.telemetry.banner import print_banner, render_banner

        for phase in due:
            print_banner(render_banner(phase, monitor.progress(phase)))
