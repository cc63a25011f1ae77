"""`imports._may_bind` checks each place a name is written instead of compiling and running one regex
per name (`imports.binding_regex`, the definition). Both must answer alike on any text and window."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.analysis import imports

ROOT = Path(__file__).resolve().parents[2]

NAMES = ["q", "sql", "_x1", "for_", "as", "\u00e9r", "x"]  # (a non-ASCII name: the regex decides)
PIECES = [b"q", b"sql", b"_x1", b"x", b"for_", b"sqlq", b"\xc3\xa9r", b" ", b"  ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c",
          b"\x1c", b"=", b"==", b"+=", b"//=", b"**=", b"<<=", b"!=", b":", b",", b")", b"]", b"(", b"[", b"*", b"**",
          b"in", b"in_", b"as", b"for", b"import", b"def", b"class", b"global", b"nonlocal", b"async", b".", b"1",
          b"#", b"'", b"format", b"_"]


def regex_answer(src: bytes, start: int, end: int, name: str) -> bool:
    return imports.binding_regex(name).search(src, start, end) is not None


def walk_answer(src: bytes, start: int, end: int, name: str) -> bool:
    an = SimpleNamespace(source_bytes=lambda: src)
    return imports._may_bind(an, SimpleNamespace(start_byte=start, end_byte=end), name)


@settings(max_examples=6000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25), st.sampled_from(NAMES), st.data())
def test_the_walk_answers_as_the_regex(pieces, name, data):
    src = b"".join(pieces)
    start = data.draw(st.integers(0, len(src)))
    end = data.draw(st.integers(start, len(src)))
    assert walk_answer(src, start, end, name) == regex_answer(src, start, end, name)


def test_on_real_code_every_line_window():
    checked = hits = 0
    for path in sorted((ROOT / "buildrunner" / "engine" / "analysis").glob("*.py")):
        src = path.read_bytes()
        lines = src.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        for i in range(0, len(lines), 7):  # windows of 1 to 40 lines, as function bodies are
            start, end = offsets[i], offsets[min(len(lines), i + 1 + i % 40)]
            for name in ("name", "node", "value", "scope", "out", "text", "i", "rx", "d"):
                expected = regex_answer(src, start, end, name)
                assert walk_answer(src, start, end, name) == expected, (path.name, i, name)
                checked += 1
                hits += expected
    assert checked > 2000 and 200 < hits < checked - 200


def test_each_alternative_on_its_own():
    cases = [
        (b"f(*sql + 1)", "sql", True),  # only the `*` before it binds (a star target or an unpacking)
        (b"x = [*sql.split()]", "sql", True),
        (b"f(* \n sql.y)", "sql", True),
        (b"f(sql.y)", "sql", False),
        (b"for a, b in f(sql.y): pass", "sql", True),  # a keyword before it on its line
        (b"for a in f(\n sql.y): pass", "sql", False),  # ... not on an earlier line
        (b"sql = 1\nx", "sql", True),  # at the very start of the text, the last byte a word character
        (b"sql.y\nx", "sql", False),
        (b"xsql = 1", "sql", False),
        (b"sqlx = 1", "sql", False),
    ]
    for src, name, expected in cases:
        assert regex_answer(src, 0, len(src), name) is expected, src
        assert walk_answer(src, 0, len(src), name) is expected, src
    src = b"import sql\ndef f():\n    return sql.x\n"  # a window after the import's line
    start = src.index(b"def")
    assert walk_answer(src, start, len(src), "sql") is regex_answer(src, start, len(src), "sql") is False
    assert walk_answer(src, 0, len(src), "sql") is True
