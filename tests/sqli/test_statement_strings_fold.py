"""`built._statement_strings` finds the quotes that may open a SQL statement with one regex whose
first byte is a literal `"`, over the text folded by `built._FOLD` (lowercased, `'` written as `"`).
It must find exactly the quotes the former class-led regex found on the lowercased text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.analysis import built
from buildrunner.engine.parsing import parse

ROOT = Path(__file__).resolve().parents[2]

# the definition before the fold, kept verbatim as the reference
OLD = re.compile(rb"[\"']" + built._WS + rb"\(?" + built._WS +
                 rb"(?:select|insert|update|delete|with|replace|merge|create|drop|alter|truncate)\b")


def old_quotes(src: bytes) -> list[int]:
    return [m.start() for m in OLD.finditer(src.lower())]


def new_quotes(src: bytes) -> list[int]:
    return [m.start() for m in built._QUOTED_STATEMENT.finditer(src.translate(built._FOLD))]


PIECES = st.sampled_from([b"'", b'"', b"'''", b'"""', b"(", b" ", b"\t", b"\n", b"\x0b", b"\x1c", b"\x1f", b"\r",
                          b"SELECT", b"select", b"Insert", b"UPDATE", b"with", b"WITH", b"replace", b"Merge",
                          b"create", b"DROP", b"alter", b"truncate", b"delete", b"selected", b"with_", b"x", b"1",
                          b"_", b"f'", b'b"', b"%s", b"{", b"}", b"+", b",", b"`"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=24))
def test_the_fold_finds_exactly_the_quotes_of_the_class(pieces):
    src = b"".join(pieces)
    assert new_quotes(src) == old_quotes(src)


def test_the_fold_on_real_code_and_the_strings_it_yields():
    # (the function reads ASCII text only; the two searches agree on any bytes: `bytes.lower` folds ASCII)
    sources = [p.read_bytes() for d in ("buildrunner", "tests") for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(sources) > 200
    found = 0
    for src in sources:
        assert new_quotes(src) == old_quotes(src)
        found += len(new_quotes(src))
    assert found > 50  # this repository writes SQL in its rules' examples and its own analysis
    text = "q = 'SELECT a FROM t WHERE id=' + uid\nr = \"(\t update t set a=1\" % x\ns = 'selected'\n"
    tree = parse(text, "python")
    strings = built._statement_strings(tree.root_node, text.encode())
    assert [s.text for s in strings] == [b"'SELECT a FROM t WHERE id='", b'"(\t update t set a=1"']
