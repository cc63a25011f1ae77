"""Who and where an event comes from, and whether collection is allowed — all cheaply.

* Opt-out, checked in this order: `DO_NOT_TRACK=1`, `BR_TELEMETRY=0`, the user-level switch
  (`br telemetry disable --global`), the project's `telemetry.enabled`. A config that cannot be
  parsed disables collection (we cannot know whether the user opted out).
* Identity: `<user data dir>/identity.json` holds a random user id and a random salt, created on
  first collection (that is also when the one-time notice is printed, to stderr).
* Project id: keyed BLAKE2b of the resolved project root with that salt — stable per machine and
  user, meaningless elsewhere, never a path.
* The project's `telemetry.*` settings are cached in `.buildrunner/telemetry/settings.json`, keyed
  by the config file's mtime/size/inode, so a command that never needed PyYAML does not import it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from buildrunner.telemetry._files import read_json, user_data_dir, utc_now_iso, write_json_atomic

FALSEY = {"0", "false", "no", "off", "disable", "disabled"}
TRUTHY = {"1", "true", "yes", "on"}

NOTICE = """\
br collects local, anonymous usage telemetry in .buildrunner/telemetry/ to show you trends
and tell you when a learning phase (analytics dashboard, ...) has enough data.
Recorded: command names and option names (never argument values, code, file contents, prompts,
model answers or environment values), durations, exit codes, feature/build counts, quality
scores, model token counts and security finding counts per rule. Nothing leaves this machine
unless you configure a Slack webhook or SMTP alerts.
Opt out: `br telemetry disable [--global]`, BR_TELEMETRY=0 or DO_NOT_TRACK=1.
Details: docs/TELEMETRY.md"""

SETTINGS_DEFAULTS = {"enabled": True, "max_bytes": 50_000, "slack": False, "email": False, "otlp_export": False}


def env_opt_out() -> str | None:
    """The environment variable that disables telemetry, or None."""
    dnt = os.environ.get("DO_NOT_TRACK", "").strip().lower()
    if dnt and dnt not in FALSEY:
        return "DO_NOT_TRACK"
    if os.environ.get("BR_TELEMETRY", "").strip().lower() in FALSEY:
        return "BR_TELEMETRY"
    return None


# ---------------------------------------------------------------------------------------------
# identity


def identity_path() -> Path:
    return user_data_dir() / "identity.json"


def load_identity(create: bool = True) -> tuple[dict | None, bool]:
    """(identity, created_now); (None, False) when it cannot be read or stored."""
    path = identity_path()
    ident = read_json(path)
    if isinstance(ident, dict) and isinstance(ident.get("user_id"), str) and isinstance(ident.get("salt"), str):
        return ident, False
    if not create:
        return None, False
    ident = {"user_id": "u_" + os.urandom(8).hex(), "salt": os.urandom(16).hex(), "created": utc_now_iso(),
             "notice_shown": False, "disabled": False}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import json

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # first writer wins
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(ident, fh)
        return ident, True
    except FileExistsError:
        again = read_json(path)
        return (again, False) if isinstance(again, dict) and "salt" in again else (None, False)
    except OSError:
        return None, False


def set_identity_flag(name: str, value) -> bool:
    """Update one field of identity.json (notice_shown, disabled); False if it cannot be stored."""
    from buildrunner.telemetry._files import update_json

    ident, _ = load_identity()
    if ident is None:
        return False
    try:
        update_json(identity_path(), lambda d: d.update({**ident, **d, name: value}), indent=None)
        return True
    except Exception:  # noqa: BLE001
        return False


def _blake(data: bytes, key: bytes) -> str:
    try:
        from _blake2 import blake2b  # the C module: no OpenSSL load (hashlib costs ~5 ms)
    except ImportError:  # pragma: no cover
        from hashlib import blake2b
    return blake2b(data, key=key[:64], digest_size=8).hexdigest()


def project_id(root: Path, salt: str) -> str:
    return "p_" + _blake(os.fsencode(str(Path(root).resolve())), bytes.fromhex(salt))


def cached_project_id(project, identity: dict) -> str:
    """`project_id`, cached in `.buildrunner/telemetry/project_id.json` keyed by the user id and the
    root directory's device/inode (no path stored; loading the hash module costs ~0.5 ms)."""
    try:
        st = os.stat(project.root)
        key = [identity["user_id"], st.st_dev, st.st_ino]
    except OSError:
        return project_id(project.root, identity["salt"])
    path = project.telemetry_dir / "project_id.json"
    cached = read_json(path)
    if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("id"), str):
        return cached["id"]
    pid = project_id(project.root, identity["salt"])
    try:
        if project.telemetry_dir.is_dir():
            write_json_atomic(path, {"key": key, "id": pid})
    except OSError:
        pass
    return pid


# ---------------------------------------------------------------------------------------------
# git HEAD without spawning git


def git_commit(git_dir: Path | None) -> str:
    """Short (12 hex) HEAD commit, read from HEAD/refs/packed-refs; '' without commits or git."""
    if git_dir is None:
        return ""
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head[:12] if _is_hex(head) else ""
        ref = head[4:].strip()
        common = git_dir
        commondir = git_dir / "commondir"
        if commondir.is_file():
            text = commondir.read_text(encoding="utf-8").strip()
            common = Path(text) if os.path.isabs(text) else (git_dir / text).resolve()
        for base in (git_dir, common):
            try:
                sha = (base / ref).read_text(encoding="utf-8").strip()
                if _is_hex(sha):
                    return sha[:12]
            except OSError:
                pass
        try:
            with open(common / "packed-refs", encoding="utf-8") as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) == 2 and parts[1] == ref and _is_hex(parts[0]):
                        return parts[0][:12]
        except OSError:
            pass
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def _is_hex(text: str) -> bool:
    return len(text) >= 7 and all(c in "0123456789abcdef" for c in text)


# ---------------------------------------------------------------------------------------------
# project settings (cached)


def project_settings(project) -> dict | None:
    """The project's telemetry settings; None when its config cannot be parsed."""
    path = project.config_path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return dict(SETTINGS_DEFAULTS)
    except OSError:
        return None
    key = [st.st_mtime_ns, st.st_size, st.st_ino]
    cache_path = project.telemetry_dir / "settings.json"
    cached = read_json(cache_path)
    if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("settings"), dict):
        return cached["settings"]
    try:
        from buildrunner import config as cfg

        conf = cfg.load(path)
        settings = {
            "enabled": bool(conf.get("telemetry.enabled")),
            "max_bytes": int(conf.get("telemetry.max_bytes")),
            # only whether alert channels exist: credentials are never copied into the cache
            "slack": bool(conf.get("telemetry.slack_webhook")),
            "email": bool(conf.get("telemetry.email.to") and conf.get("telemetry.email.smtp_host")),
            "otlp_export": bool(conf.get("telemetry.otlp_export")),
        }
    except Exception:  # noqa: BLE001 — corrupt config: do not collect, never fail
        return None
    try:
        if project.telemetry_dir.is_dir() or project.br_dir.is_dir():
            project.telemetry_dir.mkdir(parents=True, exist_ok=True)
            write_json_atomic(cache_path, {"key": key, "settings": settings})
    except OSError:
        pass
    return settings


# ---------------------------------------------------------------------------------------------
# everything an event needs, resolved once per process


class Context:
    """Everything an event needs (a plain class: no dataclass creation cost at import)."""

    def __init__(self, project, settings: dict, identity: dict, project_id: str, commit: str,
                 first_collection: bool):
        self.project, self.settings, self.identity = project, settings, identity
        self.project_id, self.commit, self.first_collection = project_id, commit, first_collection

    @property
    def user_id(self) -> str:
        return self.identity["user_id"]


def opt_out_reason(project, settings: dict | None = None, identity: dict | None = None) -> str | None:
    """Why telemetry is off for `project` (env var, global switch, config, corrupt config) or None."""
    reason = env_opt_out()
    if reason:
        return f"{reason} is set"
    if identity is None:
        identity, _ = load_identity(create=False)
    if identity and identity.get("disabled"):
        return "disabled for this user (br telemetry disable --global)"
    if settings is None:
        settings = project_settings(project)
    if settings is None:
        return f"{project.config_path} cannot be parsed"
    if not settings.get("enabled", True):
        return "telemetry.enabled is false in the project config"
    return None


def resolve(project=None) -> Context | None:
    """The collection context for `project` (discovered if None), or None when not collecting.

    Only projects that have a `.buildrunner/` directory (after `br init`) collect; br never creates
    that directory just to write telemetry.
    """
    if env_opt_out():
        return None
    if project is None:
        from buildrunner.project import discover

        project = discover()
    if not project.br_dir.is_dir():
        return None
    settings = project_settings(project)
    if settings is None or not settings.get("enabled", True):
        return None
    identity, created = load_identity()
    if identity is None or identity.get("disabled"):
        return None
    first = created or not identity.get("notice_shown")
    if first:
        show_notice()
        set_identity_flag("notice_shown", True)
    return Context(project=project, settings=settings, identity=identity,
                   project_id=cached_project_id(project, identity),
                   commit=git_commit(project.git_dir), first_collection=first)


def show_notice() -> None:
    try:
        sys.stderr.write(NOTICE + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
