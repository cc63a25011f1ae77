"""`br telemetry`: status, learning-phase readiness, export, clear, opt-out, alerts."""

from __future__ import annotations

import json
from datetime import UTC

import click

from buildrunner.cli.output import emit_json, write_output
from buildrunner.errors import BrError
from buildrunner.project import discover


def _collector(project):
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.context import project_settings

    settings = project_settings(project) or {}
    return TelemetryCollector(project, max_bytes=int(settings.get("max_bytes") or 50_000))


def _monitor(project, summary):
    from buildrunner.telemetry.context import cached_project_id, load_identity
    from buildrunner.telemetry.thresholds import ThresholdMonitor

    ident, _ = load_identity(create=False)
    return ThresholdMonitor(project, summary, project_id=cached_project_id(project, ident) if ident else None)


@click.group()
def telemetry() -> None:
    """Local, private usage telemetry and learning-phase alerts (docs/TELEMETRY.md)."""


@telemetry.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> int:
    """Collection state, log size and what has been recorded."""
    from buildrunner.telemetry.analyzer import TelemetryAnalyzer
    from buildrunner.telemetry.context import opt_out_reason

    project = discover()
    reason = opt_out_reason(project)
    if reason is None and not project.br_dir.is_dir():
        reason = "no .buildrunner/ directory here (run `br init`)"
    collector = _collector(project)
    analyzer = TelemetryAnalyzer(project, collector)
    data = {"enabled": reason is None, "disabled_because": reason, **collector.stats(), **analyzer.overview()}
    if as_json:
        emit_json(data)
        return 0
    click.echo(f"Telemetry: {'enabled' if reason is None else 'disabled — ' + reason}")
    click.echo(f"Log: {data['path']}  {data['bytes']:,} bytes (rotates at {data['max_bytes']:,}), "
               f"{data['archives']} archive(s) {data['archive_bytes']:,} bytes")
    click.echo(f"Events: {data['events']:,}" + (f"  ({data['corrupt_lines']} corrupt line(s) skipped)" if data["corrupt_lines"] else ""))
    for etype, n in data["by_type"].items():
        click.echo(f"  {etype:<14} {n:,}")
    if data["events"]:
        rate = data["success_rate"]
        click.echo(f"First event: {data['first_event']}   last: {data['last_event']}   active days: {data['active_days']}")
        click.echo(f"Features: {data['features']['completed']} completed / {data['features']['added']} added;  "
                   f"builds: {data['builds']['completed']} completed;  command success rate: "
                   f"{'-' if rate is None else f'{rate:.0%}'}")
    return 0


def _bar(current: int, required: int, width: int = 24) -> str:
    frac = min(1.0, current / required) if required else 1.0
    filled = int(round(frac * width))
    return "█" * filled + "░" * (width - filled)


@telemetry.command()
@click.argument("phase", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ready(phase: str | None, as_json: bool) -> int:
    """Progress towards each learning phase's thresholds (exit 0 if PHASE is ready, else 1)."""
    project = discover()
    monitor = _monitor(project, _collector(project).summary())
    report = monitor.report()
    if phase:
        report = [r for r in report if r["id"] == phase]
        if not report:
            raise BrError(f"unknown phase {phase!r}", hint="phases: " + ", ".join(p["id"] for p in monitor.phases))
    if as_json:
        emit_json(report)
    else:
        for item in report:
            click.echo(f"{'✅' if item['ready'] else '⏳'} {item['title']} ({item['id']}, {item['scope']} data)"
                       f"{' — READY' if item['ready'] else ''}")
            for p in item["progress"]:
                click.echo(f"   {'✅' if p['met'] else '❌'} {p['label']:<20} {_bar(p['current'], p['required'])} "
                           f"{p['current']:>5} / {p['required']}")
    return 0 if not phase or report[0]["ready"] else 1


@telemetry.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Output format (default: from FILE's extension, else jsonl).")
@click.option("--type", "event_type", help="Only events of this type.")
@click.option("--since", help="Only events at or after this ISO date/time.")
@click.option("--until", help="Only events up to this ISO date/time.")
@click.option("--otlp", is_flag=True, help="Send events not sent before as OpenTelemetry logs (OTLP/HTTP protobuf) "
                                          "to OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT.")
@click.option("--endpoint", metavar="URL", help="With --otlp: the full logs URL (default: from the OTEL_* variables).")
def export(file: str | None, fmt: str | None, event_type: str | None, since: str | None, until: str | None,
           otlp: bool, endpoint: str | None) -> int:
    """Export events (archives included) as JSONL or CSV to FILE or stdout, or to an OTLP collector."""
    from buildrunner.telemetry.analyzer import TelemetryAnalyzer

    if endpoint and not otlp:
        raise click.UsageError("--endpoint needs --otlp")
    if otlp and (file or fmt):
        raise click.UsageError("--otlp sends to the collector: it takes no FILE or --format")
    fmt = fmt or ("csv" if file and file.lower().endswith(".csv") else "jsonl")
    since, until = _iso_bound("--since", since), _iso_bound("--until", until)
    project = discover()
    if otlp:
        from buildrunner.cli.telemetry_otlp import export_otlp

        return export_otlp(project, TelemetryAnalyzer(project).query(event_type, since, until), endpoint)
    events = list(TelemetryAnalyzer(project).query(event_type, since, until))
    if fmt == "jsonl":
        text = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    else:
        text = _csv(events)
    write_output(text, file)
    if file:
        click.echo(f"Exported {len(events)} event(s) to {file}", err=True)
    return 0


def _iso_bound(option: str, value: str | None) -> str | None:
    """A --since/--until value as the collector compares it: a date, or a UTC time without zone.

    Event timestamps are compared as strings, so a typo (`yesterday`) or an offset (`+02:00`) would
    silently select nothing or the wrong hours: reject the first, convert the second to UTC.
    """
    if value is None:
        return None
    import re
    from datetime import datetime

    text = value.strip()
    try:
        stamp = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise BrError(f"invalid {option} {value!r}",
                      hint="use an ISO date or time: 2026-11-01 or 2026-11-01T14:30") from None
    text = text.replace(" ", "T")
    if stamp.tzinfo is None and re.match(r"^\d{4}-\d\d-\d\d(T\d\d(:\d\d(:\d\d(\.\d+)?)?)?)?$", text):
        return text  # UTC like the log: keep its precision (`--until 2026-11-01T14:30` = the whole minute)
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + (f".{stamp.microsecond // 1000:03d}" if stamp.microsecond else "")


def _csv(events: list[dict]) -> str:
    import csv
    import io

    envelope = ["ts", "type", "schema", "project", "user", "br", "commit"]
    data_keys = sorted({k for e in events for k in e["data"]})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(envelope + [f"data.{k}" for k in data_keys])
    for e in events:
        row = [e.get(k, "") for k in envelope]
        for k in data_keys:
            v = e["data"].get(k, "")
            row.append(json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list, bool)) else v)
        writer.writerow(row)
    return buf.getvalue()


@telemetry.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def clear(yes: bool) -> int:
    """Delete this project's telemetry log, archives and summary."""
    from buildrunner.telemetry import registry
    from buildrunner.telemetry.context import cached_project_id, load_identity

    project = discover()
    collector = _collector(project)
    stats = collector.stats()
    if not yes:
        click.confirm(f"Delete {stats['path']} and {stats['archives']} archive(s)?", abort=True, err=True)
    try:
        removed = collector.clear()
    except OSError as exc:
        raise BrError(f"could not delete {exc.filename or stats['path']}: {exc.strerror or exc}",
                      hint="check the permissions of .buildrunner/telemetry/") from None
    ident, _ = load_identity(create=False)
    if ident:
        registry.forget(cached_project_id(project, ident))
    click.echo(f"Telemetry cleared ({removed} file(s) removed).")
    return 0


def _switch(enabled: bool, team: bool) -> None:
    from buildrunner import config as cfg
    from buildrunner.telemetry.context import env_opt_out, identity_path, set_identity_flag

    project = discover()
    if not team:  # a personal choice: the user's own files, never the committed config
        if not set_identity_flag("disabled", not enabled):
            raise BrError(f"cannot write {identity_path()}")
        where = f"for this user ({identity_path()})"
    else:
        if not project.br_dir.is_dir():
            raise BrError("--project needs a project: run `br init` first")
        cfg.set_value(project.config_path, "telemetry.enabled", enabled)
        where = f"as the team default in {project.config_path} (commit it to share it)"
    click.echo(f"Telemetry {'enabled' if enabled else 'disabled'} {where}.")
    env = env_opt_out()
    if enabled and env:
        click.echo(f"note: {env} is set in the environment, so nothing is collected until it is unset.", err=True)
    elif enabled and team and _global_disabled():
        click.echo("note: telemetry is still disabled for this user; `br telemetry enable --global` lifts that.",
                   err=True)


def _global_disabled() -> bool:
    from buildrunner.telemetry.context import load_identity

    ident, _ = load_identity(create=False)
    return bool(ident and ident.get("disabled"))


@telemetry.command()
@click.option("--global", "global_", is_flag=True, help="Same as the default: for this user (kept for scripts).")
@click.option("--project", "team", is_flag=True, help="Set the team default in .buildrunner/config.yaml instead.")
def disable(global_: bool, team: bool) -> int:
    """Stop collecting, for you (your user-level switch: no committed file changes); --project
    sets telemetry.enabled: false for the whole team in the project config."""
    _switch(False, team and not global_)
    return 0


@telemetry.command()
@click.option("--global", "global_", is_flag=True, help="Same as the default: for this user (kept for scripts).")
@click.option("--project", "team", is_flag=True, help="Set the team default in .buildrunner/config.yaml instead.")
def enable(global_: bool, team: bool) -> int:
    """Collect again (clears your user-level switch; --project: the team default)."""
    _switch(True, team and not global_)
    return 0


@telemetry.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--send", "send", metavar="PHASE", help="Deliver PHASE's alert now to Slack/e-mail (foreground).")
def alerts(as_json: bool, send: str | None) -> int:
    """Alert history: phases ready, banners shown, deliveries, dismissals; configured channels."""
    from buildrunner import config as cfg
    from buildrunner.telemetry.alerts import deliver, describe_channels

    project = discover()
    monitor = _monitor(project, _collector(project).summary())
    if send:
        _phase_or_error(monitor, send)
        results = deliver(project, send)
        if not results:
            raise BrError("no alert channel configured",
                          hint="br config set telemetry.slack_webhook URL, or telemetry.email.* keys")
        for channel, res in results.items():
            click.echo(f"{channel}: {'ok' if res['ok'] else 'FAILED'} — {res['detail']}")
        return 0 if all(r["ok"] for r in results.values()) else 1
    history = {**monitor.history("user"), **monitor.history("project")}
    rows = []
    for phase in monitor.phases:
        entry = history.get(phase["id"], {})
        rows.append({"phase": phase["id"], "title": phase["title"], **entry})
    data = {"alerts": rows, "channels": describe_channels(cfg.load(project))}
    if as_json:
        emit_json(data)
        return 0
    for row in rows:
        state = ("dismissed" if row.get("dismissed_at") else "ready since " + row["ready_at"]) if row.get("ready_at") \
            else ("dismissed (not ready yet)" if row.get("dismissed_at") else "not ready")
        click.echo(f"{row['phase']:<24} {state}")
        for channel, res in (row.get("delivery") or {}).items():
            click.echo(f"    {channel}: {'delivered' if res.get('ok') else 'failed'} {res.get('at', '')} {res.get('detail', '')}")
    ch = data["channels"]
    click.echo(f"Slack: {ch['slack'] or 'not configured'};  e-mail: "
               f"{ch['email']['to'] + ' via ' + ch['email']['smtp_host'] if ch['email'] else 'not configured'}")
    return 0


def _phase_or_error(monitor, phase_id: str):
    try:
        return monitor.phase(phase_id)
    except KeyError:
        raise BrError(f"unknown phase {phase_id!r}",
                      hint="phases: " + ", ".join(p["id"] for p in monitor.phases)) from None


@telemetry.command()
@click.argument("phase")
def dismiss(phase: str) -> int:
    """Silence PHASE's alert (banner, file, Slack/e-mail) for good."""
    project = discover()
    monitor = _monitor(project, _collector(project).summary())
    _phase_or_error(monitor, phase)
    monitor.dismiss(phase)
    alert = project.br_dir / "alerts" / "learning_ready.md"
    click.echo(f"Alert for {phase} dismissed.")
    if alert.exists():
        click.echo(f"({alert} is kept as a record; delete it if you like.)")
    return 0
