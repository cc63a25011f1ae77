class Report:
    def __init__(self, conn, region):
        self.conn = conn
        # ruleid: python.sql-injection.built-sql
        self.sql = "SELECT sum(total) FROM sales WHERE region = '%s'" % region
        self.safe_sql = "SELECT sum(total) FROM sales WHERE region = ?"
