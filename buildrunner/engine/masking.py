"""Masking secrets for display: the one place that decides what a secret looks like in output.

`mask_value` keeps at most a quarter of a value (never more than 4 + 4 characters); `mask_config_value` masks a config
value whose key looks sensitive or whose value matches a secret rule; `sanitize_text` masks every
secret-rule match in free text (used by telemetry, reports and error messages).

Masking is driven by the SAME built-in secret rules as detection (a cached `SecretMatcher`), so a
value the scanner reports is always a value the masker hides. It is built for hot paths
(telemetry, every error message): the rules' validated specs are cached as JSON in the user cache
dir, and text goes through two stages —

1. a keyword prefilter (one Aho-Corasick pass with every rule's keywords, read from the cache),
   which is all that clean text costs: no rule objects, no regexes, no dataclasses are loaded;
2. only when a keyword (or `://`) occurs: the full SecretMatcher, plus URLs with inline passwords.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

ELLIPSIS = "…"
CACHE_NAME = "secret-rules.json"
KEYWORDS_NAME = "secret-keywords.json"  # the prefilter's keywords alone: a few KB to read
CACHE_FORMAT = 2  # bump when the cached layout changes

# scheme://user:password@host — any scheme, so log lines with proxy or VCS URLs are covered too
_URL_PASSWORD = r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"<>]*:(?P<secret>[^\s@/'\"<>]+)@[^\s/]"

_lock = threading.Lock()
_matcher = None
_prefilter = None  # ahocorasick automaton over every rule keyword
_url_re: re.Pattern | None = None


MAX_REVEAL = 4  # characters kept at each end, at most
FULL_MASK_UP_TO = 12  # values this short are masked entirely


def mask_value(value: str, keep: int = MAX_REVEAL) -> str:
    """`sk-ant-api03-abcdef…` → `sk-a…wxyz`: at most a quarter of a value is revealed, never more
    than `keep` characters at each end, and values of 12 characters or fewer are fully masked.

    A 16-character token shows `ab…yz` (4 of 16), a 20-character AWS key id `AK…YZ`, a 40-character
    token `abcd…wxyz` (8 of 40). The ends make a finding recognisable; they must never make the
    value guessable.
    """
    if value is None:
        return ""
    value = str(value)
    n = len(value)
    per_side = min(keep, MAX_REVEAL, n // 8)
    if n <= FULL_MASK_UP_TO or per_side <= 0:
        return "*" * min(n, 8) if value else ""
    return f"{value[:per_side]}{ELLIPSIS}{value[-per_side:]}"


def mask_config_value(key: str, value):
    """A config value as it may be shown: masked when its key is sensitive or it holds a secret.

    A bare value has lost the context many rules need (`aws_secret = …`), so a single opaque,
    key-like token is masked too (fails closed: a random-looking value is shown as `abcd…wxyz`).
    """
    from buildrunner.config import is_sensitive_key

    if isinstance(value, list):
        return [mask_config_value(key, v) for v in value]
    if not isinstance(value, str) or not value:
        return value
    if is_sensitive_key(key):
        return mask_value(value)
    masked = sanitize_text(value)
    if masked == value and looks_opaque(value):  # fails closed: any key-like token masks the value
        return mask_value(value)
    return masked


_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_STRONG_SEPARATORS = str.maketrans({c: " " for c in ".:/@+=<>…*\\'\" \t\n,;()[]{}?&%#!|"})
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LETTERS = _LOWER | _UPPER
_HEX = frozenset("0123456789abcdef")


def looks_opaque(text: str) -> bool:
    """True when `text` holds an opaque, key-like value the masker could not place.

    Many secret rules need context ("algolia ... key = <32 hex>") that a bare value no longer has,
    so values are also judged by shape, per chunk between strong separators (`/ : @ = .` and
    spaces). A chunk is key-like when, ignoring `-` and `_`, it mixes upper case, lower case and
    digits over 12+ characters, or upper and lower case over 16+, or is 24+ hex digits (UUIDs,
    hashes); or when one of its `-`/`_` segments has 25+ characters, or 17+ mixing letters and
    digits. Identifiers stay: `claude-sonnet-4-5-20250929`, `secrets.aws-access-key`, `F12`.
    """
    for chunk in text.translate(_STRONG_SEPARATORS).split():
        joined = chunk.replace("-", "").replace("_", "")
        n = len(joined)
        if n >= 12:
            chars = set(joined)
            upper, lower = not chars.isdisjoint(_UPPER), not chars.isdisjoint(_LOWER)
            digits = not chars.isdisjoint(_DIGITS)
            if (upper and lower and digits) or (n >= 16 and upper and lower):
                return True
            if n >= 24 and set(joined.lower()) <= _HEX:
                return True
        for seg in chunk.replace("_", "-").split("-"):
            if len(seg) >= 25:
                return True
            if len(seg) >= 17 and not set(seg).isdisjoint(_DIGITS) and not set(seg).isdisjoint(_LETTERS):
                return True
    return False




# -- the rule cache (written by engine.secrets.builtin_secret_rules) ---------------------------
def cache_path(name: str = CACHE_NAME) -> Path:
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / "buildrunner" / name
    import platformdirs

    return Path(platformdirs.user_cache_dir("buildrunner", appauthor=False)) / name


def cache_key() -> str:
    from buildrunner import __version__

    st = (Path(__file__).resolve().parent.parent / "rules" / "secrets.yaml").stat()
    return f"{CACHE_FORMAT}:{__version__}:{st.st_size}:{st.st_mtime_ns}"


def read_cache(name: str = CACHE_NAME) -> dict | None:
    """A cache file's data (`rules` or `keywords`), or None when missing, stale or unreadable."""
    import json

    field = "rules" if name == CACHE_NAME else "keywords"
    try:
        data = json.loads(cache_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("key") == cache_key() and isinstance(data.get(field), list):
        return data
    return None


def write_cache(rules_payload: list[dict] | None, keywords: list[str]) -> None:
    """Write the cache files atomically; a read-only or missing cache dir is not an error."""
    from buildrunner.fsutil import atomic_write_json

    key = cache_key()
    files = [(KEYWORDS_NAME, {"key": key, "keywords": keywords})]
    if rules_payload is not None:
        files.insert(0, (CACHE_NAME, {"key": key, "rules": rules_payload}))
    try:
        for name, data in files:
            atomic_write_json(cache_path(name), data, indent=None)
    except OSError:
        pass


def _builtin_matcher():
    """A SecretMatcher over the built-in secret rules (built once per process)."""
    global _matcher
    if _matcher is None:
        with _lock:
            if _matcher is None:
                from buildrunner.engine.secrets import SecretMatcher, builtin_secret_rules

                _matcher = SecretMatcher(builtin_secret_rules())
    return _matcher


def _keyword_prefilter():
    """An automaton over every rule keyword, from the small keywords cache when it is fresh.

    Without it, the full matcher is built (from the rules cache or the pack) and its own automaton
    serves as the prefilter; the keywords cache is written for the next process.
    """
    global _prefilter
    if _prefilter is None:
        data = read_cache(KEYWORDS_NAME)
        if data and data["keywords"]:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for keyword in data["keywords"]:
                automaton.add_word(str(keyword), 0)
            automaton.make_automaton()
            _prefilter = automaton
        else:
            matcher = _builtin_matcher()
            write_cache(None, sorted({k for c in matcher.rules for k in c.spec["keywords"]}))
            _prefilter = matcher.automaton
    return _prefilter


def _has_keyword(text: str) -> bool:
    automaton = _keyword_prefilter()
    if not len(automaton):
        return False
    for _ in automaton.iter(text.lower()):
        return True
    return False


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) offsets of every secret value in `text`."""
    global _url_re
    has_url = "://" in text
    if not has_url and not _has_keyword(text):
        return []
    from buildrunner.engine.model import Document

    spans = [(s, e) for _c, _li, s, e in _builtin_matcher().spans(Document(path="", text=text))]
    if has_url:
        if _url_re is None:
            _url_re = re.compile(_URL_PASSWORD, re.IGNORECASE)
        spans.extend(m.span("secret") for m in _url_re.finditer(text))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def sanitize_text(text: str) -> str:
    """`text` with every secret value masked (same rules as detection, plus URL passwords)."""
    if not text or not isinstance(text, str):
        return text
    spans = secret_spans(text)
    return mask_spans(text, spans) if spans else text


def mask_spans(text: str, spans) -> str:
    """`text` with each (start, end) span replaced by `mask_value` of it; overlapping spans after
    the first are skipped."""
    out, last = [], 0
    for s, e in sorted(spans):
        if s >= last:
            out += [text[last:s], mask_value(text[s:e])]
            last = e
    out.append(text[last:])
    return "".join(out)
