"""`br config get|set|unset|list`: dotted keys, validated, secrets always masked."""

from __future__ import annotations

import click

from buildrunner import config as cfg
from buildrunner.cli.output import emit_json
from buildrunner.engine.masking import mask_config_value
from buildrunner.project import discover


def _render_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "[]"
    if value == "" or value is None:
        return '""'
    return str(value)


@click.group()
def config() -> None:
    """Get, set, list and unset configuration keys (.buildrunner/config.yaml)."""


@config.command("get")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def get_cmd(key: str, as_json: bool) -> int:
    """Print the effective value of KEY (default if unset)."""
    project = discover()
    spec = cfg.lookup_key(key)
    conf = cfg.load(project)
    value = conf.get(key) if spec.type != "map" or key != spec.name else conf.get(key, {})
    if isinstance(value, dict):
        shown = {k: mask_config_value(f"{key}.{k}", v) for k, v in cfg.flatten(value).items()}
    else:
        shown = mask_config_value(key, value)
    if as_json:
        emit_json({"key": key, "value": shown, "set": cfg.get_dotted(conf.user_data, key) is not None})
    else:
        click.echo(_render_value(shown) if not isinstance(shown, dict) else
                   "\n".join(f"{key}.{k} = {_render_value(v)}" for k, v in shown.items()))
    return 0


def _scope_option(f):
    f = click.option("--project", "scope", flag_value="project",
                     help="The project's .buildrunner/config.yaml (committed: team settings).")(f)
    return click.option("--user", "scope", flag_value="user",
                        help="Your user-level config (never committed: credentials, personal choices).")(f)


@config.command("set")
@click.argument("key")
@click.argument("value")
@_scope_option
def set_cmd(key: str, value: str, scope: str | None) -> int:
    """Set KEY to VALUE (validated against the key's type).

    Credentials (model.api_key, passwords, webhooks) and telemetry.enabled go to your user-level
    config by default, other keys to the project's; --user / --project choose explicitly.
    """
    project = discover()
    cfg.lookup_key(key)
    scope = scope or ("user" if cfg.is_personal_key(key) else "project")
    target = cfg.user_config_path() if scope == "user" else project.config_path
    salt_before = cfg.load(project).get("security.fingerprint_salt") if key == "security.fingerprint_salt" else None
    stored = cfg.set_value(target, key, value)
    click.echo(f"{key} = {_render_value(mask_config_value(key, stored))}  ({scope}: {target})")
    if key == "security.fingerprint_salt" and stored != salt_before:
        _warn_salt_change(project)
    if cfg.is_sensitive_key(key) and stored and scope == "project":
        click.echo("note: config.yaml is usually committed; keep credentials in your user config "
                   "(`br config set --user`) or an environment variable (e.g. ANTHROPIC_API_KEY).", err=True)
    return 0


def _warn_salt_change(project) -> None:
    """Fingerprints hash the salt: a new one voids every whitelist and baseline entry."""
    from buildrunner.init import has_suppression_entries

    if has_suppression_entries(project):
        click.echo("warning: every finding fingerprint changes with the salt, so existing whitelist and baseline "
                   "entries no longer match; re-whitelist and run `br security baseline --update`.", err=True)


@config.command("unset")
@click.argument("key")
@_scope_option
def unset_cmd(key: str, scope: str | None) -> int:
    """Remove KEY from the config file (its default applies again); --user / --project as for set."""
    project = discover()
    cfg.lookup_key(key)
    scope = scope or ("user" if cfg.is_personal_key(key) else "project")
    had_salt = key == "security.fingerprint_salt" and cfg.load(project).get(key)
    removed = cfg.unset_value(cfg.user_config_path() if scope == "user" else project.config_path, key)
    if removed and had_salt:
        _warn_salt_change(project)
    click.echo(f"{key} unset" if removed else f"{key} was not set")
    return 0


@config.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include every known key with its default.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(show_all: bool, as_json: bool) -> int:
    """List configured keys (masked); --all adds defaults."""
    project = discover()
    conf = cfg.load(project)
    user = cfg.flatten(conf.user_data)
    personal = cfg.flatten(conf.personal_data)
    rows = []
    known = set(k for k, s in cfg.KEYS.items() if s.type != "map") if show_all else set()
    for key in sorted(set(user) | set(personal) | known):
        value = conf.get(key)
        wins_personal = key in personal and (key not in user or cfg.is_personal_key(key))
        source = "user" if wins_personal else "config" if key in user else "default"
        rows.append({"key": key, "value": mask_config_value(key, value), "source": source})
    if as_json:
        emit_json({"path": str(project.config_path), "keys": rows})
        return 0
    if not rows:
        click.echo(f"No keys set in {project.config_path} (use --all to see defaults).")
        return 0
    width = max(len(r["key"]) for r in rows)
    for row in rows:
        suffix = {"config": "", "user": "  (user)"}.get(row["source"], "  (default)")
        click.echo(f"{row['key']:<{width}}  {_render_value(row['value'])}{suffix}")
    return 0
