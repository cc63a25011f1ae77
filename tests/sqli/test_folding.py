"""Constant folding and templates: what cannot inject is not reported; values put into SQL text
through other template mechanisms are."""

from __future__ import annotations

import pytest

from .conftest import ids, src

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


BUILT = "python.sql-injection.built-sql"


def test_sql_built_where_no_sink_receives_it(scan):
    findings = scan(src('''
        def user_query(uid):
            return "SELECT * FROM users WHERE id = " + uid

        def run(cur, name):
            sql = "SELECT * FROM t WHERE name = '%s'" % name
            cur.execute(sql)

        def messages(uid):
            log.warning("SELECT failed for %s" % uid)
            assert uid, f"DELETE FROM t WHERE id = {uid}"
    '''))
    assert ids(findings) == [(BUILT, 2), (DBAPI, 6)]  # the executed one is reported once, at its sink
    assert findings[0].severity.value == "medium"


def test_built_sql_skips_test_files_unless_configured(scan, sqli_rules):
    from buildrunner.engine.code import CodeMatcher, compile_spec

    text = 'def q(uid):\n    return "SELECT * FROM users WHERE id = " + uid\n'
    assert ids(scan(text, path="app/queries.py")) == [(BUILT, 2)]
    assert scan(text, path="tests/test_queries.py") == []
    assert scan(text, path="pkg/tests/helpers.py") == []
    rule = next(r for r in sqli_rules if r.id == BUILT)
    import dataclasses

    everywhere = dataclasses.replace(rule, spec=compile_spec({"when": "built-sql", "skip_paths": []}, BUILT))
    assert ids(scan(text, path="tests/test_queries.py", matcher=CodeMatcher([everywhere]))) == [(BUILT, 2)]


def test_already_compiled_sql_is_not_rebuilt_from_runtime_values(scan):
    assert scan(src('''
        def subquery(self, cur, compiler, node):
            inner_sql, params = self.query.as_sql()
            cur.execute("SELECT COUNT(*) FROM (%s) subquery" % inner_sql, params)
            sql, p2 = compiler.compile(node)
            return "SELECT %s FROM t" % sql, p2

        def describe(self):
            return "Create index %s on %s" % (self.name, self.table)
    ''')) == []
