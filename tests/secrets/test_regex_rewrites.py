"""Built-in secret regexes rewritten for speed match exactly what their previous form matched: the
previous form is kept here and both are run on generated lines (same span, same groups)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.rules import load_pack
from buildrunner.engine.secrets import SECRET_PACK

# generic-unquoted-credential before its leading `[ \t]*` and the `[ \t]+` after `export`/`set`/… became
# possessive: nothing that may follow them starts with a space or a tab, so giving one back never
# led to a match; it only cost the backtracking over every indented line (0.122 -> 0.073 s of regex
# on SQLAlchemy's hit lines when the rule is run on them)
UNQUOTED_BEFORE = (
    r"""[ \t]*(?:(?:export|set|setenv|declare[ \t]+-x|ENV|ARG|-)[ \t]+)?["']?(?:ENV[ \t]+(?P<envkey>[\w.\-]*"""
    r"""(?i:[a-z_\-.]key|key[_\-.]?[a-z]|secret|token|passw|pwd|pass|auth|cred|private|jwt)[\w.\-]*)[ \t]+|"""
    r"""(?P<key>[\w.\-]*(?i:[a-z_\-.]key|key[_\-.]?[a-z]|secret|token|passw|pwd|pass|auth|cred|private|jwt)"""
    r"""[\w.\-]*)[ \t]*(?:=|:{1,3}=|[?+]=|:(?=[ \t]))[ \t]*)(?P<secret>[^\s"'\x60#;,\[\]][^\s"'\x60;,]{7,199})"""
    r"""["']?[ \t]*(?:[#;].*)?\r?$""")

PIECES = [" ", "\t", "  ", "export", "set", "setenv", "declare", "-x", "ENV", "ARG", "-", '"', "'", "API_KEY",
          "db.password", "token", "Secret", "ſecret", "monkey", "key", "=", ":", ":=", "?=", "+=", "::=", "x",
          "r7GhT2kq9XwPz4Lm", "Hx7!kP2q@Lm9wZ", "#", ";", ",", "[", "]", "\r", "é", "${VAR}"]


def rule_regex(rule_id: str) -> re.Pattern:
    return re.compile(next(r for r in load_pack(SECRET_PACK, builtin=True).rules if r.id == rule_id).spec["regex"])


def same_match(before: re.Pattern, after: re.Pattern, line: str) -> None:
    a, b = before.match(line), after.match(line)
    assert (a and (a.span(), a.groupdict())) == (b and (b.span(), b.groupdict())), line


UNQUOTED = rule_regex("secrets.generic-unquoted-credential")


def test_the_unquoted_rule_is_the_rewritten_form():
    assert UNQUOTED.pattern != UNQUOTED_BEFORE
    assert UNQUOTED.pattern.replace("*+", "*").replace("++", "+") == UNQUOTED_BEFORE


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_the_unquoted_rule_matches_generated_lines_like_before(pieces):
    same_match(re.compile(UNQUOTED_BEFORE), UNQUOTED, "".join(pieces))


def test_the_unquoted_rule_matches_its_examples_like_before():
    before = re.compile(UNQUOTED_BEFORE)
    rule = next(r for r in load_pack(SECRET_PACK, builtin=True).rules if r.id == "secrets.generic-unquoted-credential")
    lines = [line for ex in list(rule.examples.match) + list(rule.examples.no_match) for line in ex.split("\n")]
    assert sum(bool(before.match(line)) for line in lines) >= 10
    for line in lines:
        same_match(before, UNQUOTED, line)
        same_match(before, UNQUOTED, "    " + line)
        same_match(before, UNQUOTED, "\t " + line.replace("=", " \t= \t").replace("export ", "export \t "))
