# SQL built in one place and executed in another.


class Repo:
    TABLE = "orders"

    def __init__(self, conn):
        self.conn = conn

    def _run(self, sql):
        return self.conn.execute(sql).fetchall()

    def by_customer(self, customer):
        # ruleid: python.sql-injection.dbapi-execute
        return self._run("SELECT * FROM orders WHERE customer = '" + customer + "'")

    def by_id(self, oid):
        # ok: python.sql-injection.dbapi-execute
        return self.conn.execute("SELECT * FROM " + self.TABLE + " WHERE id = ?", (oid,)).fetchall()


def execute_sql(cur, statement, params=None):
    cur.execute(statement, params or ())


def report(cur, region):
    # ruleid: python.sql-injection.dbapi-execute
    execute_sql(cur, f"SELECT sum(total) FROM sales WHERE region = '{region}'")
    # ok: python.sql-injection.dbapi-execute
    execute_sql(cur, "SELECT sum(total) FROM sales WHERE region = %s", (region,))


def build_query(uid):
    return "SELECT * FROM users WHERE id = " + uid


def use_builder(cur, uid):
    sql = build_query(uid)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)


class Report:
    def prepare(self, day):
        self.sql = "SELECT * FROM visits WHERE day = '%s'" % day

    def run(self, cur):
        # ruleid: python.sql-injection.dbapi-execute
        cur.execute(self.sql)


def conditional(cur, status=None):
    sql = "SELECT * FROM jobs"
    if status is not None:
        sql += " WHERE status = '" + status + "'"
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)


def loop(cur, filters):
    clauses = []
    for key, value in filters.items():
        clauses.append("%s = '%s'" % (key, value))
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE " + " AND ".join(clauses))


def loop_ok(cur, filters):
    clauses = []
    params = []
    for key in ("a", "b"):
        clauses.append(key + " = %s")
        params.append(filters[key])
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM t WHERE " + " AND ".join(clauses), params)
