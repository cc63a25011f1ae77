"""A line-searched secret rule whose matches start with a literal that starts with one of its
keywords, and whose regex is blind to line breaks, is tried only at the hits where that literal
occurs (engine/secrets.py `_at_leading_hits`): the same matches as searching the merged hit lines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.literals import Literals, leading_literal, newline_blind
from buildrunner.engine.rules import load_pack
from buildrunner.engine.secrets import LONG_LINE, SECRET_PACK, _at_leading_hits, _search, _segments


@pytest.mark.parametrize(("pattern", "blind"), [
    (r"(?<![\w])ab[A-Z]{3}(?![\w])", True),
    (r"ab\b", True),
    (r"ab[^\n]+", True),
    (r"ab[\S]+", True),
    (r"(?P<x>a)b(?P=x)", True),
    (r"ab\s", False),  # \s matches a line break
    (r"ab[^x]", False),
    (r"ab\W", False),
    (r"ab\D", False),
    (r"ab.", False),  # `.` is refused outright (a scoped DOTALL is not worth telling apart)
    (r"ab$", False),  # `$` sees the end of a line as the end of the text, not a line followed by more
    (r"ab\Z", False),
    (r"(?m)ab$", False),
    (r"ab(?=\n)", False),
    (r"ab(?:c|\n)", False),
    (r"(?s:ab.)", False),
])
def test_newline_blind_of_small_patterns(pattern, blind):
    assert newline_blind(pattern) is blind


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches if m is not None]


def both_ways(pattern: str, keywords: list[str], text: str):
    regex, leading = re.compile(pattern), leading_literal(pattern)
    offsets = [o for starts in Literals(keywords, caseless=True).find_grouped(text).values() for o in starts]
    fast = _at_leading_hits(regex, text, offsets, leading)
    return (None if fast is None else spans(fast)), spans(_search(regex, text, _segments(text, offsets, 0), [], leading))


PATTERNS = [  # (pattern, keywords): blind, every match starts with a literal that starts with a keyword
    (r"(?<![A-Za-z0-9_\-])(?P<secret>ab_[A-Za-z0-9]{3,6})(?![A-Za-z0-9_\-])", ["ab_"]),
    (r"\bab(?P<secret>[a-z]*)", ["ab"]),  # may end right where the line does
    (r"(?<![a-z])AB-(?P<secret>[A-Z0-9]+)(?:\b|-)", ["ab-"]),  # keywords are caseless, the literal is not
]
FRAGMENTS = ["ab_", "AB-", "ab", "Ab_", "abc", "XYZ", "09", "-", "_", " ", "\n", "\r\n", "é", "q" * 10]


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(PATTERNS), parts=st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_trying_the_leading_hits_finds_what_searching_the_segments_finds(case, parts):
    fast, searched = both_ways(*case, "".join(parts))
    assert fast == searched


def test_adjacent_lines_merge_into_one_segment_but_match_the_same():
    text = "ab_xyz1\nab_abc ab_q\n\nab_12345\n"
    fast, searched = both_ways(*PATTERNS[0], text)
    assert fast == searched == [(0, 7), (8, 14), (21, 29)] and len(_segments(text, [0, 8, 15, 21], 0)) == 2


def test_a_long_line_falls_back_to_the_segments():
    text = "x" * (LONG_LINE + 10) + " ab_xyz1\n"
    fast, searched = both_ways(*PATTERNS[0], text)
    assert fast is None and searched == [(LONG_LINE + 11, LONG_LINE + 18)]


RULES = [r for r in load_pack(SECRET_PACK, builtin=True).rules if r.spec.get("leading_hits")]


def test_many_builtin_rules_are_tried_at_their_leading_hits():
    assert len(RULES) > 100
    assert {"secrets.airtable-pat", "secrets.resend-api-key"} <= {r.id for r in RULES}


def test_builtin_rules_find_the_same_matches_in_their_examples_both_ways():
    checked = 0
    for rule in RULES:
        for example in list(rule.examples.match) + list(rule.examples.no_match):
            text = f"{example}\n{example} x {example}\n\n{example}"
            fast, searched = both_ways(rule.spec["regex"], rule.spec["keywords"], text)
            assert fast == searched, rule.id
            checked += bool(searched)
    assert checked > 100
