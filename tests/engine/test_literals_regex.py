"""engine/literals.py `required_literals`: every regex match holds a word of each set it names,
so a secret rule's regex can skip the hit lines without them and find exactly the same matches."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.literals import leading_literal, required_literals
from buildrunner.engine.secrets import _search, builtin_secret_rules


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


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\bvariable\s+x", "variable"),
    (r"(?<![A-Za-z0-9_\-])(?P<secret>re_[A-Za-z0-9]{8})", "re_"),
    (r"(?=ab)abc", "abc"),
    (r"abc", ""),  # no assertion: the regex engine jumps to the prefix itself
    (r"\b(?i:abc)", ""),
    (r"(?i)\babc", ""),
    (r"\bab\bcd", "ab"),
    (r"\b(?:ab|cd)", ""),
    (r"\bab(?P<x>cd)e", "abcde"),
])
def test_leading_literal_of_small_patterns(pattern, expected):
    assert leading_literal(pattern) == expected


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches if m is not None]


LEADING = [r"\bab+c", r"(?<!a)ab(?:c|d)?", r"\bab\w*", r"(?<![a-c])b[a-c]{0,3}", r"\bab|\bcd"]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(LEADING), text=st.text(alphabet="abcd -", max_size=30),
       window=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_searching_from_the_leading_literal_finds_what_finditer_finds(pattern, text, window):
    start, end = min(window), max(window)
    regex = re.compile(pattern)
    got = spans(_search(regex, text, [(start, end)], [], leading_literal(pattern)))
    assert got == spans(regex.finditer(text, start, end))


@pytest.mark.parametrize(("pattern", "text"), [
    (r"(?<!a)ab(?:c|d)?", "abab abcabd"),  # adjacent matches, the next one right at the previous end
    (r"\bab\w*", "ab abab ab"),
    (r"(?<![a-c])b[a-c]{0,3}", "bbbb dbcb bb b"),
])
def test_adjacent_and_overlapping_candidates_match_like_finditer(pattern, text):
    regex = re.compile(pattern)
    expected = spans(regex.finditer(text))
    assert len(expected) >= 3
    assert spans(_search(regex, text, [(0, len(text))], [], leading_literal(pattern))) == expected


def test_builtin_rules_find_the_same_matches_in_their_examples_both_ways():
    checked = 0
    for rule in builtin_secret_rules():
        leading = leading_literal(rule.spec["regex"])
        if len(leading) < 2:
            continue
        regex = re.compile(rule.spec["regex"])
        for example in list(rule.examples.match) + list(rule.examples.no_match):
            text = f"x {example} {example}\n"
            assert spans(_search(regex, text, [(0, len(text))], [], leading)) == spans(regex.finditer(text)), rule.id
            checked += 1
    assert checked > 200
