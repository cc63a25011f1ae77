# Constants the analysis follows across a name binding, a loop or a private helper's parameter.
from psycopg2.extensions import quote_ident

_EXTENSIONS = [
    ("citext", (13,)),
    ("hstore", (13,)),
]
_tables = ("audit_log", "audit_archive")


def create_extensions(cursor):
    for extension, min_version in _EXTENSIONS:
        # ok: python.sql-injection.dbapi-execute
        cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}; SELECT * FROM {extension}")


def truncate_audit(cursor):
    for table in _tables:
        # ok: python.sql-injection.dbapi-execute
        cursor.execute("DELETE FROM %s WHERE created < now() - interval '30 days'" % table)


def truncate_given(cursor, tables):
    for table in tables:
        # ruleid: python.sql-injection.dbapi-execute
        cursor.execute("DELETE FROM %s WHERE created < now()" % table)


def table_info(cursor, table_name):
    quote = quote_ident
    # ok: python.sql-injection.dbapi-execute
    cursor.execute(f"SELECT * FROM pragma_table_info({quote(table_name, cursor)})")


def table_info_unquoted(cursor, table_name, fmt):
    quote = fmt.format
    # ruleid: python.sql-injection.dbapi-execute
    cursor.execute(f"SELECT * FROM pragma_table_info({quote(table_name)})")


class SpatialSchema:
    geometry_tables = [
        "geometry_columns",
        "geometry_columns_auth",
    ]
    extra_tables = ["spatial_ref_sys"]

    def __init__(self, extra):
        self.extra_tables = extra

    def remove(self, cursor, table):
        for geom_table in self.geometry_tables:
            # ok: python.sql-injection.dbapi-execute
            cursor.execute("DELETE FROM %s WHERE f_table_name = %%s" % geom_table, [table])
        for other in self.extra_tables:
            # ruleid: python.sql-injection.dbapi-execute
            cursor.execute("DELETE FROM %s WHERE f_table_name = %%s" % other, [table])

    def _function(self, cursor, func):
        # ok: python.sql-injection.dbapi-execute
        cursor.execute("SELECT %s()" % func)
        return cursor.fetchone()[0]

    def versions(self, cursor):
        return self._function(cursor, "postgis_lib_version"), self._function(cursor, func="geos_version")

    def _lookup(self, cursor, column):
        # ruleid: python.sql-injection.dbapi-execute
        cursor.execute("SELECT %s FROM spatial_ref_sys" % column)
        return cursor.fetchall()

    def srtext(self, cursor, column):
        self._lookup(cursor, "srtext")
        return self._lookup(cursor, column)


def server_setting(cursor, name):
    # ruleid: python.sql-injection.dbapi-execute
    cursor.execute("SELECT setting FROM pg_settings WHERE name = '%s'" % name)
    return cursor.fetchone()


def timezone(cursor):
    return server_setting(cursor, "timezone")
