"""What may enter the telemetry log: masking, path redaction and argument sanitizing.

Privacy is enforced by construction, in three layers:

1. The event schema (`events.py`) only has short, whitespace-free string fields: a prompt, a
   model answer, a file's contents or an error message cannot be expressed in it.
2. Every free string passes through the secret masker (`buildrunner.engine.masking.sanitize_text`,
   the same rules the scanner uses), paths naming a `.env` file are redacted, and what still looks
   like an opaque key afterwards (`looks_opaque`: many rules need context a bare value lacks) is
   redacted. Only strings of a closed vocabulary (option names, command words, placeholders, record
   ids) skip the masker: it loads the rule packs on first use, which would blow the 5 ms
   per-command budget for no gain.
3. Command-line arguments are reduced to their shape: option names are kept, positional arguments
   become `<arg>`, option values become `<value>` except for a few enumerated options (`--format
   json`). So `br model run "refactor the login page"` is recorded as `["<arg>"]`.
"""

from __future__ import annotations

from buildrunner.mask import looks_opaque  # shared with config masking

# Character-set checks instead of regexes: compiling ~10 patterns costs more than the whole
# per-command telemetry budget on a slow machine, and these checks run on every command.
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = _LOWER | frozenset("_-")
_DIGITS = frozenset("0123456789")
_SAFE_VALUE = _LOWER | _DIGITS | frozenset("_.:-")

# options whose values are enumerations or numbers worth keeping (value still checked below)
SAFE_VALUE_OPTIONS = frozenset({
    "--format", "--since", "--until", "--type", "--status", "--complexity", "--phase", "--tier",
    "--model", "--jobs", "-j", "--scope", "--fail-on", "--severity", "--limit", "--top", "--streams",
    "--routing",
})

REDACTED_ENV = "<redacted:.env>"
REDACTED = "<redacted>"


def _is_word(word: str) -> bool:
    """A lower-case word of letters, '_' and '-' (no digits), at most 24 characters."""
    return 0 < len(word) <= 24 and word[0] in _LOWER and set(word) <= _WORD


def is_vocabulary(text: str) -> bool:
    """Option names, command words (`security check`), `<placeholders>`, record ids (`F12`)."""
    if not text or len(text) > 52:
        return False
    if text[0] == "<" and text[-1] == ">" and 2 < len(text) <= 26:
        return set(text[1:-1]) <= _LOWER | frozenset(".:-")
    if text[0] in "FB" and 1 < len(text) <= 8 and set(text[1:]) <= _DIGITS:
        return True
    words = text.lstrip("-").split(" ")
    return len(text) - len(text.lstrip("-")) <= 2 and len(words) <= 2 and all(_is_word(w) for w in words)


def names_env_file(text: str) -> bool:
    """True when `text` names a `.env` file (`.env`, `config/.env.local`, `--env-file=.env`)."""
    low = text.lower()
    start = low.find(".env")
    while start != -1:
        before = low[start - 1] if start else ""
        after = low[start + 4] if start + 4 < len(low) else ""
        if before in ("", "/", "\\", "=", ":", " ", "'", '"') and after in ("", ".", "/", "\\", "_", "-", " ", "'", '"'):
            return True
        start = low.find(".env", start + 1)
    return False


def sanitize_string(text: str) -> str:
    """A string as it may be stored: `.env` paths redacted, secrets masked, opaque key-like values
    redacted (fails closed)."""
    if not isinstance(text, str):
        text = str(text)
    if is_vocabulary(text):
        return text
    if names_env_file(text):
        return REDACTED_ENV
    try:
        from buildrunner.engine.masking import sanitize_text

        masked = sanitize_text(text)
    except Exception:  # noqa: BLE001 — a masker failure must not let the raw value through
        return REDACTED
    return REDACTED if looks_opaque(masked) else masked


def _safe_option_value(value: str) -> str:
    ok = 0 < len(value) <= 16 and value[0] not in "_.:-" and set(value) <= _SAFE_VALUE and not names_env_file(value)
    return value if ok else "<value>"


def _option_name(name: str) -> str:
    return name if " " not in name and is_vocabulary(name) else "<opt>"


def sanitize_args(args: list[str]) -> list[str]:
    """The shape of a command line (after the command words): options kept, values dropped."""
    out: list[str] = []
    expect_value = False
    positional_only = False
    for arg in args:
        if expect_value:
            expect_value = False
            if not arg.startswith("-"):
                out.append(_safe_option_value(arg))
                continue
        if positional_only or not arg.startswith("-") or arg == "-":
            out.append("<arg>")
            continue
        if arg == "--":
            positional_only = True
            out.append("--")
            continue
        name, eq, value = arg.partition("=")
        name = _option_name(name)
        if eq:
            out.append(f"{name}={_safe_option_value(value) if name in SAFE_VALUE_OPTIONS else '<value>'}")
        else:
            out.append(name)
            expect_value = name in SAFE_VALUE_OPTIONS
    return out[:32]
