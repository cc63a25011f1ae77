"""Realistic fake credentials the built-in secret rules detect (random-looking, never real)."""

from __future__ import annotations

import hashlib
import string

_ALNUM = string.ascii_letters + string.digits


def _chars(seed: str, n: int, alphabet: str = _ALNUM) -> str:
    out = ""
    counter = 0
    while len(out) < n:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return out[:n]


def github_pat(seed: str) -> str:
    return "ghp_" + _chars("gh" + seed, 36)


def slack_bot(seed: str) -> str:
    digits = _chars("sd" + seed, 23, string.digits)
    return f"xoxb-1{digits[:9]}-1{digits[9:21]}-" + _chars("sl" + seed, 24)


def hex32(seed: str) -> str:
    return _chars("hx" + seed, 32, "0123456789abcdef")


def mailgun_key(seed: str) -> str:
    return "key-" + hex32("mg" + seed)
