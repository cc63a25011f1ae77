"""The JavaScript built-SQL prefilter (`built.might_build(text, "javascript")`) finds its statement
quotes like the Python side once Hyperscan is loaded: the keywords by `Literals`, walked back to a quote (the
backtick included). On ASCII text it must find exactly the regex's quotes and decide as before."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from buildrunner.engine.analysis import built, built_js
from buildrunner.engine.analysis.literals import closing as _closing

ROOT = Path(__file__).resolve().parents[2]


def old_might_build(text: str) -> bool:
    """`built_js.might_build` before the `Literals` first pass, kept verbatim as the reference."""
    for m in built_js.PREFILTER.finditer(text):
        q = m.start()
        quote = text[q]
        end = _closing(text, q + 1, quote)
        if end < 0 or (quote == "`" and "${" in text[q:end]):
            return True
        b = q - 1
        while b >= 0 and text[b] in " \t\r\n":
            b -= 1
        if b >= 0 and text[b] == "+" or text[max(0, b - 6):b + 1].endswith("format("):
            return True
        after = text[end:end + 200].lstrip(" \t\r\n)")
        if after[:1] == "+" or after.startswith((".concat", ".replace")):
            return True
    return False


FRAGMENTS = (["`", '"', "'", "${id}", "${", "}", "(", "((", ")", "+", " + ", ".concat(x)", ".replace(a, b)",
              "util.format(", "format(", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "x",
              "const q = ", "db.query(", ", ", "id", "_", "1", "selected", "withdraw", "mydrop", "FROM t WHERE a = ",
              "?", "$1", "\\`", "\\'", "//"]
             + [k for s in built._STATEMENTS for k in (s, s.upper(), s.title(), s[:3])])
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x1c", "\x1f", "x"]


def near_match(rng: random.Random) -> str:
    parts = [rng.choice(["'", '"', "`", "x"])]
    parts += [rng.choice(SPACES) for _ in range(rng.randint(0, 2))]
    parts.append(rng.choice(["", "", "(", "((", ") "]))
    parts.append(rng.choice(["", " ", "\n"]))
    keyword = rng.choice(built._STATEMENTS)
    parts.append(rng.choice([keyword, keyword.upper(), keyword.title(), keyword[:-1], keyword + "ed"]))
    parts.append(rng.choice([*SPACES, ""]))
    return "".join(parts)


def corpus() -> list[str]:
    rng = random.Random(2026)
    texts = ["".join(near_match(rng) if rng.random() < 0.25 else rng.choice(FRAGMENTS)
                     for _ in range(rng.randint(1, 40))) for _ in range(4000)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "sqli").glob("*.py"))]
    return [t for t in texts if t.isascii()]


@pytest.fixture
def fast_first_pass(monkeypatch):
    pytest.importorskip("hyperscan")
    monkeypatch.setattr(built, "_keyword_literals", None)
    built.might_build("q = 1")  # loads the statement keywords' Literals (Hyperscan is imported)
    assert built._fast_keywords() is not None
    yield
    monkeypatch.setattr(built, "_keyword_literals", None)


def test_the_keyword_walk_finds_exactly_the_regex_quotes(fast_first_pass):
    found = 0
    for text in corpus():
        expected = [m.start() for m in built_js.PREFILTER.finditer(text)]
        assert list(built.javascript_statement_quotes(text)) == expected, repr(text)
        found += bool(expected) and any(text[q] == "`" for q in expected)
    assert found > 200  # backtick-led statements are exercised


def test_might_build_decides_as_before(fast_first_pass):
    texts = corpus()
    decisions = [built.might_build(t, "javascript") for t in texts]
    assert decisions == [old_might_build(t) for t in texts]
    assert 300 < sum(decisions) < len(texts) - 300


def test_non_ascii_text_keeps_the_regex(fast_first_pass):
    text = "const q = `SELECT * FROM t WHERE id = ${id}` // \u00e9"
    assert list(built.javascript_statement_quotes(text)) == [m.start() for m in built_js.PREFILTER.finditer(text)] == [10]
    assert built.might_build(text, "javascript")
