from shop.sql import COUNT_ROWS

from reports.base import Report


def count(cur, table):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(COUNT_ROWS.format(table=table))


def count_orders(cur):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(COUNT_ROWS.format(table="orders"))


class Daily(Report):
    def run(self):
        # ruleid: python.sql-injection.dbapi-execute
        return self.conn.execute(self.sql).fetchall()

    def run_safe(self, region):
        # ok: python.sql-injection.dbapi-execute
        return self.conn.execute(self.safe_sql, (region,)).fetchall()
