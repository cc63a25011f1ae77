# Cases in the style of Bandit's B608 examples and common tutorials.
import sqlite3
import pymysql

# ruleid: python.sql-injection.built-sql
query = "SELECT * FROM foo WHERE id = '%s'" % identifier
# ruleid: python.sql-injection.built-sql
query = "INSERT INTO foo VALUES ('a', 'b', '%s')" % value


def a(cur, identifier, value, tables):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM foo WHERE id = '%s'" % identifier)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("INSERT INTO foo VALUES ('a', 'b', '%s')" % value)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("DELETE FROM foo WHERE id = '%s'" % identifier)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("UPDATE foo SET value = 'b' WHERE id = '%s'" % identifier)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM foo WHERE id = '" + identifier + "'")
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM foo WHERE id = '{}'".format(identifier))
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM foo WHERE id = {identifier}")
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM foo WHERE id = '%s'", identifier)
    # ok: python.sql-injection.dbapi-execute
    cur.execute("INSERT INTO foo VALUES ('a', 'b', '%s')", value)
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM foo WHERE id = 'constant'")
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM " + tables[0] + " WHERE 1")


def b(conn, user, password):
    with conn.cursor() as cursor:
        sql = "SELECT `id` FROM `users` WHERE `email`='" + user + "' AND `password`='" + password + "'"
        # ruleid: python.sql-injection.dbapi-execute
        cursor.execute(sql)
        sql = "SELECT `id` FROM `users` WHERE `email`=%s AND `password`=%s"
        # ok: python.sql-injection.dbapi-execute
        cursor.execute(sql, (user, password))


def c(db, username):
    cur = db.cursor()
    stmt = "SELECT * FROM accounts WHERE username = '{0}'"
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(stmt.format(username))


def d(db, order_by, limit):
    cur = db.cursor()
    q = "SELECT name FROM products"
    q = q + " ORDER BY %s" % order_by
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(q)
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT name FROM products LIMIT %s", (int(limit),))


def e(conn, names):
    placeholders = ",".join("?" * len(names))
    # ok: python.sql-injection.dbapi-execute
    conn.execute("SELECT * FROM people WHERE name IN (%s)" % placeholders, names)
    # ruleid: python.sql-injection.dbapi-execute
    conn.execute("SELECT * FROM people WHERE name IN ('%s')" % "','".join(names))


def f(conn, column, value):
    if column not in ("name", "email"):
        raise ValueError(column)
    # ruleid: python.sql-injection.dbapi-execute
    conn.execute("SELECT * FROM people WHERE %s = ?" % column, (value,))


def g(logger, uid):
    # ok: python.sql-injection.dbapi-execute
    logger.info("SELECT * FROM users WHERE id = %s" % uid)
    # ok: python.sql-injection.dbapi-execute
    print(f"DELETE FROM users WHERE id = {uid}")
