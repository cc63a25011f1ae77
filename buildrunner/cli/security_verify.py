"""`br security check --verify`: run `buildrunner.engine.verify` over a scan's findings and say
what it found on stderr (the report itself carries each finding's verdict)."""

from __future__ import annotations

import click


def verify_result(project, config, result, documents=None, *, quiet: bool = False) -> None:
    from buildrunner.engine.scan import salt_of
    from buildrunner.engine.secretvalues import ValueReader
    from buildrunner.engine.verify import load_specs, specs_for, verify_findings

    texts = {d.path: d.text for d in documents or () if hasattr(d, "text")}
    reader = ValueReader(project.root, salt_of(config), texts)
    specs = specs_for(result.rules, load_specs())
    report = verify_findings(result.findings, reader, specs,
                             timeout=int(config.get("security.verify_timeout_ms")) / 1000,
                             max_checks=int(config.get("security.verify_max")))
    n = report.verdicts
    if quiet and not n["live"]:
        return
    line = f"verification: {n['live']} live, {n['revoked']} revoked, {n['unknown']} unknown"
    if report.skipped_over_limit:
        line += f" ({report.skipped_over_limit} not checked: per-run limit)"
    click.echo(line, err=True)
    if n["live"]:
        click.echo("br: LIVE keys found: revoke/rotate them first (docs/SECURITY.md, incident playbook)", err=True)
