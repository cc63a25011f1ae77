import sqlite3
import psycopg2


def by_id(conn, uid):
    cur = conn.cursor()
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = " + uid)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM users WHERE id = {uid}")
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = %s" % uid)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = {}".format(uid))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = ?", [uid])
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE id = %(id)s", {"id": uid})


def many(cur, rows, table):
    # ruleid: python.sql-injection.dbapi-execute
    cur.executemany("INSERT INTO " + table + " VALUES (?, ?)", rows)
    # ok: python.sql-injection.dbapi-execute
    cur.executemany("INSERT INTO log VALUES (?, ?)", rows)


def script(conn, name):
    # ruleid: python.sql-injection.dbapi-execute
    conn.executescript(f"DELETE FROM t WHERE name = '{name}'; VACUUM;")


def search(cur, term):
    sql = "SELECT id FROM items WHERE title LIKE '%" + term + "%'"
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)


def search_ok(cur, term):
    sql = "SELECT id FROM items WHERE title LIKE %s"
    # ok: python.sql-injection.dbapi-execute
    cur.execute(sql, ("%" + term + "%",))


def build(cur, name, status):
    query = "SELECT * FROM users WHERE 1 = 1"
    if name:
        query += " AND name = '" + name + "'"
    if status:
        query += " AND status = %s"
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(query)


def in_list(cur, ids):
    marks = ", ".join(["%s"] * len(ids))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE id IN (%s)" % marks, ids)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE id IN (%s)" % ",".join(ids))


TABLE = "users"


def constants(cur):
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM " + TABLE)
    for table in ("a", "b"):
        # ok: python.sql-injection.dbapi-execute
        cur.execute("DELETE FROM " + table)


def numbers(cur, page, size):
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t LIMIT %d OFFSET %d" % (size, page * size))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t LIMIT " + str(int(size)))


def orders(cur, column, desc):
    direction = "DESC" if desc else "ASC"
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t ORDER BY id " + direction)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t ORDER BY " + column)


def not_sql(executor, name, cmd):
    # ok: python.sql-injection.dbapi-execute
    executor.execute(f"echo {name}")
    # ok: python.sql-injection.dbapi-execute
    cmd.execute("run " + name)
