import string
import textwrap

from flask import request


def run(cur, sql):
    cur.execute(sql)


def helper_call(cur, uid):
    # ruleid: python.sql-injection.dbapi-execute
    run(cur, "SELECT * FROM users WHERE id = " + uid)


def template_replace(cur, table):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM {table} WHERE 1=1".replace("{table}", table))


def template_substitute(cur, table):
    tpl = string.Template("SELECT * FROM $table WHERE id = 1")
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(string.Template("SELECT * FROM $table").substitute(table=table))


def dedented(cur, name):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(textwrap.dedent(f"""
        SELECT * FROM users
        WHERE name = '{name}'
    """))


def percent_dict(cur, name, limit):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE name = '%(n)s' LIMIT %(l)d" % {"n": name, "l": limit})
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE id = %(i)d LIMIT %(l)d" % {"i": name, "l": limit})


def from_request(cur):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(request.args["q"])
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t ORDER BY " + request.args.get("sort", "id"))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE id = %s", (request.args["id"],))


def escaped(cur, name):
    safe = name.replace("'", "''")
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE name = '" + safe + "'")


SORTS = {"new": "created_at DESC", "old": "created_at ASC"}


def allowlist(cur, key):
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t ORDER BY " + SORTS.get(key, "id"))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t ORDER BY " + SORTS[key])


def placeholders(cur, ids):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM t WHERE id IN ({', '.join('?' for _ in ids)})", ids)


def formatted_number(cur, n):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM t LIMIT {n:d}")


def two_step(cur, uid):
    where = "id = " + uid
    sql = "SELECT * FROM t WHERE " + where
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)
