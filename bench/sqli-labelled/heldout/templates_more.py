# Template classes: str.format() with no fields, % with a dict, values escaped one by one,
# string.Template in its different spellings.
from string import Template

from psycopg2.extensions import adapt


def quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def wrong_placeholder(cur, uid):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = '%s'".format(uid))


def format_no_args(cur, uid):
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = %s".format(), (uid,))


def dict_unused_key(cur, name, debug):
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE active = %(active)s" % {"active": 1, "note": debug})


def dict_used_key(cur, name):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE name = '%(name)s'" % {"name": name})


def dict_variable(cur, name, table):
    values = {"name": name, "table": "users"}
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM %(table)s WHERE name = '%(name)s'" % values)


def dict_variable_constant_keys_used(cur, name):
    values = {"table": "users", "name": name}
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM %(table)s" % values)


def escaped_one_by_one(cur, row):
    quoted = {key: quote(value) for key, value in row.items()}
    # ok: python.sql-injection.dbapi-execute
    cur.execute("INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)" % quoted)


def escaped_in_a_literal(cur, a, b):
    escaped = {"a": adapt(a).getquoted().decode(), "b": quote(b)}
    # ok: python.sql-injection.dbapi-execute
    cur.execute("INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)" % escaped)


def not_escaped(cur, row):
    raw = {key: value for key, value in row.items()}
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("INSERT INTO t (a, b) VALUES ('%(a)s', '%(b)s')" % raw)


def template_variable(cur, user):
    tpl = Template("SELECT * FROM accounts WHERE owner = '$owner'")
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(tpl.substitute(owner=user))


def template_mapping(cur, user):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(Template("DELETE FROM sessions WHERE owner = '${owner}'").safe_substitute({"owner": user}))


def template_unused(cur, user):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(Template("SELECT * FROM accounts WHERE owner = %s").substitute(extra=user), (user,))
