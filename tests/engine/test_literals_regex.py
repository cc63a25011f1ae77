"""engine/literals.py `required_literals`: every regex match holds a word of each set it names,
so a secret rule's regex can skip the hit lines without them and find exactly the same matches."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.literals import required_literals
from buildrunner.engine.secrets import builtin_secret_rules


def holds_every_set(text: str, sets) -> bool:
    return all(any(word in text for word in anyof) for anyof in sets)


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"ab+c", [("a",), ("b",), ("c",)]),
    (r"abc", [("abc",)]),
    (r"x(?:ab|cd)y", [("xab", "xcd"), ("x",), ("ab", "cd"), ("y",)]),
    # the parser factors out `-`: the words are put together again (`-a` or `--pass`)
    (r"-a|--pass", [("--pass", "-a"), ("-",), ("-pass", "a")]),
    (r"(?:ab)?c", [("c",)]),  # optional parts require nothing
    (r"(?:ab)*c", [("c",)]),
    (r"(?:ab){2}c", [("ab",), ("c",)]),
    (r"(?i:abc)d", [("d",)]),  # case-insensitive parts require nothing
    (r"(?i)abc", []),
    (r"(?=abc)\w+", []),  # look-arounds are not part of the match
    (r"(?P<q>['\"])x(?P=q)", [("x",)]),
    (r"ab|[0-9]", []),  # a branch without a literal: the alternation requires nothing
    (r"(?>ab)c", [("ab",), ("c",)]),
])
def test_required_literals_of_small_patterns(pattern, expected):
    assert required_literals(pattern) == expected


def test_invalid_patterns_require_nothing():
    assert required_literals("(unclosed") == []


PATTERNS = [r"ab+c", r"x(?:ab|cd)y", r"-a|--pass", r"(?:ab)?c|d(?:a|b)", r"(?:ab){2,3}[a-d]*",
            r"a(?:b|c(?:d|e))f", r"(?i:ab)cd|e", r"(?:a|ab)(?:c|bcd)", r"\bab\b|cd+e"]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(PATTERNS), text=st.text(alphabet="abcdefxy- ", max_size=30))
def test_every_match_of_random_text_holds_the_required_words(pattern, text):
    sets = required_literals(pattern)
    for m in re.finditer(pattern, text):
        assert holds_every_set(m.group(0), sets), (pattern, m.group(0), sets)


def test_every_builtin_secret_rule_example_match_holds_its_required_words():
    checked = 0
    for rule in builtin_secret_rules():
        regex, sets = re.compile(rule.spec["regex"]), required_literals(rule.spec["regex"])
        for example in rule.examples.match:
            for m in regex.finditer(example):
                assert holds_every_set(m.group(0), sets), (rule.id, m.group(0), sets)
                checked += 1
    assert checked > 300
