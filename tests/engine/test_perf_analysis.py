"""The analysis stage's shortcuts find exactly what the tree walks they replace found.

Each byte-search lookup (a name's occurrences confirmed on the tree) is checked against the walk
or whole-file query it replaced, on real code (this repository's sources and the labelled SQL
examples), on each of them again behind leading blank lines (tree-sitter's module node then starts
after byte 0: offsets must still index the file) and on snippets with the constructs that bind a
name inside an expression.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tree_sitter import QueryCursor

from buildrunner.engine.analysis import built, interprocedural
from buildrunner.engine.analysis.base import word_spans
from buildrunner.engine.analysis.javascript import JavaScriptAnalyzer
from buildrunner.engine.analysis.python import PythonAnalyzer
from buildrunner.engine.code import _calls_query
from buildrunner.engine.model import Document
from buildrunner.engine.parsing import language_for_path, parse
from buildrunner.engine.suppression import FOREIGN_PREFILTER_RE, INLINE_RE, _markers

ROOT = Path(__file__).resolve().parents[2]

# Names bound inside expressions (walrus, comprehension, `as` in a parenthesized with item or where
# only tree-sitter accepts it), private helpers called several ways, self-attributes, strings.
_SNIPPET = '''

import os
PAGES = [n for n in range(3)]
def _q(table, cols="*"):
    return f"SELECT {cols} FROM {table}"
class Repo(Base):
    sql = "SELECT 1"
    def __init__(self, t):
        self.sql = "SELECT * FROM " + t
        self.sql += " WHERE 1"
        self.other = self.sql = "x"
    def run(self, cur):
        with (open(self.sql) as fh):
            pass
        print(f"{(found := cur.fetchone())}", [r for r in fh], {k: v for k, v in os.environ.items()})
        f((a as b))
        cur.execute(_q("users"))
        cur.execute(self._q2(found))
        return self.sql, _q(table="t"), _q
    def _q2(self, x):
        return "DELETE FROM t WHERE id = " + x
cur.execute("SELECT " + "x") ; cur.execute( "update t set a = %s" % v)
q = "WITH x AS (SELECT 1) SELECT * FROM t WHERE a = " + v
q2 = f"""  ( select * from t where id = {uid}"""
q3 = Rb'DROP TABLE %s' % t
'''


def _corpus() -> list[tuple[str, str]]:
    files = sorted((ROOT / "buildrunner" / "engine").rglob("*.py")) + sorted((ROOT / "tests" / "sqli").rglob("*.py"))
    files += sorted((ROOT / "bench" / "sqli-labelled").rglob("*.*"))
    out = [(language_for_path(str(f)), f.read_text(encoding="utf-8")) for f in files if language_for_path(str(f))]
    out.append(("python", _SNIPPET))
    return out + [(lang, "\n\n\n" + text) for lang, text in out]  # the module node starts after byte 0


CORPUS = _corpus()
PYTHON = [text for lang, text in CORPUS if lang == "python"]


def _analyzer(language: str, text: str):
    root = parse(text, language).root_node
    return PythonAnalyzer(root) if language == "python" else JavaScriptAnalyzer(root)


def _walk(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def test_corpus_has_every_language_and_blank_line_starts():
    assert {lang for lang, _ in CORPUS} >= {"python", "javascript", "typescript"}
    assert sum(_analyzer(lang, text).root.start_byte > 0 for lang, text in CORPUS) > 10


def test_source_bytes_are_indexed_by_tree_offsets():
    for lang, text in CORPUS:
        an = _analyzer(lang, text)
        src = an.source_bytes()
        for node in an.root.named_children[:20]:
            assert src[node.start_byte:node.end_byte] == node.text


def test_word_spans_cover_every_identifier_of_a_name():
    checked = 0
    for lang, text in CORPUS:
        an = _analyzer(lang, text)
        family = "python" if lang == "python" else "javascript"
        by_name: dict[str, list] = {}
        for n in _walk(an.root):
            if n.type in ("identifier", "property_identifier") and n.text.isascii():
                by_name.setdefault(n.text.decode(), []).append((n.start_byte, n.end_byte))
        for name, spans in list(by_name.items())[:40]:
            assert set(spans) <= set(word_spans(an.source_bytes(), name, family)), name
            checked += 1
    assert checked > 1000


def test_private_references_equal_every_identifier_of_the_name():
    checked = 0
    for text in PYTHON:
        an = PythonAnalyzer(parse(text, "python").root_node)
        every: dict[str, list[int]] = {}
        for n in an.query("(identifier) @n"):
            if an.text(n).startswith("_"):
                every.setdefault(an.text(n), []).append(n.id)
        for name, ids in every.items():  # (the query's order is not the document's: sets)
            refs = interprocedural._references(an, name)
            assert sorted(n.id for n in refs) == sorted(ids), name
            assert [n.start_byte for n in refs] == sorted(n.start_byte for n in refs)  # document order
            checked += 1
    assert checked > 300


class _WalkEverything(PythonAnalyzer):
    DEF_TYPES = None  # collect_defs on every node, no subtree skipped: the reference
    OPAQUE = frozenset()


def _signature(defs) -> dict:
    return {name: [(d.node.id, d.op, d.rhs.id if d.rhs is not None else None, d.end) for d in lst]
            for name, lst in defs.items()}


def test_defs_skipping_expressions_finds_every_definition():
    checked = 0
    for text in PYTHON:
        root = parse(text, "python").root_node
        fast, reference = PythonAnalyzer(root), _WalkEverything(root)
        for scope in [n for n in _walk(root) if n.type in PythonAnalyzer.SCOPES]:
            assert _signature(fast.defs(scope)) == _signature(reference.defs(scope)), scope.start_point
            checked += 1
    an = PythonAnalyzer(parse(_SNIPPET, "python").root_node)
    run = an._functions()["run"][0]
    assert {"fh", "found", "r", "k", "v", "b"} <= set(an.defs(run))  # bound inside expressions
    assert checked > 1000


def test_self_assignments_equal_the_class_walk():
    checked = 0
    for text in PYTHON:
        an = PythonAnalyzer(parse(text, "python").root_node)
        for cls in [n for n in _walk(an.root) if n.type == "class_definition"]:
            walked: dict[str, list[int]] = {}
            stack = [cls]
            while stack:  # the walk class_attribute did per attribute (right-to-left pre-order)
                n = stack.pop()
                left = n.child_by_field_name("left") if n.type in ("assignment", "augmented_assignment") else None
                if left is not None and left.type == "attribute" and an.text(left).startswith("self."):
                    walked.setdefault(an.text(left)[5:], []).append(n.id)
                stack.extend(n.named_children)
            for attr, ids in walked.items():
                assert [n.id for n in an._self_assignments(cls, attr)] == ids, attr
                checked += 1
            assert an._self_assignments(cls, "never_assigned_here") == []
    assert checked > 50


def test_helper_lookup_by_name_equals_the_function_index():
    checked = 0
    for text in PYTHON:
        index = PythonAnalyzer(parse(text, "python").root_node)._functions()
        an = PythonAnalyzer(parse(text, "python").root_node)  # a fresh one: no index built
        names = set(re.findall(r"[A-Za-z_]\w*", text)) if len(text) < 20_000 else set(index)
        for name in names:
            assert sorted((n.start_byte, n.end_byte) for n in an._functions_named(name)) == \
                sorted((n.start_byte, n.end_byte) for n in index.get(name, ())), name
            checked += 1
        assert "_function_index" not in an.__dict__
    assert checked > 2000


def test_helper_calls_equal_the_whole_file_calls_query():
    from buildrunner.engine.code import CodeMatcher, _Scan

    checked = 0
    for lang, text in CORPUS:
        an = _analyzer(lang, text)
        every = [(caps["call"][0], an.text(caps["name"][0]), "recv" in caps, caps["args"][0])
                 for _, caps in QueryCursor(_calls_query(lang)).matches(an.root) if not caps["call"][0].has_error]
        names = sorted({name for _, name, _, _ in every})
        matcher = CodeMatcher([])
        scan = _Scan(matcher, matcher._plan(lang), Document(path="x", text=text, language=lang), lang)
        scan.an = an
        for chunk in (names[:3], names[3:10], names):
            wanted = [(c.id, name, recv, args.id) for c, name, recv, args in every if name in set(chunk)]
            got = [(c.id, name, recv, args.id) for c, name, recv, args, _ in scan._calls(an.root, set(chunk))]
            assert got == wanted
            checked += len(got)
    assert checked > 5000


def _candidate_spans(text: str) -> list[tuple[int, int, str]]:
    return [(n.start_byte, n.end_byte, n.type) for n in built.candidates(parse(text, "python").root_node)]


def test_built_sql_candidates_by_byte_search_equal_every_string():
    found = 0
    for text in PYTHON:
        if not text.isascii():
            continue
        fast = _candidate_spans(text)
        assert fast == _candidate_spans(text + "# é\n")  # non-ASCII: every string node, the query way
        found += len(fast)
    assert found > 20


def test_ascii_folds_are_every_character_ignorecase_matches_to_an_ascii_letter():
    import sys

    from buildrunner.engine.suppression import _ASCII_FOLDS

    letter = re.compile(r"(?i)[a-z]")
    folds = {chr(c) for c in range(0x80, sys.maxunicode + 1) if letter.match(chr(c))}
    assert folds == set(_ASCII_FOLDS)
    assert all(re.match(f"(?i){ascii_}", c) for c, ascii_ in _ASCII_FOLDS.items())


@pytest.mark.parametrize("text", [
    "x = 1  # br: ignore[python.sql]\n", "x = 1 // BR:Ignore\n", "q = 1  # nosec B608\n", "q = 1  # NOSEMGREP: r\n",
    "k = 1  # gitleaks:allow\n", "k = 1  # pragma: allowlist secret\n", "k = 1  # pragma:   allowlist nextline\n",
    "plain = 'text'\n", "brx: ignore\n", "k = 1  # noſec\n", "x = 1  # Br: ignore  é\n", "café = 1\n",
    "k = 1  # gİtleaKs:allow\n", "k = 1  # NOSEC é\n", "x = 1  # br: İgnore\n",
])
@pytest.mark.parametrize("foreign", [True, False])
def test_suppression_marker_shortcut_agrees_with_the_regexes(text, foreign):
    expected = (bool(INLINE_RE.search(text)), foreign and bool(FOREIGN_PREFILTER_RE.search(text)))
    assert _markers(text, foreign) == expected
