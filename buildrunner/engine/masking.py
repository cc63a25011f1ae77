"""Masking secrets for display: the one place that decides what a secret looks like in output.

`mask_value` keeps at most a quarter of a value (never more than 4 + 4 characters); `mask_config_value` masks a config
value whose key looks sensitive or whose value matches a secret rule; `sanitize_text` masks every
secret-rule match in free text (used by telemetry, reports and error messages).

Masking is driven by the SAME built-in secret rules as detection (a cached `SecretMatcher`), so a
value the scanner reports is always a value the masker hides. It is built for hot paths
(telemetry, every error message): the rules' validated specs are cached as JSON in the user cache
dir, and text goes through two stages —

1. a keyword prefilter (one pass with every rule's keywords, read from the cache),
   which is all that clean text costs: no rule objects, no regexes, no dataclasses are loaded;
2. only when a keyword (or `://`) occurs: the full SecretMatcher, plus URLs with inline passwords.
"""

from __future__ import annotations

import re
import threading

from buildrunner.engine.secretcache import KEYWORDS_NAME, read_cache, write_cache
from buildrunner.mask import ELLIPSIS, looks_opaque, mask_spans, mask_value

__all__ = ["ELLIPSIS", "looks_opaque", "mask_config_value", "mask_spans", "mask_value", "sanitize_text",
           "secret_spans"]

# scheme://user:password@host — any scheme, so log lines with proxy or VCS URLs are covered too
_URL_PASSWORD = r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\"<>]*:(?P<secret>[^\s@/'\"<>]+)@[^\s/]"

_lock = threading.Lock()
_matcher = None
_prefilter = None  # engine/literals.py Literals over every rule keyword
_url_re: re.Pattern | None = None


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
    """Every rule keyword, from the small keywords cache when it is fresh.

    Without it, the full matcher is built (from the rules cache or the pack) and its own keyword
    pass serves as the prefilter; the keywords cache is written for the next process.
    """
    global _prefilter
    if _prefilter is None:
        data = read_cache(KEYWORDS_NAME)
        if data and data["keywords"]:
            from buildrunner.engine.literals import Literals

            _prefilter = Literals((str(k) for k in data["keywords"]), caseless=True)
        else:
            matcher = _builtin_matcher()
            write_cache(None, sorted({k for c in matcher.rules for k in c.spec["keywords"]}))
            _prefilter = matcher.keywords
    return _prefilter


def prepare() -> None:
    """Build the keyword prefilter and the full matcher now (a scan does it once in the parent
    process, before its workers fork: each worker would otherwise load the rules on its first
    finding to mask, and read the secret pack's YAML when the user's cache is cold). The matcher's
    keyword pass gets the fast backend too: the parent masks the whole report (200 KB of JSON for
    a hundred findings) after the scan."""
    _keyword_prefilter().prepare_search()
    _builtin_matcher().prepare()


def _has_keyword(text: str) -> bool:
    return _keyword_prefilter().search(text)


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
