"""Filters rewritten for speed answer exactly like their previous definitions (kept here), on
generated values: the word-split test behind `placeholder`, the provider-prefix claim and the
placeholder test itself."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine import entropy
from buildrunner.engine.secret_filters import _FILLER, _segments_into, claimed_by_provider, strong_random


def segments_into_before(text: str, vocabulary: frozenset) -> bool:
    if not text or len(text) > 30:
        return False
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in vocabulary for start in range(max(0, end - 14), end))
    return ok[-1]


def claimed_before(value: str, prefixes: tuple[str, ...], truncated: bool = False) -> bool:
    if not prefixes:
        return False
    low = value.lower()
    prefix = max((p for p in prefixes if low.startswith(p)), key=len, default="")
    return bool(prefix) and (truncated or not strong_random(value[len(prefix):]))


def is_placeholder_before(value: str) -> bool:
    if value in entropy.DOC_EXAMPLE_KEYS or not value.strip():
        return True
    low = value.lower()
    markers_or_run, structural = entropy._patterns()
    if markers_or_run.search(low):
        return True
    if any(t in low for t in entropy._TRIGGERS) and structural.search(low) and entropy.brackets_nest(value):
        return True
    body = re.sub(r"[^A-Za-z0-9]", "", value)
    return len(body) >= 12 and len(set(body.lower())) <= 3


WORDS = sorted(_FILLER) + ["x", "q", "zz", "apikeyz", "pa", "ss"]
VOCAB = frozenset({"a", "ab", "abc", "b", "bc", "c", "longwordoffourteen"[:14], "d"})


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=8))
def test_filler_splits_like_before(words):
    text = "".join(words)
    assert _segments_into(text, _FILLER) == segments_into_before(text, _FILLER)


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="abcdx", max_size=34))
def test_small_vocabulary_splits_like_before(text):
    assert _segments_into(text, VOCAB) == segments_into_before(text, VOCAB)


def test_a_word_of_fourteen_letters_still_counts_and_fifteen_does_not():
    vocab = frozenset({"a" * 14, "b" * 15})
    assert _segments_into("a" * 14 + "a" * 14, vocab) and not _segments_into("b" * 15, vocab)


PREFIXES = ("ghp_", "gho_", "sk-ant-", "sk-proj-", "xoxb-", "akia")


@settings(max_examples=600, deadline=None)
@given(head=st.sampled_from(("", "ghp_", "GHP_", "sk-", "sk-ant-", "sk-proj-", "XOXB-", "Akia", "x")),
       tail=st.text(alphabet="aZ09_-xK7q", max_size=30), truncated=st.booleans(),
       prefixes=st.sampled_from((PREFIXES, (), ("sk-",), tuple(reversed(PREFIXES)))))
def test_the_provider_claim_answers_like_before(head, tail, truncated, prefixes):
    value = head + tail
    assert claimed_by_provider(value, prefixes, truncated) == claimed_before(value, prefixes, truncated)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", "1", "-", "_", ".", "é", "x" * 4, "${", "}", "<", ">", "your", "key",
                                  "example", "aaaa", "ab", "12", " ", "ß", "0"]), max_size=12))
def test_placeholders_are_judged_like_before(parts):
    value = "".join(parts)
    assert entropy.is_placeholder(value) == is_placeholder_before(value)
