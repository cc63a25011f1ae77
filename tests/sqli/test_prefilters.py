"""The byte-level prefilters that keep files from being parsed: they may only drop files on which
no rule can fire (a dropped file is a missed finding, so every 'parse' case is also a finding)."""

from __future__ import annotations

import pytest

from buildrunner.engine import parsing
from buildrunner.engine.analysis.built import might_build

from .conftest import ids, src

BUILT = "python.sql-injection.built-sql"


@pytest.mark.parametrize("code", [
    'q = "SELECT * FROM t WHERE a = %s" % x',
    'q = f"SELECT * FROM t WHERE a = {x}"',
    'q = """\n  SELECT a\n  FROM t WHERE id = {}""".format(x)',
    'q = ("SELECT a FROM t "\n     "WHERE id = %s" % x)',
    'q = ("SELECT {} FROM t").format(x)',
    'q = "SELECT a FROM t WHERE b = \'" + x',
    'q = "SELECT a FROM \\" t WHERE b = " + x',
    'q = "SELECT a FROM t WHERE b = " fr"{x}"',
    'q = "SELECT a FROM t WHERE b = \'[V]\'".replace("[V]", x)',
])
def test_a_literal_that_may_be_built_on_keeps_the_file(code, scan):
    assert might_build(code)
    assert BUILT in {rule for rule, _line in ids(scan("x = input()\n" + code + "\n"))}


@pytest.mark.parametrize("code", ['q = "SELECT * FROM t"', 'q = """SELECT a\nFROM t"""',
                                  "q = 'SELECT a FROM t'\nrun(q)"])
def test_stand_alone_sql_literals_are_not_parsed_for_built_sql(code):
    assert not might_build(code)


def test_a_sink_called_only_with_constant_literals_is_not_parsed(scan, monkeypatch):
    parsed = []
    real = parsing.parse
    monkeypatch.setattr(parsing, "parse", lambda text, lang: parsed.append(text) or real(text, lang))
    assert scan(src('''
        from sqlalchemy import text, literal_column
        q = text("SELECT 1")
        c = literal_column('a' 'b')
    ''')) == []
    assert parsed == []
    assert scan(src('''
        from sqlalchemy import text
        def f(x):
            return text("SELECT * FROM t WHERE a = '%s'" % x)
    '''))
    assert len(parsed) == 1
