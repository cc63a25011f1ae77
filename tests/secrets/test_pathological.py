"""No rule backtracks catastrophically: adversarial text near every keyword scans in linear time.

A secret rule runs on every staged file; one regex with nested ambiguous quantifiers would hang the
pre-commit hook on a file with a BEGIN line and no END, or a huge minified line.
"""

from __future__ import annotations

import time

from buildrunner.engine.model import Document
from buildrunner.engine.secrets import SecretMatcher

FILLERS = [
    "aA0+/= -:,.\n" * 150,                  # every character class the rules use, many lines
    " = '" + "a1B2" * 600,                 # an unterminated high-entropy literal
    "\\n" + "Ab9/" * 800 + "\\n" * 50,     # JSON-escaped PEM body without an END
    "\n" + ("word " * 12 + "\n") * 120,     # prose under a BEGIN line, no END
    ":" + "x@" * 800 + "@h",               # URL-ish user:pass@ repeats
]


def test_every_rule_scans_adversarial_text_quickly(builtin_secret_rules):
    slow = []
    for rule in builtin_secret_rules:
        matcher = SecretMatcher([rule])
        for keyword in rule.spec["keywords"]:
            text = "".join(f"{keyword}{filler}\n" for filler in FILLERS)
            start = time.process_time()
            matcher.scan(Document(path="adversarial.txt", text=text))
            spent = time.process_time() - start
            if spent > 0.25:
                slow.append(f"{rule.id} ({keyword!r}): {spent:.2f}s")
    assert not slow, "\n".join(slow)


def test_pem_begin_without_end_in_a_big_file_is_fast(builtin_matcher):
    text = "-----BEGIN RSA PRIVATE KEY-----\n" + ("MIIEpAIBAAKCAQEA" * 4 + "\n") * 20_000
    start = time.process_time()
    assert builtin_matcher.scan(Document(path="key.pem", text=text)) == []
    assert time.process_time() - start < 2.0
