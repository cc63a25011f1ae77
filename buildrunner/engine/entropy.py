"""Shannon entropy and placeholder detection for candidate secret values.

Both are applied to a rule's `secret` group only, never to whole lines. The placeholder test is the
global allowlist every secret rule shares (a rule can opt out with `placeholders: false`): values
that are obviously not credentials — `your-api-key`, `xxxx…`, `<token>`, `${VAR}`, `{{ var }}`,
`os.environ[...]`, `process.env.X`, `example`, `dummy`, `changeme`, runs of one character, `****`,
sequential `1234567890abcdef` runs and providers' documentation example keys.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` (0.0 for the empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# Documentation example credentials published by providers (never real, always in docs and tests).
DOC_EXAMPLE_KEYS = frozenset({
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # Stripe's published test key
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "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",
})

# Literal markers: any of them anywhere in the (lowercased) value makes it a placeholder.
_MARKERS = ("xxxxx", "***", "...", "…", "os.environ", "os.getenv", "getenv(", "process.env", "env[",
            "import.meta.env", "example", "dummy", "changeme", "change_me", "placeholder", "sample", "redacted",
            "0123456789", "123456789", "12345678", "abcdefgh", "qwerty", "asdfgh", "a1b2c3", "abcd1234", "1234abcd")
# Structural placeholders, searched only when one of their trigger characters/words occurs.
_STRUCTURAL = (
    r"""
      ^<[^<>]*>$ | <[a-z_\- ]{3,}>                          # <token>, <your key>
    | \$\{[^}]*\} | \$\(\s*[^)]*\) | ^\$[a-z_]\w*$       # ${VAR}, $(cmd), $VAR
    | ^\{\w*\}$ | ^%s$ | \{\{[^}]*\}\} | \{%[^%]*%\} | %\([a-z_]+\)s          # {{ var }}, {% x %}, %(name)s
    | insert[_\-]?your | your[_\-]?(?:api|secret|access|own|real)? [_\-]?(?:key|token|secret|password|here)
    | replace[_\-]?(?:me|with|this) | fill[_\-]?me | not[_\-]?a[_\-]?real | fake[_\-]?(?:key|token|secret)
    """
)
_TRIGGERS = ("<", "$", "{", "%", "your", "replace", "fill", "not", "fake")
_RUN = r"(.)\1{7,}"  # the same character 8+ times in a row
_compiled: tuple[re.Pattern, re.Pattern] | None = None
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")  # ~5 µs at import; `re.sub` looked it up in re's cache per value


def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """Compiled on first use: importing this module stays cheap for text with no candidates.

    (markers or a run of one character, structural placeholders)"""
    global _compiled
    if _compiled is None:
        markers = "|".join(re.escape(m) for m in _MARKERS)
        _compiled = (re.compile(f"{markers}|{_RUN}"), re.compile(_STRUCTURAL, re.VERBOSE))
    return _compiled


_CLOSERS = {")": "(", "]": "[", "}": "{"}


def brackets_nest(value: str) -> bool:
    """Whether the value's brackets nest properly, as any template language requires: every `)`,
    `]`, `}` closes the innermost open bracket of its kind. Openers left open at the end are allowed
    (a value cut at a space: `{{ x`). `{{h}o)p$(e]…` is a literal that merely contains braces."""
    stack: list[str] = []
    for ch in value:
        if ch in "([{":
            stack.append(ch)
        elif ch in _CLOSERS and (not stack or stack.pop() != _CLOSERS[ch]):
            return False
    return True


def is_placeholder(value: str) -> bool:
    """True when `value` is evidently a placeholder, template variable or documentation key."""
    if value in DOC_EXAMPLE_KEYS or not value.strip():
        return True
    low = value.lower()
    markers_or_run, structural = _patterns()
    if markers_or_run.search(low):
        return True
    if any(t in low for t in _TRIGGERS) and structural.search(low) and brackets_nest(value):
        return True
    body = _NOT_ALNUM.sub("", value)
    # long values made of two or three distinct characters: abababab, 0000-1111…
    return len(body) >= 12 and len(set(body.lower())) <= 3


_ALPHABETS = (
    (frozenset("0123456789"), 10),
    (frozenset("0123456789abcdef"), 16),
    (frozenset("0123456789ABCDEF"), 16),
    (frozenset("0123456789abcdefghijklmnopqrstuvwxyz"), 36),
    (frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 36),
    (frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), 62),
    (frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=-_"), 66),
)


def alphabet_size(value: str) -> int:
    """The size of the smallest usual alphabet `value` is drawn from (hex 16, base36, base62,
    base64/url 66, printable ASCII 95)."""
    chars = set(value)
    for alphabet, size in _ALPHABETS:
        if chars <= alphabet:
            return size
    return 95


@lru_cache(maxsize=1024)
def expected_entropy(length: int, alphabet: int) -> float:
    """The mean Shannon entropy (bits/char) of `length` characters drawn uniformly from an
    alphabet of `alphabet` symbols: each symbol occurs Binomial(length, 1/alphabet) times, so
    E[H] = log2(n) - (k/n) * sum_j P(count = j) * j * log2(j). A short random value shows much
    less than log2(k): 16 random hex characters average 3.2 bits, not 4."""
    n, k = length, alphabet
    if n < 2 or k < 2:
        return 0.0
    p = 1.0 / k
    prob = (1 - p) ** n  # P(count = 0), then updated to P(count = j)
    total = 0.0
    for j in range(1, n + 1):
        prob *= (n - j + 1) / j * p / (1 - p)
        total += prob * j * math.log2(j)
    return math.log2(n) - k * total / n


def entropy_floor_met(value: str, floor: float) -> bool:
    """Whether `value` is random enough for a rule whose entropy floor is `floor` bits/char.

    Entropy is judged on the value's own alphabet and length: a value cannot show more than
    log2(min(length, alphabet)) bits per character, and a random value of that length shows less
    on average (`expected_entropy`). The floor is therefore capped at 85 % of the first and 90 %
    of the second, so about nine random values in ten pass whatever their length and alphabet (a
    random 16-character hex key, which averages 3.2 bits, passes a 3.5 floor; a random
    12-character password too). Non-ASCII text never counts as high entropy.
    """
    if not value.isascii():
        return False
    n, k = len(value), alphabet_size(value)
    ceiling = math.log2(max(2, min(n, k)))
    return shannon_entropy(value) >= min(floor, 0.85 * ceiling, 0.9 * expected_entropy(min(n, 256), k))
