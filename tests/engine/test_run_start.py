"""A regex whose matches start at the `lead` of a keyword's run (`<apiKey>…`, engine/literals.py
`keyword_run_start`) is tried only there (engine/secrets.py `_run_led`), and finds exactly what
searching the hit lines finds (`_search` over `_segments`)."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.literals import CASE_TRAPS, Literals, keyword_run_start, keywords_fold_like_regex
from buildrunner.engine.secrets import SecretMatcher, _run_led, _search, _segments, builtin_secret_rules

XML_ID = "secrets.generic-xml-credential"


def test_case_traps_are_every_non_ascii_character_a_caseless_ascii_letter_matches():
    text = "".join(chr(cp) for cp in range(128, sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)
    found = {ch for letter in "abcdefghijklmnopqrstuvwxyz" for ch in re.findall(f"(?i){letter}", text)}
    assert found == set(CASE_TRAPS)


@pytest.mark.parametrize("text", ["plain ascii", "café <key>", "naïve ÿ 中文"])
def test_texts_without_a_trap_fold_like_the_regex(text):
    assert keywords_fold_like_regex(text)


@pytest.mark.parametrize("trap", CASE_TRAPS)
def test_a_text_with_a_trap_does_not(trap):
    assert not keywords_fold_like_regex(f"café {trap}ecret")


def test_the_xml_rule_has_a_run_start():
    rule = next(r for r in builtin_secret_rules() if r.id == XML_ID)
    assert keyword_run_start(rule.spec["regex"], rule.spec["keywords"]) == ("<", r"[\w\.\-:]")


@pytest.mark.parametrize(("pattern", "keywords", "expected"), [
    (r"<(?P<key>[\w.]*(?i:key|pass)[\w.]*)>(?P<secret>\w+)", ["key", "pass"], ("<", r"[\w\.]")),
    (r"=(?P<key>[A-Za-z]*(?i:token))", ["token"], ("=", "[A-Za-z]")),
    (r"=(?P<key>[a-z]*(?i:token))", ["token"], None),  # `TOKEN` is no run: a keyword may sit inside a word
    (r"<(?P<key>[^<>]*(?i:key))>", ["key"], ("<", "[^<>]")),
    (r"<(?P<key>[^>]*(?i:key))>", ["key"], None),  # `<` is a run character
    (r"<(?P<key>[\w<]*(?i:key))>", ["key"], None),  # the lead is a run character
    (r"<(?P<key>[\w.]*(?i:key|pass))>", ["key"], None),  # `pass` is no keyword: it has no hit
    (r"<(?P<key>[a-z]*(?i:key_))>", ["key"], None),  # `_` is no run character
    (r"<(?P<key>[\w]*(?i:key))>(?=\s)", ["key"], None),  # looks ahead
    (r"<(?P<key>[\w]*(?i:key))>$", ["key"], None),
    (r"<(?P<key>[\w]*(?i:key))\b", ["key"], None),
    (r"(?i)<(?P<key>[\w]*(?i:key))>", ["key"], None),  # a caseless lead
    (r"<(?P<key>[\w]*(?:key))>", ["key"], None),  # case-sensitive words
    (r"<(?P<key>[\w]+(?i:key))>", ["key"], None),
    (r"(?P<key>[\w]*(?i:key))>", ["key"], None),  # no lead
])
def test_keyword_run_start_of_small_patterns(pattern, keywords, expected):
    assert keyword_run_start(pattern, keywords) == expected


def spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches if m is not None]


def both_ways(pattern: str, keywords: list[str], text: str, window: int):
    """(spans by `_run_led` or None, spans by `_search` over the segments) for the keyword hits."""
    lead, run = keyword_run_start(pattern, keywords)
    regex = re.compile(pattern)
    offsets = sorted(o for starts in Literals(keywords, caseless=True).find_grouped(text).values() for o in starts)
    if not offsets:
        return [], []
    fast = _run_led(regex, text, offsets, lead, re.compile(f"{run}*"), window)
    return (None if fast is None else spans(fast)), spans(_search(regex, text, _segments(text, offsets, window), []))


FRAGMENTS = ["<", ">", "</", "key", "KEY", "Pass", "apiKey", "x", "ab.c", "-", ":", " ", "\t", "\n", "\r\n",
             "Hx7kP2qLm9", "é", "中", "=", "x" * 70, "<key>", "</key>"]
PATTERNS = [
    (r"<(?P<key>[\w.\-:]*(?i:key|pass)[\w.\-:]*)>[ \t]*(?:\r?\n[ \t]*)?(?P<secret>[^<>\s]{2,20})[ \t]*"
     r"(?:\r?\n[ \t]*)?</(?P=key)>", ["key", "pass"]),
    (r"<(?P<key>[\w.\-:]*(?i:key)[\w.\-:]*)>\s*(?P<secret>\w+)", ["key"]),  # `\s*` may cross lines
    (r"<(?P<key>[^<>\n]*(?i:key|pass))>(?P<secret>[^<]*)", ["key", "pass"]),
]


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(PATTERNS), window=st.integers(0, 2),
       parts=st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_trying_the_regex_at_run_starts_finds_what_searching_the_segments_finds(case, window, parts):
    pattern, keywords = case
    fast, searched = both_ways(pattern, keywords, "".join(parts), window)
    assert fast is None or fast == searched


def test_a_match_that_leaves_its_keyword_segment_falls_back_to_the_search():
    pattern = r"<(?P<key>[\w]*(?i:key)[\w]*)>\s*(?P<secret>\w+)"
    fast, searched = both_ways(pattern, ["key"], "<key>\nvalue", 0)
    assert fast is None and searched == []  # line 2 is not searched: no match
    fast, searched = both_ways(pattern, ["key"], "<key>\nvalue", 1)
    assert fast == searched == [(0, 11)]


def test_a_run_longer_than_the_probe_is_followed_back_to_its_lead():
    pattern = r"<(?P<key>[\w]*(?i:key))>(?P<secret>\w+)"
    text = "<" + "a" * 200 + "key>value <b" + "b" * 70 + ">"
    fast, searched = both_ways(pattern, ["key"], text, 0)
    assert fast == searched == [(0, len("<" + "a" * 200 + "key>value"))]


def xml_matcher() -> SecretMatcher:
    return SecretMatcher([r for r in builtin_secret_rules() if r.id == XML_ID])


def test_the_xml_rule_reports_an_element_and_not_a_tag_without_a_keyword():
    from buildrunner.engine.model import Document

    text = "<settings>\n  <server><apiKey>r7GhT2kq9XwPz4LmN8vB3sYc6DfJ1aQe</apiKey></server>\n</settings>\n"
    found = xml_matcher().spans(Document(path="settings.xml", text=text))
    assert [text[s:e] for _c, _ls, s, e in found] == ["r7GhT2kq9XwPz4LmN8vB3sYc6DfJ1aQe"]


@pytest.mark.parametrize("trap", CASE_TRAPS)
def test_a_keyword_spelt_with_a_trap_is_still_found_when_another_keyword_hits_the_line(trap):
    """`(?i:secret)` matches `ſecret`, which the keyword pass does not report: such a text is searched
    line by line as before (the `key` later on the line is what makes it a hit line)."""
    from buildrunner.engine.model import Document

    word = {"\u017f": "\u017fecret", "\u212a": "\u212aey", "\u0130": "prİvate", "\u0131": "prıvate"}[trap]
    text = f"<{word}>r7GhT2kq9XwPz4LmN8vB3sYc6DfJ1aQe</{word}> <!-- key -->\n"
    dropped: list = []  # a filter judges the odd key name: what counts is that the regex matched
    found = xml_matcher().spans(Document(path="settings.xml", text=text), dropped)
    assert [text[s:e] for _c, _ls, s, e in found] + [text[d.start:d.end] for d in dropped] == \
        ["r7GhT2kq9XwPz4LmN8vB3sYc6DfJ1aQe"]
