# SQL built where it is built (no known database call receives it in this file).
import logging

log = logging.getLogger(__name__)


def user_query(uid):
    # ruleid: python.sql-injection.built-sql
    return "SELECT * FROM users WHERE id = " + uid


def user_query_ok(uid):
    # ok: python.sql-injection.built-sql
    return "SELECT * FROM users WHERE id = %s", (uid,)


def purge(client, table, days):
    # ruleid: python.sql-injection.built-sql
    stmt = f"DELETE FROM {table} WHERE created < now() - interval '{days} days'"
    client.submit(stmt)


def messages(uid):
    # ok: python.sql-injection.built-sql
    log.warning("SELECT failed for user %s" % uid)
    # ok: python.sql-injection.built-sql
    raise RuntimeError(f"UPDATE of {uid} did not apply")


def numbers(limit):
    # ok: python.sql-injection.built-sql
    return "SELECT * FROM t LIMIT %d" % limit


def ui(n):
    # ok: python.sql-injection.built-sql
    return f"Selected {n} rows"


def executed(cur, name):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE name = '" + name + "'")
    sql = "SELECT * FROM t WHERE name = '%s'" % name
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)
