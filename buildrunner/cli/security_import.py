"""`br security baseline --import FILE...`: another scanner's accepted findings into br's baseline.

The matching lives in `buildrunner.engine.baseline_import`; this module scans, merges with the
existing baseline, writes it and tells the user what did and did not carry over.
"""

from __future__ import annotations

import click

from buildrunner.errors import BrError


def import_baseline(project, config, target, files, *, jobs=None, as_json=False) -> int:
    from buildrunner.cli.output import emit_json
    from buildrunner.engine.baseline_import import import_findings, imported_entry
    from buildrunner.engine.kinds import scanned_kinds
    from buildrunner.engine.pipeline import scan_project
    from buildrunner.engine.scan import salt_of
    from buildrunner.engine.suppression import baseline_entry, load_baseline, now_iso, write_baseline

    existing = load_baseline(target).entries if target.exists() else {}
    result = scan_project(project, config, scanned_kinds(), require_rules=True, jobs=jobs, use_baseline=False)
    report = import_findings(project.root, result.findings, files, salt_of(config))
    created = now_iso()
    entries = dict(existing)
    added = 0
    for m in report.matches:
        if m.finding.fingerprint not in entries:
            entries[m.finding.fingerprint] = imported_entry(m, baseline_entry(m.finding, created))
            added += 1
    try:
        write_baseline(target, list(entries.values()))
    except OSError as exc:
        raise BrError(f"cannot write {target}: {exc.strerror}") from None
    summary = {"path": str(target), "imported": report.formats, "matched": len(report.matches), "added": added,
               "kept": len(existing), "unmatched": [e.describe() for e in report.unmatched]}
    if as_json:
        emit_json(summary)
        return 0
    for file, fmt in report.formats.items():
        click.echo(f"Read {file} ({fmt})")
    click.echo(f"Baseline: {added} finding(s) added from the import, {len(existing)} kept "
               f"→ {project.relpath(target)}")
    if report.unmatched:
        click.echo(f"br: warning: {len(report.unmatched)} imported entr{'y' if len(report.unmatched) == 1 else 'ies'} "
                   "matched no br finding (br does not detect that secret, it was removed, or its line "
                   "changed); they are not in the baseline:", err=True)
        for e in report.unmatched[:50]:
            click.echo(f"  {e.describe()}", err=True)
        if len(report.unmatched) > 50:
            click.echo(f"  ... and {len(report.unmatched) - 50} more (--json lists all)", err=True)
    return 0
