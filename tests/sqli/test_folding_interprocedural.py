"""Constants the analysis follows across a name binding, a loop or a function boundary of one file:
a sanitizer called through a local alias, loops over constant collections (module level, class
attribute), and private helpers' parameters that every call site passes a constant for."""

from __future__ import annotations

from .conftest import ids, src

DBAPI = "python.sql-injection.dbapi-execute"


def rule_lines(findings):
    return [line for _, line in ids(findings)]


# -- 1. a sanitizer through a local alias ----------------------------------------------------------

ALIAS = src("""
    from psycopg2.extensions import quote_ident
    def pragma(self, cur, table_name):
        quote = {bound}
        cur.execute(f"PRAGMA table_info({{quote(table_name)}})")
""")


def test_a_sanitizer_called_through_a_local_alias_is_a_sanitizer(scan):
    assert scan(ALIAS.format(bound="self.identifier_preparer.quote_identifier")) == []
    assert scan(ALIAS.format(bound="quote_ident")) == []


def test_an_alias_of_something_else_or_rebound_keeps_the_finding(scan):
    assert rule_lines(scan(ALIAS.format(bound="self.identifier_preparer.render"))) == [4]
    rebound = src("""
        def pragma(self, cur, table_name, fmt):
            quote = self.identifier_preparer.quote_identifier
            if fmt:
                quote = fmt
            cur.execute(f"PRAGMA table_info({quote(table_name)})")
    """)
    assert rule_lines(scan(rebound)) == [5]


def test_a_parameter_named_like_an_alias_is_not_an_alias(scan):
    code = src("""
        def pragma(cur, table_name, quote):
            cur.execute(f"PRAGMA table_info({quote(table_name)})")
    """)
    assert rule_lines(scan(code)) == [2]


# -- 2. loops over constant collections ------------------------------------------------------------

MODULE_LOOP = src("""
    _extensions = [
        ("citext", (13,)),
        ("hstore", (13,)),
    ]
    {extra}
    def create(cursor):
        for extension, min_version in _extensions:
            cursor.execute(f"SELECT * FROM {{extension}}")
""")


def test_a_loop_over_a_module_level_constant_collection_is_constant(scan):
    assert scan(MODULE_LOOP.format(extra="")) == []


def test_a_mutated_module_collection_keeps_the_finding(scan):
    lines = rule_lines(scan(MODULE_LOOP.format(extra="_extensions.append((input(), (1,)))")))
    assert lines == [8]


def test_a_loop_over_a_local_list_of_values_keeps_the_finding(scan):
    code = src("""
        def create(cursor, name):
            names = [name, "hstore"]
            for extension in names:
                cursor.execute(f"SELECT * FROM {extension}")
    """)
    assert rule_lines(scan(code)) == [4]


CLASS_LOOP = src("""
    class SchemaEditor:
        geometry_tables = [
            "geometry_columns",
            "geometry_columns_auth",
        ]

        def remove(self, cursor, table):
            for geom_table in self.geometry_tables:
                cursor.execute("DELETE FROM %s WHERE f_table_name = %%s" % geom_table, [table])
    {extra}
""")


def test_a_loop_over_a_constant_class_attribute_is_constant(scan):
    assert scan(CLASS_LOOP.format(extra="")) == []


def test_a_reassigned_class_attribute_keeps_the_finding(scan):
    extra = "\n    def configure(self, names):\n        self.geometry_tables = names\n"
    assert rule_lines(scan(CLASS_LOOP.format(extra=extra))) == [9]


def test_a_class_attribute_reassigned_elsewhere_in_the_file_keeps_the_finding(scan):
    extra = "\ndef configure(editor, names):\n    editor.geometry_tables = names\n"
    assert rule_lines(scan(CLASS_LOOP.format(extra=extra))) == [9]


# -- 3. private helpers' parameters ----------------------------------------------------------------

HELPER = src("""
    class Dialect:
        def _fetch_setting(self, connection, setting_name):
            cursor = connection.exec_driver_sql("SHOW VARIABLES LIKE '%s'" % setting_name)
            return cursor.fetchone()

        def detect_case(self, connection):
            return self._fetch_setting(connection, "lower_case_table_names")

        def detect_mode(self, connection):
            return self._fetch_setting(connection, setting_name="sql_mode")
        {extra}
""")
EXEC = "python.sql-injection.sqlalchemy-exec-driver-sql"


def test_a_private_helper_called_with_constants_everywhere_is_constant(scan):
    assert scan(HELPER.format(extra="")) == []


def test_one_non_constant_call_site_keeps_the_finding(scan):
    extra = "\n    def detect(self, connection, name):\n        return self._fetch_setting(connection, name)\n"
    assert (EXEC, 3) in ids(scan(HELPER.format(extra=extra)))


def test_a_helper_passed_as_a_value_keeps_the_finding(scan):
    extra = "\n    def all(self, connection, names):\n        return list(map(self._fetch_setting, names))\n"
    assert (EXEC, 3) in ids(scan(HELPER.format(extra=extra)))


def test_a_public_function_keeps_the_finding(scan):
    code = src("""
        def version_of(cursor, func):
            cursor.execute("SELECT %s()" % func)
            return cursor.fetchone()

        def versions(cursor):
            return version_of(cursor, "postgis_lib_version"), version_of(cursor, "postgis_version")
    """)
    assert rule_lines(scan(code)) == [2]


def test_a_private_function_with_constant_calls_and_defaults(scan):
    code = src("""
        def _version(cursor, func="postgis_version", *, schema="public"):
            cursor.execute("SELECT %s.%s()" % (schema, func))

        def versions(cursor):
            _version(cursor)
            _version(cursor, "postgis_lib_version", schema="extensions")
    """)
    assert scan(code) == []


def test_a_private_function_never_called_keeps_the_finding(scan):
    code = src("""
        def _version(cursor, func):
            cursor.execute("SELECT %s()" % func)
    """)
    assert rule_lines(scan(code)) == [2]


def test_constants_passed_through_a_chain_of_private_helpers(scan):
    code = src("""
        def _query(cursor, table):
            cursor.execute("SELECT * FROM %s" % table)

        def _both(cursor, table):
            _query(cursor, table)

        def run(cursor, user_table):
            _both(cursor, "sqlite_master")
            _both(cursor, {arg})
    """)
    assert scan(code.format(arg='"sqlite_temp_master"')) == []
    assert rule_lines(scan(code.format(arg="user_table"))) == [2]


def test_a_recursive_private_helper_is_not_folded(scan):
    code = src("""
        def _walk(cursor, table, depth):
            cursor.execute("SELECT * FROM %s" % table)
            if depth:
                _walk(cursor, table + "_child", depth - 1)

        def run(cursor):
            _walk(cursor, "nodes", 3)
    """)
    assert rule_lines(scan(code)) == [2]


def test_an_argument_built_by_an_overridable_method_call_keeps_the_finding(scan):
    code = src("""
        class Creation:
            def suffix(self):
                return ""

            def _create(self, cursor, parameters):
                cursor.execute("CREATE DATABASE %(dbname)s %(suffix)s" % parameters)

            def create(self, cursor):
                params = {"dbname": "test_db", "suffix": self.suffix()}
                self._create(cursor, params)
    """)
    assert rule_lines(scan(code)) == [6]
    assert scan(code.replace('self.suffix()', '""')) == []
