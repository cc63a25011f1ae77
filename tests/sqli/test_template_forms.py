"""Template forms: `.format()` with values on SQL text that has no `{}` field, `%` with a mapping
held in a variable (only the keys the template uses), values escaped one by one in a dict, and
`string.Template` inline or in a variable, with keywords or a mapping."""

from __future__ import annotations

from .conftest import ids, src

DBAPI = "python.sql-injection.dbapi-execute"


def test_format_with_values_on_a_percent_s_template_is_reported(scan):
    findings = scan(src('''
        def f(cur, uid):
            cur.execute("SELECT * FROM users WHERE id = '%s'".format(uid))
            cur.execute("SELECT * FROM users WHERE id = %s".format(), (uid,))
            cur.execute("SELECT * FROM users WHERE id = %s".format(7))
            cur.execute("SELECT * FROM users WHERE active".format(uid))
    '''))
    assert ids(findings) == [(DBAPI, 2)]
    assert "meant (by `.format()` on a `%s` template)" in findings[0].trace[0].message


def test_percent_mapping_in_a_variable_counts_only_the_keys_the_template_uses(scan):
    findings = scan(src('''
        def f(cur, name, debug):
            values = {"table": "users", "name": name}
            cur.execute("SELECT * FROM %(table)s" % values)
            cur.execute("SELECT * FROM %(table)s WHERE name = '%(name)s'" % values)
            cur.execute("SELECT * FROM t WHERE a = %(a)s" % {"a": 1, "note": debug})

        def mutated(cur, name):
            values = {"table": "users"}
            values["table"] = name
            cur.execute("SELECT * FROM %(table)s" % values)
    '''))
    assert ids(findings) == [(DBAPI, 4), (DBAPI, 10)]


def test_dict_values_escaped_one_by_one(scan):
    findings = scan(src('''
        from psycopg2.extensions import adapt


        def quote(value):
            return "'" + str(value).replace("'", "''") + "'"


        def escaped(cur, row, a):
            quoted = {k: quote(v) for k, v in row.items()}
            cur.execute("INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)" % quoted)
            literal = {"a": adapt(a).getquoted().decode()}
            cur.execute("INSERT INTO t (a) VALUES (%(a)s)" % literal)

        def raw(cur, row):
            values = {k: v for k, v in row.items()}
            cur.execute("INSERT INTO t (a, b) VALUES ('%(a)s', '%(b)s')" % values)
    '''))
    assert ids(findings) == [(DBAPI, 16)]


def test_string_template_inline_in_a_variable_with_keywords_or_a_mapping(scan):
    findings = scan(src('''
        from string import Template


        def f(cur, user):
            tpl = Template("SELECT * FROM accounts WHERE owner = '$owner'")
            cur.execute(tpl.substitute(owner=user))
            cur.execute(Template("DELETE FROM s WHERE owner = '${owner}'").safe_substitute({"owner": user}))
            cur.execute(Template("SELECT * FROM a WHERE owner = %s").substitute(extra=user), (user,))
            cur.execute(tpl.substitute(owner="admin"))
            cur.execute(Template("SELECT $$1 FROM a WHERE o = '$o'").substitute({"o": "x"}, o=user))
    '''))
    assert ids(findings) == [(DBAPI, 6), (DBAPI, 7), (DBAPI, 10)]
