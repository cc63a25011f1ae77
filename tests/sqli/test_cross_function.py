"""SQL built in one function (or method) and executed in another, within a file; branch constants."""

from __future__ import annotations

from .conftest import ids, src

DBAPI = "python.sql-injection.dbapi-execute"


def test_helper_returning_sql_built_from_its_argument(scan):
    findings = scan(src('''
        def build_query(uid, table="users"):
            return "SELECT * FROM " + table + " WHERE id = " + uid

        def find(cur, uid):
            sql = build_query(uid)
            cur.execute(sql)

        def constant(cur):
            cur.execute(build_query("1"))
    '''))
    assert ids(findings) == [(DBAPI, 6)]
    assert "`build_query()` returns SQL text built from runtime values" in [t.message for t in findings[0].trace]


def test_method_helpers_are_bound_to_the_callers_arguments(scan):
    findings = scan(src('''
        class Dialect:
            def _name(self, schema, table):
                if schema is not None:
                    return quote_identifier(schema) + "." + table
                return table

            def _query(self, table, kind, schema):
                main = self._name(schema, table)
                return f"SELECT name FROM {main} WHERE type = '{kind}'"

            def tables(self, conn, schema=None):
                return conn.execute(self._query("sqlite_master", "table", schema))

            def by_kind(self, conn, kind):
                return conn.execute(self._query("sqlite_master", kind, None))
    '''))
    assert ids(findings) == [(DBAPI, 15)]


def test_sql_stored_on_self_and_executed_in_another_method(scan):
    findings = scan(src('''
        class Report:
            def prepare(self, day):
                self.sql = "SELECT * FROM visits WHERE day = '%s'" % day
                self.safe = "SELECT * FROM visits WHERE day = %s"

            def run(self, cur, day):
                cur.execute(self.sql)
                cur.execute(self.safe, (day,))
    '''))
    assert ids(findings) == [(DBAPI, 7)]
    assert any("`self.sql` holds SQL text" in t.message for t in findings[0].trace)


def test_a_local_assigned_a_constant_on_every_branch_is_constant(scan):
    assert scan(src('''
        def f(cur, internal, desc):
            if not internal:
                extra = " AND name NOT LIKE 'sqlite_%'"
            else:
                extra = ""
            if desc:
                order = "DESC"
            elif internal:
                order = "ASC"
            else:
                raise ValueError(desc)
            cur.execute(f"SELECT * FROM t WHERE a = 1{extra} ORDER BY id {order}")
    ''')) == []
    assert ids(scan(src('''
        def g(cur, internal, name):
            if internal:
                extra = " AND name = '" + name + "'"
            else:
                extra = ""
            cur.execute("SELECT * FROM t WHERE a = 1" + extra)
    '''))) == [(DBAPI, 6)]


def test_class_constants_properties_and_counters_on_self_are_constant(scan):
    assert scan(src('''
        class Introspection:
            cache_bust_counter = 1
            suffix = " FROM DUAL"

            @property
            def bare_select_suffix(self):
                return " FROM DUAL"

            def describe(self, cur, table):
                self.cache_bust_counter += 1
                cur.execute("SELECT 1" + self.bare_select_suffix)
                cur.execute("SELECT * FROM t WHERE ROWNUM < 2 AND {} > 0".format(self.cache_bust_counter))
                cur.execute("SELECT 1" + self.suffix)
    ''')) == []
    assert ids(scan(src('''
        class Repo:
            order = "id"

            def sort_by(self, column):
                self.order = column

            def rows(self, cur):
                cur.execute("SELECT * FROM t ORDER BY " + self.order)
    '''))) == [(DBAPI, 8)]
