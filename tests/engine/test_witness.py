"""An anchored secret rule tries its regex only on hit lines that hold its witness: the items at the
end of the pattern every match holds (engine/literals.py `witness_items`). The matches are exactly
those of trying every hit (engine/secrets.py `_anchored_matches`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.literals import Literals, compile_items, witness_items
from buildrunner.engine.rules import load_pack
from buildrunner.engine.secrets import SECRET_PACK, _anchored_matches, builtin_secret_rules


@pytest.mark.parametrize(("pattern", "expected"), [
    # items: (?i:key) \s* = \s* (q) (secret) (?P=q): from `=` to the value
    (r"(?i:key)\s*=\s*(?P<q>['\"])(?P<secret>\w{8,})(?P=q)", (2, 6)),
    (r"(?i:key)\s*@?'(?P<secret>\w+)", (3, 5)),  # leading items that may match nothing are left out
    (r"(?i:key)\s*(?P<secret>[^\s]+)", None),  # a negated class: a search tries nearly every place
    (r"(?i:key)\s*(?P<secret>[a-z0-9]{32})", None),  # a wide class too
    (r"(?i:key)\s*(?P<secret>[ab]{32})", (2, 3)),
    (r"key=(?:ab|cd)", None),  # ends with an alternation
    (r"(?i)key='x'", None),
    (r"key='(?i:x)'", (6, 7)),
    (r"(?P<q>')key(?P=q)", (0, 4)),  # a trailing back-reference is left out
    (r"(?P<q>')key(?P=q)x", (5, 6)),  # one inside is not
])
def test_witness_items_of_small_patterns(pattern, expected):
    assert witness_items(pattern) == expected


def test_the_generic_credential_witness_is_the_quoted_value():
    rule = next(r for r in builtin_secret_rules() if r.id == "secrets.generic-credential")
    witness = compile_items(rule.spec["regex"], *witness_items(rule.spec["regex"]))
    assert witness.search('api_key = "r7GhT2kq9XwPz4Lm"') and not witness.search("api_key = r7GhT2kq9XwPz4Lm")


def test_a_hit_line_without_the_witness_is_not_tried():
    regex = re.compile(r"(?i:key)\s*=\s*'(?P<secret>\w{8,})'")
    witness = compile_items(regex.pattern, *witness_items(regex.pattern))
    text = "key = unquoted_value\nkey = 'quoted_value'\n"
    tried = list(_anchored_matches(regex, text, [0, 21], at_line_start=False, witness=witness))
    assert [m.group("secret") for m in tried] == ["quoted_value"]  # line 1 gave no (failed) attempt
    assert len(list(_anchored_matches(regex, text, [0, 21], at_line_start=False))) == 2


ANCHORED = [r for r in load_pack(SECRET_PACK, builtin=True).rules  # with their examples
            if r.spec.get("anchored") and witness_items(r.spec["regex"])]
FRAGMENTS = ["api_key", "KEY", "Token", "secret", " = ", "=", ": ", "'", '"', "`", "r7GhT2kq9XwPz4Lm", "x", " ",
             "\n", "\t", "@", "[]", ",", "\\", "é"]


def both_ways(rule, text: str):
    regex = re.compile(rule.spec["regex"])
    witness = compile_items(rule.spec["regex"], *witness_items(rule.spec["regex"]))
    offsets = [o for starts in Literals(rule.spec["keywords"], caseless=True).find_grouped(text).values()
               for o in starts]
    line = rule.spec["anchored"] == "line"
    spans = [[m.span() for m in _anchored_matches(regex, text, offsets, line, w) if m] for w in (witness, None)]
    return spans


def test_anchored_builtin_rules_with_a_witness():
    assert len(ANCHORED) >= 3
    assert "secrets.generic-credential" in {r.id for r in ANCHORED}


def test_builtin_anchored_rules_find_the_same_matches_in_their_examples_both_ways():
    checked = 0
    for rule in ANCHORED:
        for example in list(rule.examples.match) + list(rule.examples.no_match):
            with_witness, without = both_ways(rule, f"x {example}\n{example} {example}\n")
            assert with_witness == without, rule.id
            checked += bool(without)
    assert checked > 25


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(ANCHORED), parts=st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_random_lines_give_the_same_matches_both_ways(rule, parts):
    with_witness, without = both_ways(rule, "".join(parts))
    assert with_witness == without
