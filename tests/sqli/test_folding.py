"""Constant folding and templates: what cannot inject is not reported; values put into SQL text
through other template mechanisms are."""

from __future__ import annotations

import pytest

from .conftest import ids

DBAPI = "python.sql-injection.dbapi-execute"


@pytest.mark.parametrize("code", [
    'cur.execute("SELECT * FROM t WHERE id = %d" % n)',
    'cur.execute("SELECT * FROM t WHERE id = %(id)d AND a = %(a).2f" % {"id": n, "a": x})',
    'cur.execute("SELECT * FROM t WHERE id = {:d} LIMIT {:.0f}".format(n, x))',
    'cur.execute(f"SELECT * FROM t WHERE id = {n:d} AND score > {x:.2f}")',
    'cur.execute("SELECT * FROM t WHERE name = \'%s\'" % name.replace("\'", "\'\'"))',
    'cur.execute(string.Template("SELECT * FROM t WHERE id = 1").substitute())',
    'cur.execute("SELECT * FROM {t} WHERE 1=1".replace("{t}", "users"))',
])
def test_values_that_cannot_inject_are_folded(scan, code):
    assert scan(f"import string\ndef f(cur, n, x, name):\n    {code}\n") == []


@pytest.mark.parametrize("code", [
    'cur.execute("SELECT * FROM t WHERE id = %s" % n)',
    'cur.execute("SELECT * FROM t WHERE id = {:>5}".format(n))',  # padding, not a number
    'cur.execute(f"SELECT * FROM t WHERE id = {n!s:>5}")',
    'cur.execute("SELECT * FROM t WHERE name = \'%(n)s\' AND id = %(i)d" % {"n": name, "i": n})',
    'cur.execute("SELECT * FROM {table} WHERE 1=1".replace("{table}", name))',
    'cur.execute(string.Template("SELECT * FROM $t WHERE id = 1").substitute(t=name))',
    'cur.execute(textwrap.dedent(f"""\n        SELECT * FROM t WHERE name = \'{name}\'\n    """))',
])
def test_values_put_into_sql_by_templates_are_reported(scan, code):
    assert ids(scan(f"import string\ndef f(cur, n, x, name):\n    {code}\n")) == [(DBAPI, 3)]


def test_allowlist_lookups_through_a_mapping_the_object_holds(scan):
    code = """
class Ops:
    operators = {"exact": "= %s", "gt": "> %s"}

    def where(self, cur, column, lookup, value):
        cur.execute("SELECT * FROM t WHERE " + self.quote_name(column) + " " + self.operators[lookup], (value,))
        cur.execute("SELECT * FROM t WHERE a " + self.operators.get(lookup, "= %s"), (value,))
        cur.execute("SELECT * FROM t WHERE a = " + self.last_value)
"""
    assert ids(scan(code)) == [(DBAPI, 8)]
