"""Project configuration: `.buildrunner/config.yaml`, dotted keys, validation and masking.

Reading uses PyYAML's C loader (fast enough for the pre-commit hook); writing uses ruamel.yaml's
round-trip mode so that `br config set` keeps the user's comments and layout. A malformed file is
never overwritten: every error names the file and line and exits with code 2.

Known keys are declared once in `KEYS` (type, default, help). Keys under a declared *map* prefix
(for example `model.prices.*`) accept any sub-key with the map's value type, so users can override
catalog entries without a release.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrunner.errors import ConfigError

# ---------------------------------------------------------------------------------------------
# The key table


@dataclass(frozen=True)
class Key:
    name: str
    type: str  # "bool" | "int" | "float" | "str" | "list" | "map"
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    open_choices: bool = False  # choices are tiers; any id naming one (claude-opus-4-5) matching `pattern` is fine
    pattern: str | None = None
    check: str | None = None  # name of a value check in VALUE_CHECKS (URLs, addresses, hosts, refs...)


def _k(name, type_, default, help_, **kw) -> Key:
    return Key(name, type_, default, help_, **kw)


MODEL_TIERS = ("haiku", "sonnet", "opus")
MODEL_ID = r"^[A-Za-z0-9._:\-@/]+$"
PRICE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")

KEYS: dict[str, Key] = {k.name: k for k in [
    _k("project.name", "str", "", "Display name of the project (defaults to the directory name)."),
    # security / Tier 1 gate
    _k("security.coverage_min", "int", 80, "Minimum total line coverage (%) for the quality gate.",
       minimum=0, maximum=100),
    _k("security.diff_coverage_min", "int", 80, "Minimum coverage (%) of changed lines.",
       minimum=0, maximum=100),
    _k("security.coverage_strict", "bool", False,
       "Fail (not just warn) when tests exist but coverage data is missing or stale."),
    _k("security.coverage_command", "str", "",
       "Command that produces coverage data (shown in warnings; run by `br coverage run`)."),
    _k("security.coverage_files", "list", [],
       "Coverage data files to read (empty = .coverage, coverage.xml, coverage.json, lcov.info, coverage/lcov.info...)."),
    _k("security.max_file_size", "int", 2_000_000,
       "Files larger than this many bytes are skipped (and counted) by scans.", minimum=1),
    _k("security.code_max_file_size", "int", 1_000_000,
       "Code rules (SQL injection) do not parse files larger than this many bytes (0 = no cap; "
       "secret rules still scan them, up to security.max_file_size). Skipped files are counted.", minimum=0),
    _k("security.code_skip_minified", "bool", True,
       "Code rules do not parse minified or generated files (over 300 characters per line on average "
       "in the first 8 KiB); secret rules still scan them. Skipped files are counted."),
    _k("security.foreign_annotations", "bool", True,
       "Honour other tools' inline annotations (gitleaks:allow, pragma: allowlist secret, nosec B608, "
       "nosemgrep naming a SQL rule)."),
    _k("security.verify_timeout_ms", "int", 5000,
       "`br security check --verify`: how long to wait for a provider's answer (then: unknown).", minimum=100),
    _k("security.verify_max", "int", 50,
       "`br security check --verify`: at most this many distinct secrets are checked per run.", minimum=1),
    _k("security.exclude", "list", [], "Extra glob patterns excluded from scans."),
    _k("security.fingerprint_salt", "str", "",
       "Salt mixed into finding fingerprints (set by `br init`; keep it stable)."),
    _k("security.sql_placeholder", "str", "auto",
       "Placeholder style for SQL autofixes (auto: from the driver the file imports; dollar: asyncpg's $1).",
       choices=("auto", "qmark", "format", "numeric", "named", "pyformat", "dollar")),
    _k("security.jobs", "int", 0, "Worker processes for full scans (0 = one per core).", minimum=0),
    # model routing
    _k("model.routing", "str", "auto", "auto: pick the model per task; manual: always model.default.",
       choices=("auto", "manual")),
    _k("model.risk", "float", 2.0,
       "Cost of a failed attempt in units of the task's Sonnet price: higher routes up sooner.",
       minimum=0, maximum=20),
    _k("model.default", "str", "sonnet", "Model tier or id used in manual mode and as a base.",
       choices=MODEL_TIERS, open_choices=True, pattern=MODEL_ID),
    _k("model.fallback", "list", [], "Fallback chain of tiers/ids (empty = built-in default).",
       choices=MODEL_TIERS, open_choices=True, pattern=MODEL_ID),
    _k("model.max_tokens", "int", 4096, "Default max_tokens for `br model run`.", minimum=1),
    _k("model.timeout", "float", 120.0, "Request timeout in seconds.", minimum=0.05),
    _k("model.max_retries", "int", 2, "Retries on overload/5xx/timeouts before falling back.",
       minimum=0, maximum=10),
    _k("model.retry_delay", "float", 1.0, "Base delay (s) of the exponential backoff between retries.",
       minimum=0),
    _k("model.max_retry_after", "float", 60.0,
       "Longest 429 retry-after (s) honoured; a longer wait falls back to the next model instead.", minimum=0),
    _k("model.api_key", "str", "", "Anthropic API key (prefer the ANTHROPIC_API_KEY environment variable)."),
    _k("model.models", "map", {}, "Per-tier model id overrides, e.g. model.models.haiku.", check="model_override"),
    _k("model.prices", "map", {}, "Per-tier price overrides in $/MTok, e.g. model.prices.sonnet.input.",
       check="price_override"),
    # telemetry
    _k("telemetry.enabled", "bool", True, "Collect local, private usage telemetry."),
    _k("telemetry.max_bytes", "int", 50_000, "Rotate events.jsonl above this size.", minimum=1024),
    _k("telemetry.otlp_export", "bool", False,
       "After each command, send new events to the OTLP collector named by OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT "
       "(in a background process, at most once a minute)."),
    _k("telemetry.slack_webhook", "str", "", "Slack incoming webhook URL for learning-phase alerts.",
       check="https_url"),
    _k("telemetry.email.to", "str", "", "Recipient of learning-phase alert e-mails.", check="email"),
    _k("telemetry.email.from", "str", "", "Sender address of alert e-mails.", check="email"),
    _k("telemetry.email.smtp_host", "str", "", "SMTP server host.", check="host"),
    _k("telemetry.email.smtp_port", "int", 587, "SMTP server port.", minimum=1, maximum=65535),
    _k("telemetry.email.smtp_user", "str", "", "SMTP user name."),
    _k("telemetry.email.smtp_password", "str", "", "SMTP password."),
    _k("telemetry.email.starttls", "bool", True, "Use STARTTLS when sending alert e-mails."),
    # orchestration
    _k("orchestration.agent_command", "str", "",
       "Command a worker runs per batch, e.g. `claude -p --model {model} {prompt_file}` (empty = manual)."),
    _k("orchestration.dashboard_host", "str", "127.0.0.1", "Interface the dashboard binds to.", check="host"),
    _k("orchestration.dashboard_port", "int", 8080, "Dashboard port.", minimum=0, maximum=65535),
    _k("orchestration.integration_branch", "str", "", "Branch streams merge into (empty = current).",
       check="branch"),
    _k("orchestration.plan", "str", "",
       "Plan file for `br orchestrate` (empty = .buildrunner/plan.yaml, then plan.yaml)."),
]}

SENSITIVE_WORDS = frozenset({"key", "apikey", "secret", "secrets", "token", "password", "passwd", "pwd",
                             "auth", "credential", "credentials", "private", "jwt", "webhook", "dsn"})
SENSITIVE_SUBSTRINGS = ("api_key", "apikey", "api-key", "secret", "password", "passwd", "private_key",
                        "access_token", "auth_token", "credential", "webhook")


def is_sensitive_key(key: str) -> bool:
    """True for keys whose values are credentials (shown masked everywhere).

    Judged on the last segment's words, so `model.api_key` and `telemetry.email.smtp_password`
    are sensitive while `model.max_tokens` is not.
    """
    last = key.rsplit(".", 1)[-1].lower()
    words = set(re.split(r"[_\-]", last))
    return bool(words & SENSITIVE_WORDS) or any(s in last for s in SENSITIVE_SUBSTRINGS)


def lookup_key(key: str) -> Key:
    """The declared key, or the map key it falls under; ConfigError listing close names otherwise."""
    if key in KEYS:
        return KEYS[key]
    for name, spec in KEYS.items():
        if spec.type == "map" and key.startswith(name + "."):
            return spec
    import difflib

    close = difflib.get_close_matches(key, list(KEYS), n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "run `br config list --all` to see known keys"
    raise ConfigError(f"unknown config key {key!r}", hint=hint)


def coerce(key: str, raw: Any) -> Any:
    """Turn a command-line string (or YAML value) into the key's type, or raise ConfigError."""
    spec = lookup_key(key)
    kind = spec.type
    if kind == "map" and key != spec.name:
        value = _coerce_scalar(raw)
        if spec.check:
            VALUE_CHECKS[spec.check](key[len(spec.name) + 1:], value, key)
        return value
    if kind == "bool":
        return _coerce_bool(key, raw)
    if kind in {"int", "float"}:
        return _coerce_number(key, spec, raw)
    if kind == "list":
        value = _coerce_list(key, raw)
        for item in value:
            _check_choice(spec, key, str(item))
        return value
    if kind == "map":
        if not isinstance(raw, dict):
            raise ConfigError(f"{key} expects a mapping, got {raw!r}")
        for sub, item in flatten(raw).items() if spec.check else ():
            VALUE_CHECKS[spec.check](sub, item, f"{key}.{sub}")
        return raw
    value = "" if raw is None else raw if isinstance(raw, str) else str(raw)  # str
    _check_choice(spec, key, value)
    if spec.check and value:
        VALUE_CHECKS[spec.check]("", value, key)
    return value


def _coerce_bool(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in {"true", "yes", "on", "1"}:
        return True
    if isinstance(raw, str) and raw.lower() in {"false", "no", "off", "0"}:
        return False
    raise ConfigError(f"{key} expects true or false, got {raw!r}")


def _coerce_number(key: str, spec, raw: Any) -> int | float:
    kind = spec.type
    try:
        value = int(raw) if kind == "int" else float(raw)
        if isinstance(raw, bool):
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(f"{key} expects {'an integer' if kind == 'int' else 'a number'}, got {raw!r}") from None
    if spec.minimum is not None and value < spec.minimum:
        raise ConfigError(f"{key} must be >= {spec.minimum:g}, got {value}")
    if spec.maximum is not None and value > spec.maximum:
        raise ConfigError(f"{key} must be <= {spec.maximum:g}, got {value}")
    return value


def _coerce_list(key: str, raw: Any) -> list:
    if isinstance(raw, str) and raw.strip().startswith("[") and raw.strip().endswith("]"):
        return [p.strip().strip("'\"") for p in raw.strip()[1:-1].split(",") if p.strip()]
    if isinstance(raw, str):
        return [p.strip() for p in raw.split(",") if p.strip()]
    if not isinstance(raw, list):
        raise ConfigError(f"{key} expects a list (comma-separated on the command line), got {raw!r}")
    return raw


def _check_choice(spec: Key, key: str, value: str) -> None:
    if not spec.choices or value in spec.choices:
        return
    if spec.open_choices and spec.pattern and re.match(spec.pattern, value) and _names_a_tier(value, spec.choices):
        return
    extra = f" or an id naming one ({_example_id(spec.choices)})" if spec.open_choices else ""
    raise ConfigError(f"{key} must be one of {', '.join(spec.choices)}{extra}, got {value!r}")


def _names_a_tier(value: str, tiers) -> bool:
    """Model ids are accepted when they name a tier (`claude-opus-4-5`), as the router resolves them."""
    low = value.lower()
    return any(t in low for t in tiers)


def _example_id(tiers) -> str:
    return "claude-sonnet-4-5" if "sonnet" in tiers else f"claude-{tiers[0]}"


# ---------------------------------------------------------------------------------------------
# Value checks: every key is validated when it is set (and when the file is read), not when used


def _check_model_override(sub: str, value: Any, key: str) -> None:
    if sub not in MODEL_TIERS:
        raise ConfigError(f"{key}: unknown tier {sub!r}", hint=f"tiers: {', '.join(MODEL_TIERS)}")
    if not isinstance(value, str) or not re.match(MODEL_ID, value) or not _names_a_tier(value, MODEL_TIERS):
        raise ConfigError(f"{key} must be a Claude model id such as claude-{sub}-4-5, got {value!r}")


def _check_price_override(sub: str, value: Any, key: str) -> None:
    parts = sub.split(".")
    if parts[0] not in MODEL_TIERS:
        raise ConfigError(f"{key}: unknown tier {parts[0]!r}", hint=f"tiers: {', '.join(MODEL_TIERS)}")
    field_name = parts[-1]
    if parts[1:2] == ["long_context"] and field_name == "threshold_tokens":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    else:
        ok = field_name in PRICE_FIELDS and len(parts) == (3 if parts[1:2] == ["long_context"] else 2)
        ok = ok and isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    if not ok:
        raise ConfigError(f"{key} must be a price in $/MTok (a number >= 0) for one of "
                          f"{', '.join(PRICE_FIELDS)}, got {value!r}")


def _check_https_url(_sub: str, value: str, key: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    loopback = parts is not None and (parts.hostname or "") in ("localhost", "::1") or \
        (parts is not None and (parts.hostname or "").startswith("127."))
    scheme_ok = parts is not None and (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    if not scheme_ok or not parts.hostname or any(c.isspace() for c in value):
        raise ConfigError(f"{key} must be an https:// URL (http:// only on this machine)",
                          hint="e.g. https://hooks.slack.com/services/...")


_EMAIL = re.compile(r"^[^@\s<>]+@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.?)+$|^\[?[0-9A-Fa-f:.]+\]?$")


def _check_email(_sub: str, value: str, key: str) -> None:
    if not all(_EMAIL.match(part.strip()) for part in value.split(",")):
        raise ConfigError(f"{key} must be an e-mail address (name@example.com), got {value!r}")


def _check_host(_sub: str, value: str, key: str) -> None:
    if len(value) > 253 or not _HOST.match(value):
        raise ConfigError(f"{key} must be a host name or IP address (no scheme, port or path), got {value!r}")


def _check_branch(_sub: str, value: str, key: str) -> None:
    """git check-ref-format's rules for a branch name, without running git."""
    bad = (value.startswith(("-", "/")) or value.endswith((".", "/", ".lock")) or ".." in value or "//" in value
           or "@{" in value or value == "@" or any(c in value for c in " ~^:?*[\\") or any(ord(c) < 32 for c in value)
           or any(part.startswith(".") for part in value.split("/")))
    if bad:
        raise ConfigError(f"{key} must be a valid git branch name, got {value!r}")


VALUE_CHECKS: dict[str, Callable[[str, Any, str], None]] = {
    "model_override": _check_model_override, "price_override": _check_price_override,
    "https_url": _check_https_url, "email": _check_email, "host": _check_host, "branch": _check_branch,
}


def _coerce_scalar(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    for conv in (int, float):
        try:
            return conv(raw)
        except ValueError:
            pass
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    return raw


# ---------------------------------------------------------------------------------------------
# Nested dict helpers


def get_dotted(data: dict, key: str, default: Any = None) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_dotted(data: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` → `{"a.b": 1}`; declared map keys are flattened into their leaves."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v and (name not in KEYS or KEYS[name].type == "map"):
            out.update(flatten(v, name + "."))
        else:
            out[name] = v
    return out


def defaults() -> dict:
    data: dict = {}
    for key in KEYS.values():
        set_dotted(data, key.name, copy.deepcopy(key.default))
    return data


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class Config:
    """Effective configuration: defaults, the user's own file, then the project's file — except
    for personal keys (credentials, the telemetry opt-out), where the user's choice wins."""

    path: Path | None
    data: dict = field(default_factory=defaults)
    user_data: dict = field(default_factory=dict)  # what the project file itself says
    personal_data: dict = field(default_factory=dict)  # what the user-level file says

    def get(self, key: str, default: Any = None) -> Any:
        value = get_dotted(self.data, key, None)
        if value is None:
            return default if default is not None else _default_for(key)
        return value

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def items(self, include_defaults: bool = True) -> dict[str, Any]:
        return flatten(self.data if include_defaults else self.user_data)


def _default_for(key: str) -> Any:
    spec = KEYS.get(key)
    return copy.deepcopy(spec.default) if spec else None


def _yaml_error(path: Path, exc: Exception) -> ConfigError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ConfigError(f"{path}{line}: malformed YAML: {problem}",
                       hint="fix the file by hand; br never overwrites a file it cannot parse")


def read_yaml_mapping(path: Path) -> dict:
    """Parse a YAML file that must hold a mapping (empty file → {})."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of sections (e.g. `security:`), got {type(data).__name__}")
    return data


def validate_mapping(data: dict, path: Path | None) -> dict:
    """Check every key and value in a parsed config; returns a coerced copy."""
    clean: dict = {}
    where = f"{path}: " if path else ""
    for key, value in flatten(data).items():
        try:
            set_dotted(clean, key, coerce(key, value))
        except ConfigError as exc:
            line = _line_of_key(path, key) if path else None
            loc = f"{path}:{line}: " if line else where
            raise ConfigError(f"{loc}{exc.message}", hint=exc.hint) from None
    return clean


def _line_of_key(path: Path, dotted: str) -> int | None:
    """Best-effort line number of a dotted key in a YAML file (for error messages)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    parts = dotted.split(".")
    depth, indent = 0, -1
    for number, text in enumerate(lines, 1):
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        cur_indent = len(text) - len(stripped)
        if depth and cur_indent <= indent:
            continue
        if re.match(rf"{re.escape(parts[depth])}\s*:", stripped):
            depth += 1
            indent = cur_indent
            if depth == len(parts):
                return number
    return None


def user_config_path() -> Path:
    """The user-level config: personal choices that never go into a committed file
    (`$XDG_CONFIG_HOME/buildrunner/config.yaml` on Linux, the platform's config dir elsewhere)."""
    import os
    import sys

    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        return Path(base) / "buildrunner" / "config.yaml"
    import platformdirs

    return Path(platformdirs.user_config_dir("buildrunner", appauthor=False)) / "config.yaml"


def is_personal_key(key: str) -> bool:
    """Keys that are a person's choice, not a team setting: credentials and the telemetry
    opt-out. `br config set` writes them to the user config unless told `--project`."""
    return key == "telemetry.enabled" or is_sensitive_key(key)


def load(project_or_path: Any = None) -> Config:
    """The effective config of a project (or of a config file path); defaults if none exists."""
    path = _config_path(project_or_path)
    cfg = Config(path=path)
    upath = user_config_path()
    if upath.is_file():
        cfg.personal_data = validate_mapping(read_yaml_mapping(upath), upath)
        for key, value in flatten(cfg.personal_data).items():
            set_dotted(cfg.data, key, value)
    if path is not None and path.exists():
        cfg.user_data = validate_mapping(read_yaml_mapping(path), path)
        for key, value in flatten(cfg.user_data).items():
            if not (is_personal_key(key) and get_dotted(cfg.personal_data, key) is not None):
                set_dotted(cfg.data, key, value)
    return cfg


def _config_path(project_or_path: Any) -> Path | None:
    if project_or_path is None:
        from buildrunner.project import discover

        return discover().config_path
    if isinstance(project_or_path, (str, Path)):
        return Path(project_or_path)
    return project_or_path.config_path


# ---------------------------------------------------------------------------------------------
# Writing (comment-preserving)


def _round_trip():
    from ruamel.yaml import YAML

    yml = YAML()
    yml.preserve_quotes = True
    yml.indent(mapping=2, sequence=4, offset=2)
    return yml


def _edit(path: Path, mutate: Callable[[Any], None]) -> None:
    """Apply `mutate` to the round-trip document and write it atomically."""
    read_yaml_mapping(path) if path.exists() else None  # refuse malformed files before editing
    yml = _round_trip()
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            doc = yml.load(fh)
    else:
        doc = None
    if doc is None:
        from ruamel.yaml.comments import CommentedMap

        doc = CommentedMap()
    mutate(doc)
    import io

    from buildrunner.fsutil import atomic_write_text

    buffer = io.StringIO()
    yml.dump(doc, buffer)
    atomic_write_text(path, buffer.getvalue())


def set_value(path: Path, key: str, raw: Any) -> Any:
    """Validate and store `key = raw` in the file at `path`; returns the stored value."""
    value = coerce(key, raw)

    def mutate(doc):
        from ruamel.yaml.comments import CommentedMap

        node = doc
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = CommentedMap()
            node = node[part]
        node[parts[-1]] = value

    _edit(path, mutate)
    return value


def unset_value(path: Path, key: str) -> bool:
    """Remove `key` from the file (the default applies again). False when it was not set."""
    lookup_key(key)
    removed = False

    def mutate(doc):
        nonlocal removed
        parents = []
        node = doc
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                return
            parents.append((node, part))
            node = node[part]
        if isinstance(node, dict) and parts[-1] in node:
            del node[parts[-1]]
            removed = True
            for parent, name in reversed(parents):  # drop sections left empty
                if parent[name]:
                    break
                del parent[name]

    if path.exists():
        _edit(path, mutate)
    return removed


# ---------------------------------------------------------------------------------------------
# The commented default file written by `br init`


def render_default_config() -> str:
    """config.yaml text: every known key with its default and its help as a comment.

    Credentials are left commented out with a pointer to the environment variable, so a default
    file never invites committing a secret.
    """
    lines = [
        "# BuildRunner configuration (committed with the project).",
        "# Change values with `br config set KEY VALUE`; `br config list --all` shows every key.",
        "# Credentials belong in the environment (ANTHROPIC_API_KEY, ...), not in this file.",
    ]
    tree: dict = {}
    for key in KEYS.values():
        set_dotted(tree, key.name, key)

    def emit(node: dict, depth: int) -> None:
        pad = "  " * depth
        for name, child in node.items():
            if isinstance(child, dict):
                if depth == 0:
                    lines.append("")
                lines.append(f"{pad}{name}:")
                emit(child, depth + 1)
                continue
            spec: Key = child
            comment = spec.help + (f" One of: {', '.join(spec.choices)}." if spec.choices else "")
            lines.append(f"{pad}# {comment}")
            value = _yaml_scalar(spec.default)
            if spec.type == "map" or is_sensitive_key(spec.name) or spec.name == "security.fingerprint_salt":
                lines.append(f"{pad}# {name}: {value}")
            else:
                lines.append(f"{pad}{name}: {value}")

    emit(tree, 0)
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return json.dumps(value) if value == "" or re.search(r"[:#{}\[\],&*!|>'\"%@`]", value) else value
