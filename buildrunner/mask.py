"""Masking primitives: what a secret looks like when `br` shows it. Dependency-free.

`mask_value` reveals at most a quarter of a value (never more than 4 + 4 characters), `mask_spans` masks given spans of a
text, `looks_opaque` judges whether a bare value looks like a key. Deciding WHERE the secrets are
is the rule-driven masker's job (`buildrunner.engine.masking`, beside the secret matcher).
"""

from __future__ import annotations

ELLIPSIS = "…"


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
    return _looks_like_password_or_key(text)


_SYMBOLS = frozenset("!#$%&*+;<=>?@^`|~'\"()[]{},")


def _looks_like_password_or_key(text: str) -> bool:
    """Whole-token shapes the chunk test misses (its separators split them): a password mixing
    upper case, lower case, digits and symbols (`Px2!qH7m@Lk9wZ`), hex groups (`1708c76c:79d06da1`,
    UUIDs), and random mixed case without digits (`sucqErrAvIUtLR`: many upper-case letters in two
    or more runs), as opposed to CamelCase names (`HTTPServerConfig` has one run)."""
    import re

    for token in text.split():
        if len(token) < 8:
            continue
        chars = set(token)
        classes = sum((not chars.isdisjoint(_UPPER), not chars.isdisjoint(_LOWER), not chars.isdisjoint(_DIGITS),
                       not chars.isdisjoint(_SYMBOLS)))
        if classes == 4 and "://" not in token:
            return True
        if not chars.isdisjoint(_DIGITS) and re.search(
                r"(?<![0-9A-Za-z])[0-9a-fA-F]{8,}(?:[:\-][0-9a-fA-F]{4,})+(?![0-9A-Za-z])", token):
            return True
        letters = [c for c in token if c.isalpha()]
        if len(letters) >= 12 and len(letters) == len(token):
            upper = sum(c.isupper() for c in letters)
            groups = len(re.findall(r"[A-Z]{2,}", token))
            if 0.3 <= upper / len(letters) <= 0.7 and groups >= 2 and not chars.isdisjoint(_LOWER):
                return True
    return False
