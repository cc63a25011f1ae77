"""`br telemetry export --otlp`: render the result of `buildrunner.telemetry.otlp.export_events`."""

from __future__ import annotations

import click

from buildrunner.errors import BrError

FOREGROUND_BUDGET_S = 60.0  # retries stop here; what is left is sent by the next export


def export_otlp(project, events, endpoint: str | None) -> int:
    from buildrunner import __version__
    from buildrunner.telemetry.otlp import STATE_FILE, OtlpConfigError, export_events, target_from_env

    try:
        target = target_from_env(endpoint=endpoint)
    except OtlpConfigError as exc:
        raise BrError(str(exc)) from None
    state = project.telemetry_dir / STATE_FILE
    result = export_events(events, state, target, __version__, budget_s=FOREGROUND_BUDGET_S)
    where = target.safe_url()
    if result.ok:
        click.echo(f"Sent {result.sent} event(s) to {where} ({result.already_sent} sent before)", err=True)
        return 0
    click.echo(f"br: error: {result.error}; sent {result.sent}, {result.pending} left for the next "
               "export (nothing is sent twice)", err=True)
    return 1
