"""`interprocedural._assignments` / `_mutated` (and `python._GLOBAL_WORD`) search the whole file for a name with the name as the
regex's literal start (`name(?<!\\wname)`) instead of a leading look-behind (`(?<![\\w])name`). They
must count and find exactly what the former patterns did."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.analysis import interprocedural as ip

ROOT = Path(__file__).resolve().parents[2]


# the definitions before the change, kept verbatim as the reference
def old_mutated(attr: str) -> re.Pattern:
    return re.compile(rf"(?<![\w]){re.escape(attr)}\s*(?:\.\s*(?:{ip._MUTATORS})\s*\(|\[[^\]\n]*\]\s*=(?!=)|"
                      rf"[-+*|&]=)")


def old_assignments(attr: str) -> re.Pattern:
    return re.compile(rf"(?<![\w]){re.escape(attr)}\s*(?::[^=\n]*)?=(?!=)|\bsetattr\s*\(")


NAMES = st.sampled_from(["tables", "t", "_x", "names2", "\u00e9", "\u00dfq", "setattr", "a.b", "x+"])
PIECES = st.sampled_from(["tables", "t", "_x", "names2", "\u00e9", "\u00dfq", "a.b", "x+", "self.", " ", "\t", "\n", "=", "==",
                          ":", ": int ", "[0]", "[k] ", ".append(", ". pop (", "+=", "|=", "-", "setattr(", "setattr (",
                          "xsetattr(", "1", "_", "\u00e9", "(", ")", "]"])


@settings(max_examples=3000, deadline=None)
@given(NAMES, st.lists(PIECES, max_size=20))
def test_the_literal_led_patterns_find_what_the_look_behind_ones_did(attr, pieces):
    text = "".join(pieces)
    assert ip._assignments_pattern(attr).findall(text) == old_assignments(attr).findall(text)
    new, old = ip._mutated_pattern(attr).search(text), old_mutated(attr).search(text)
    assert (new and new.span()) == (old and old.span())


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([b"global", b"globals", b"_global", b"global_x", b" ", b"\n", b"x", b"1", b"\xc3\xa9",
                                 b"(", b"nonlocal", b"# ", b"'"]), max_size=12))
def test_the_global_statement_word_is_the_former_boundary_search(pieces):
    from buildrunner.engine.analysis import python

    text = b"".join(pieces)
    assert [m.span() for m in python._GLOBAL_WORD.finditer(text)] == \
        [m.span() for m in re.finditer(rb"\bglobal\b", text)]


def test_on_real_code():
    sources = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "buildrunner" / "engine").rglob("*.py"))]
    counted = 0
    for text in sources:
        for attr in ("name", "rules", "_memo", "spec", "items", "x"):
            new = ip._assignments_pattern(attr).findall(text)
            assert new == old_assignments(attr).findall(text)
            counted += len(new)
            assert bool(ip._mutated_pattern(attr).search(text)) == bool(old_mutated(attr).search(text))
    assert counted > 100
