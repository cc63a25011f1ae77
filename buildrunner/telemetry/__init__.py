"""Local, privacy-first telemetry: events, collection, summaries, learning-phase thresholds, alerts.

Public API for other modules (the router, orchestration, quality gate)::

    from buildrunner import telemetry
    telemetry.record("model_usage", model="claude-sonnet-4-5", tier="sonnet", input_tokens=1200,
                     output_tokens=340, cost_usd=0.0087, duration_ms=2140, success=True)
    telemetry.record("orchestration", action="batch_completed", duration_ms=5400, success=True)
    telemetry.record("quality", score=87.5, coverage=82.0, violations=3, passed=True)
    telemetry.record("security", counts={"secrets.aws-access-key": 2}, total=2, scope="staged")

`record(event_type, project=None, **fields) -> bool` never raises and never blocks for long: it
returns False when telemetry is off (BR_TELEMETRY=0, DO_NOT_TRACK=1, `br telemetry disable`,
`telemetry.enabled: false`, no `.buildrunner/` directory) or the event does not fit the schema.
`project` is a `buildrunner.project.Project` (discovered from the cwd when None). Event types and
their fields are in `buildrunner/telemetry/events.py` (`EVENT_TYPES`); extra fields are kept only
when they are numbers, booleans or short tokens — never free text. Every `br` command is recorded
by the CLI group itself (`command` events); command modules contain no telemetry code.

Modules: `events` (schema), `privacy` (masking, argument shapes), `context` (opt-out, ids),
`collector` (JSONL log, rotation, summary index), `analyzer`, `thresholds` (+ `phases.yaml`),
`alerts` (banner, file, Slack, SMTP), `registry` (user-level project registry), `hook` (the CLI
after-command hook), `scans` (the `security` event of a scan), `features` (features registry and build records). See docs/TELEMETRY.md.
"""

from __future__ import annotations


def record(event_type: str, project=None, **fields) -> bool:
    """Record one event for `project`; True when it was written. Never raises."""
    try:
        from buildrunner.telemetry.hook import record_event

        return record_event(event_type, fields, project)
    except Exception:  # noqa: BLE001 — telemetry never breaks its caller
        return False


__all__ = ["record"]
