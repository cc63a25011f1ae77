"""`br init` and `br status`."""

from __future__ import annotations

import click

from buildrunner import config as cfg
from buildrunner.cli.output import emit_json
from buildrunner.engine.masking import mask_config_value
from buildrunner.init import initialize
from buildrunner.project import discover


@click.command()
@click.option("--no-hook", is_flag=True, help="Do not install the git pre-commit hook.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def init(no_hook: bool, quiet: bool) -> int:
    """Create .buildrunner/ (config, whitelist), .gitignore entries and the pre-commit hook.

    Safe to run again: existing files are kept, missing pieces are added.
    """
    project = discover()
    report = initialize(project, install_hook=not no_hook)
    if not quiet:
        click.echo(f"BuildRunner initialized in {project.root}")
        for item in report.created:
            click.echo(f"  created  {item}")
        for item in report.kept:
            click.echo(f"  kept     {item}")
        for note in report.notes:
            click.echo(f"  note     {note}")
        from buildrunner.project import TEAM_FILES

        click.echo("Commit (shared with the team):")
        width = max(len(path) for path, _ in TEAM_FILES)
        for path, why in TEAM_FILES:
            click.echo(f"  {path:<{width}}  {why}")
        click.echo("Never committed (git-ignored above): .buildrunner/state/, telemetry/, alerts/, usage/, "
                   "orchestration/, status/, commands/, worktrees/, lock and temp files — br keeps them for itself.")
    return 0


def _status_data() -> dict:
    project = discover()
    data: dict = {
        "root": str(project.root),
        "git": project.is_git,
        "initialized": project.initialized,
        "config_path": str(project.config_path),
    }
    conf = cfg.load(project)
    defaults = cfg.flatten(cfg.defaults())
    configured = {**cfg.flatten(conf.personal_data), **cfg.flatten(conf.user_data)}
    data["config"] = {k: mask_config_value(k, conf.get(k)) for k in sorted(configured)
                      if defaults.get(k, object()) != conf.get(k)}  # only what differs from the defaults
    data["settings"] = {
        key: conf.get(key)
        for key in ("security.coverage_min", "security.diff_coverage_min", "model.routing", "model.default",
                    "telemetry.enabled")
    }
    from buildrunner.engine.rules import load_rules

    ruleset = load_rules(project)
    packs = []
    for pack in ruleset.packs:
        ids = {r.id for r in pack.rules}
        enabled = sum(1 for r in ruleset.rules if r.id in ids and r.enabled and r.source == pack.path)
        packs.append({"name": pack.name, "builtin": pack.builtin, "rules": len(pack.rules), "enabled": enabled,
                      "path": pack.path if not pack.builtin else f"(built-in) {pack.name}"})
    data["rule_packs"] = packs
    data["rules_enabled"] = sum(1 for r in ruleset.rules if r.enabled)
    from buildrunner.engine.state import read_last_scan

    data["last_scan"] = read_last_scan(project)
    data["hook_installed"] = None
    if project.is_git:
        from buildrunner.hooks import hook_installed

        data["hook_installed"] = hook_installed(project)
    return data


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> int:
    """Show the project root, config summary (masked), rule packs and the last scan."""
    data = _status_data()
    if as_json:
        emit_json(data)
        return 0
    click.echo(f"Project      {data['root']}" + ("" if data["git"] else "  (not a git repository)"))
    click.echo(f"Initialized  {'yes' if data['initialized'] else 'no — run `br init`'}")
    if data["hook_installed"] is not None:
        click.echo(f"Hook         {'installed' if data['hook_installed'] else 'not installed — run `br hooks install`'}")
    s = data["settings"]
    click.echo(f"Gate         coverage >= {s['security.coverage_min']}%, changed lines >= "
               f"{s['security.diff_coverage_min']}%")
    click.echo(f"Models       routing {s['model.routing']}, default {s['model.default']}")
    click.echo(f"Telemetry    {'enabled' if s['telemetry.enabled'] else 'disabled'}")
    if data["config"]:
        click.echo("Config       (values that differ from the defaults)")
        for key, value in data["config"].items():
            click.echo(f"  {key} = {value}")
    click.echo(f"Rule packs   {data['rules_enabled']} rules enabled")
    for pack in data["rule_packs"]:
        click.echo(f"  {pack['name']:<18} {pack['enabled']:>4}/{pack['rules']:<4} {pack['path']}")
    last = data["last_scan"]
    if last:
        counts = ", ".join(f"{n} {sev}" for sev, n in (last.get("by_severity") or {}).items() if n) or "no findings"
        click.echo(f"Last scan    {last.get('timestamp', '?')} {last.get('mode', '')}: {counts} "
                   f"(exit {last.get('exit_code', '?')})")
    else:
        click.echo("Last scan    none yet — run `br security check`")
    return 0
