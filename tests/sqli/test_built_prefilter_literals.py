"""The built-SQL prefilter's first pass (`built.might_build`): with Hyperscan loaded, the statement
keywords are found by `Literals` and walked back to their quote instead of running the prefilter
regex. It must decide exactly as before, on any text."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.engine.analysis import built
from buildrunner.engine.analysis.literals import closing as _closing
from buildrunner.engine.literals import Literals

ROOT = Path(__file__).resolve().parents[2]


def old_might_build(text: str) -> bool:
    """`might_build` (Python) as it was before the `Literals` first pass, kept verbatim as the reference."""
    matches = built._PREFILTER_LOWER.finditer(text.lower()) if text.isascii() else built.PREFILTER.finditer(text)
    for m in matches:
        q = m.start()
        quote = text[q]
        while q > 0 and text[q - 1] == quote and m.start() - q < 2:
            q -= 1
        delim = quote * 3 if text.startswith(quote * 3, q) else quote
        p = q
        while p > 0 and text[p - 1] in "rRuUbBfF" and q - p < 2:
            p -= 1
        if "f" in text[p:q].lower():
            return True
        b = p - 1
        while b >= 0 and text[b] in " \t\r\n\\":
            b -= 1
        if b >= 0 and text[b] in "+%'\"":
            return True
        end = _closing(text, q + len(delim), delim)
        if end < 0:
            return True
        after = text[end:end + 200].lstrip(" \t\r\n\\)")
        if after[:1] in ("+", "%", ".", "'", '"', "#") or re.match(r"[rRuUbBfF]{1,2}['\"]", after):
            return True
    return False


FRAGMENTS = (
    ['"', "'", '"""', "'''", "(", "((", ")", "+", "%", ".format(x)", "#", "\\", "f", "rb", "F", "u", "b",
     " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0",
     "x", "q = ", "cur.execute(", ", ", "id", "_", "1", "selected", "withdraw", "without", "mydrop",
     "FROM t WHERE a = ", "{uid}", "%s", "?"]
    + [k for s in built._STATEMENTS for k in (s, s.upper(), s.title(), s[:3])]
    + ["İ", "ſelect", "\u212a", "é", "€"]  # non-ASCII: the regex path, unchanged
)


SPACES = [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "x"]


def near_match(rng: random.Random) -> str:
    """Quote, spaces, `(`, spaces, a keyword, a space: each part sometimes off (a non-space, two
    parens, a word that only starts like the keyword, no space after it)."""
    parts = [rng.choice(["'", '"', '"' * 3, "'" * 3, "f'", 'rb"', "x"])]
    parts += [rng.choice(SPACES) for _ in range(rng.randint(0, 2))]
    parts.append(rng.choice(["", "", "(", "((", ") "]))
    parts.append(rng.choice(["", " ", "\n"]))
    keyword = rng.choice(built._STATEMENTS)
    parts.append(rng.choice([keyword, keyword.upper(), keyword.title(), keyword[:-1], keyword + "ed"]))
    parts.append(rng.choice([*SPACES, ""]))
    return "".join(parts)


def random_texts(seed: int, count: int, ascii_only: bool):
    """Texts of fragments and near matches (ASCII only: the texts the `Literals` pass is used for)."""
    rng = random.Random(seed)
    fragments = [f for f in FRAGMENTS if f.isascii() or not ascii_only]
    while count:
        text = "".join(near_match(rng) if rng.random() < 0.2 else rng.choice(fragments)
                       for _ in range(rng.randint(1, 40)))
        if text.isascii() or not ascii_only:
            count -= 1
            yield text


def corpus():
    texts = [*random_texts(12, 3000, ascii_only=True), *random_texts(13, 1000, ascii_only=False)]
    for folder in ("buildrunner/engine/analysis", "tests/sqli"):
        texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / folder).glob("*.py"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "buildrunner/rules").glob("sqli-*.yaml"))]
    return texts


@pytest.fixture(params=["hyperscan", "aho-corasick"])
def keywords(request, monkeypatch):
    """The first pass's literals on each backend (both must give the regex's answers)."""
    if request.param == "hyperscan":
        pytest.importorskip("hyperscan")
    monkeypatch.setenv("BR_LITERALS", request.param)
    literals = Literals(built.STATEMENT_WORDS, caseless=True)
    literals.prepare()
    return literals


def test_the_keyword_walk_finds_exactly_the_prefilter_regex_matches(keywords):
    checked = 0
    for text in corpus():
        if not text.isascii():
            continue
        expected = [m.start() for m in built.PREFILTER.finditer(text)]
        assert list(built.quotes_before(text, keywords.find(text))) == expected, repr(text)
        checked += bool(expected)
    assert checked > 500  # (the texts do hold matches)


@pytest.fixture
def fast_first_pass(monkeypatch):
    """might_build with the `Literals` first pass on (as after a full scan prepared Hyperscan)."""
    pytest.importorskip("hyperscan")
    monkeypatch.setattr(built, "_keyword_literals", None)
    built.might_build("q = 1")
    assert built._fast_keywords() is not None
    yield
    monkeypatch.setattr(built, "_keyword_literals", None)


def test_might_build_decides_as_before_on_varied_texts(fast_first_pass):
    texts = corpus()
    decisions = [built.might_build(t) for t in texts]
    assert decisions == [old_might_build(t) for t in texts]
    assert 300 < sum(decisions) < len(texts) - 300  # both answers are exercised


@pytest.mark.parametrize("text, expected", [
    ('q = f"SELECT * FROM t WHERE id = {uid}"', True),
    ('q = "SELECT * FROM t WHERE id = " + uid', True),
    ('q = (\n    "  (\x1c select a "\n    "FROM t" % x)', True),
    ('q = """\n    WITH x AS (SELECT 1)\n    SELECT * FROM x WHERE a = %s""" % a', True),
    ('q = "SELECT 1"\nrows = fetch(q)', False),
    ('q = "selected " + x', False),
    ('q = "( ( select a" + x', False),  # one `(` only
])
def test_might_build_on_the_fast_path(fast_first_pass, text, expected):
    assert built.might_build(text) is expected
    assert old_might_build(text) is expected


def test_a_scan_that_did_not_load_hyperscan_does_not_load_it_for_the_prefilter():
    code = ("import sys\nfrom buildrunner.engine.analysis.built import might_build\n"
            "assert might_build('q = f\"SELECT * FROM t WHERE a = {x}\"' * 100)\n"
            "print('hyperscan' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
