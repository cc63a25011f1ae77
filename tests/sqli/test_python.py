"""Python SQL injection detection: realistic functions, def-use, helpers, and false-positive traps."""

from __future__ import annotations

import pytest

from .conftest import ids, src


def test_query_built_over_several_statements_is_traced_to_each_part(scan):
    findings = scan(src('''
        import sqlite3

        def search_orders(conn, customer, status, limit):
            sql = "SELECT id, total FROM orders WHERE 1 = 1"
            if customer:
                sql += " AND customer = '" + customer + "'"
            if status:
                sql += " AND status = '%s'" % status
            sql += " ORDER BY created DESC"
            sql = sql + " LIMIT " + str(limit)
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchall()
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 12)]
    f = findings[0]
    assert [(t.line, t.message) for t in f.trace] == [
        (6, "`customer` is concatenated into the SQL text"),
        (8, "`status` is formatted into the SQL text"),
        (10, "`str(limit)` is concatenated into the SQL text"),
        (12, "the SQL text reaches `cur.execute()` here"),
    ]
    assert f.message == ("SQL text built from runtime values reaches `cur.execute()`; "
                         "a crafted value can change the query.")
    assert "%s" in f.fix and f.kind == "code" and f.extra["function"] == "search_orders"
    assert f.snippet == "cur.execute(sql)"


def test_simple_reassignment_chain_is_followed(scan):
    findings = scan(src('''
        def delete(cur, ident):
            base = f"DELETE FROM sessions WHERE user_id = {ident}"
            query = base
            final = query
            cur.execute(final)
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 5)]
    assert findings[0].trace[0].line == 2


def test_variable_overwritten_with_a_constant_before_use_is_safe(scan):
    assert scan(src('''
        def f(cur, uid):
            q = "SELECT * FROM t WHERE id = " + uid
            q = "SELECT * FROM t WHERE id = %s"
            cur.execute(q, (uid,))
    ''')) == []


def test_overwrite_in_one_branch_only_still_reaches(scan):
    findings = scan(src('''
        def f(cur, uid, safe):
            q = "SELECT * FROM t WHERE id = " + uid
            if safe:
                q = "SELECT * FROM t WHERE id = %s"
            cur.execute(q)
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 5)]


def test_helper_that_forwards_the_query_is_followed(scan):
    findings = scan(src('''
        class UserRepo:
            def __init__(self, conn):
                self.conn = conn

            def _fetch(self, sql, params=()):
                cur = self.conn.cursor()
                cur.execute(sql, params)
                return cur.fetchall()

            def by_email(self, email):
                return self._fetch("SELECT * FROM users WHERE email = '%s'" % email)

            def by_id(self, uid):
                return self._fetch("SELECT * FROM users WHERE id = %s", (uid,))
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 11)]
    trace = [(t.line, t.message) for t in findings[0].trace]
    assert trace == [
        (11, "`email` is formatted into the SQL text"),
        (11, "the SQL text is passed to `self._fetch()` here"),
        (7, "`_fetch()` passes its parameter `sql` to `cur.execute()`"),
    ]
    assert findings[0].extra["sink"] == "cur.execute()"


def test_two_level_helper_chain(scan):
    findings = scan(src('''
        def run(cur, sql):
            cur.execute(sql)

        def run_logged(cur, sql):
            print(sql)
            return run(cur, sql)

        def handler(cur, request):
            name = request.args["name"]
            return run_logged(cur, f"SELECT * FROM t WHERE name = '{name}'")
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 10)]
    assert [t.line for t in findings[0].trace] == [9, 10, 10, 6, 2]  # request input, built, passed, forwarded


@pytest.mark.parametrize("code", [
    # parameterized, every placeholder style
    'cur.execute("SELECT * FROM t WHERE id = ?", (uid,))',
    'cur.execute("SELECT * FROM t WHERE id = :id", {"id": uid})',
    'cur.execute("INSERT INTO t VALUES (%s, %s)", (a, b))',
    'await conn.fetch("SELECT * FROM t WHERE id = $1", uid)',
    # constants folded
    'cur.execute("SELECT * FROM t WHERE age = " + "3")',
    'cur.execute("SELECT * FROM t WHERE age = {}".format())',
    'cur.execute(f"SELECT * FROM t WHERE age = 3")',
    'cur.execute("SELECT * FROM t WHERE age = %d" % 3)',
    'cur.execute("SELECT * FROM t " "WHERE a = 1")',
    # quoting helpers and numeric casts
    'cur.execute(sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(tbl)), (uid,))',
    'cur.execute(psycopg.sql.SQL("SELECT {}").format(psycopg.sql.Literal(v)))',
    'cur.execute("SELECT * FROM t WHERE name = " + conn.escape(name))',
    'cur.execute("SELECT * FROM t LIMIT " + str(int(limit)))',
    'cur.execute(f"SELECT * FROM t LIMIT {len(rows)}")',
    # logging and other non-sinks
    'logger.info("SELECT * FROM users WHERE id = " + uid)',
    'print(f"SELECT * FROM users WHERE id = {uid}")',
    'log.debug("running %s", "SELECT * FROM t WHERE id = " + uid)',
    'raise ValueError(f"SELECT failed for {uid}")',
    # not SQL at all
    'pool.execute(f"rm -rf {path}")',
    'subprocess_runner.execute("ls " + directory)',
    # a query built elsewhere, extended with constants
    'cur.execute(base_query + " ORDER BY id")',
    'cur.execute(query)',
    'cur.execute(self.sql)',
])
def test_no_finding(scan, code):
    assert scan(code + "\n") == []


def test_module_constants_and_in_clause_placeholders_are_safe(scan):
    assert scan(src('''
        import sqlite3

        TABLE = "users"
        FIELDS = ", ".join(["id", "name", "email"])
        _BASE = "SELECT " + FIELDS + " FROM " + TABLE

        def by_ids(conn, ids):
            marks = ",".join("?" * len(ids))
            sql = f"{_BASE} WHERE id IN ({marks})"
            return conn.execute(sql, ids).fetchall()

        def by_names(cur, names):
            cur.execute("SELECT * FROM t WHERE name IN (%s)" % ", ".join(["%s"] * len(names)), names)

        def count(cur):
            cur.execute(f"SELECT count(*) FROM {TABLE}")
    ''')) == []


def test_imported_all_caps_constants_are_constants_and_stay_out_of_the_trace(scan):
    findings = scan(src('''
        from inventory.settings import PAGE_SIZE, TABLE as USERS_TABLE
        from inventory import settings, page_size

        def first_page(cur):
            cur.execute(f"SELECT * FROM {USERS_TABLE} LIMIT {PAGE_SIZE}")
            cur.execute("SELECT * FROM " + USERS_TABLE + " WHERE id = %s", (1,))

        def search(cur, name):
            cur.execute(f"SELECT * FROM items WHERE name LIKE '%{name}%' LIMIT {PAGE_SIZE}")

        def lower_case_import_is_a_runtime_value(cur):
            cur.execute(f"SELECT * FROM items LIMIT {page_size}")
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 9), ("python.sql-injection.dbapi-execute", 12)]
    assert [s.message.split("`")[1] for s in findings[0].trace[:-1]] == ["name"]


def test_allowlist_lookups_enum_values_and_bounded_numbers_are_constants(scan):
    findings = scan(src('''
        from enum import Enum

        SORT_COLUMNS = {"name": "name", "date": "created_at"}

        class Status(Enum):
            ACTIVE = "active"

        def safe(cur, sort, n):
            cur.execute(f"SELECT * FROM t ORDER BY {SORT_COLUMNS[sort]}")
            cur.execute(f"SELECT * FROM t ORDER BY {SORT_COLUMNS.get(sort, 'id')}")
            order = {"asc": "ASC", "desc": "DESC"}.get(sort, "ASC")
            cur.execute(f"SELECT * FROM t ORDER BY id {order}")
            cur.execute(f"SELECT * FROM t WHERE status = '{Status.ACTIVE.value}'")
            cur.execute(f"SELECT * FROM t LIMIT {min(int(n), 100)}")

        def unsafe(cur, request, sort, names):
            picked = []
            picked.append(request.args["n"])  # a mutated local list is not an allowlist
            cur.execute(f"SELECT * FROM t WHERE n = '{picked[0]}'")
            cur.execute(f"SELECT * FROM t WHERE n = '{names[0]}'")
            cur.execute(f"SELECT * FROM t ORDER BY {SORT_COLUMNS.get(sort, sort)}")
            cur.execute(f"SELECT * FROM t LIMIT {max(int(sort), request.args['n'])}")
            cur.execute(f"SELECT * FROM t WHERE a = '{request.GET['a']}' AND b = '{request.POST.get('b')}'")
            cur.execute(f"SELECT * FROM t WHERE a = '{request.GET.name}'")
    '''))
    assert [line for _, line in ids(findings)] == [19, 20, 21, 22, 23, 24]


def test_loop_over_constants_gives_constants(scan):
    findings = scan(src('''
        TABLES = ("users", "orders")

        def wipe(cur, names, request):
            for table in TABLES:
                cur.execute(f"DELETE FROM {table}")
            for i in range(3):
                cur.execute(f"SELECT * FROM t{i}")
            for col in ["a", "b"]:
                cur.execute("UPDATE t SET " + col + " = 0")
            for n in names:
                cur.execute(f"DELETE FROM t WHERE name = '{n}'")
            for q in [f"DELETE FROM t WHERE id = {request.args['id']}"]:
                cur.execute(q)
            for col in ["a", request.args["c"]]:
                cur.execute("UPDATE t SET " + col + " = 0")
    '''))
    assert [line for _, line in ids(findings)] == [11, 13, 15]


def test_dedented_multiline_sql_is_followed(scan):
    findings = scan(src('''
        import textwrap
        from inspect import cleandoc

        def by_id(cur, uid):
            cur.execute(textwrap.dedent(f"""
                SELECT * FROM users WHERE id = {uid}
            """))
            cur.execute(cleandoc("""
                SELECT * FROM users WHERE id = ?
            """), (uid,))
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 5)]
    assert "`uid` is interpolated" in findings[0].trace[0].message


def test_module_variable_that_is_reassigned_is_not_a_constant(scan):
    findings = scan(src('''
        table = "users"

        def configure(name):
            global table
            table = name

        def all_rows(cur):
            cur.execute("SELECT * FROM t WHERE owner = " + table)
    '''))
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 8)]


@pytest.mark.parametrize("code, rule", [
    ('pd.read_sql(f"SELECT * FROM sales WHERE region = \'{region}\'", con)', "pandas-read-sql"),
    ('df = read_sql_query("SELECT * FROM t WHERE y = " + year, engine)', "pandas-read-sql"),
    ('session.execute(f"DELETE FROM carts WHERE user_id = {uid}")', "sqlalchemy-execute"),
    ('db.session.execute("SELECT * FROM u WHERE e = \'%s\'" % e)', "sqlalchemy-execute"),
    ('stmt = text(f"SELECT * FROM users WHERE id = {uid}")', "sqlalchemy-text"),
    ('User.objects.raw("SELECT * FROM app_user WHERE name = \'%s\'" % name)', "django-raw"),
    ('qs.extra(where=["name = \'" + name + "\'"])', "django-extra"),
    ('qs.annotate(x=RawSQL(f"SELECT v FROM t WHERE id = {i}", ()))', "django-rawsql"),
    ('rows = await conn.fetchrow(f"SELECT * FROM users WHERE id = {uid}")', "asyncpg-query"),
    ('await cur.executemany(f"INSERT INTO log VALUES ({ts}, %s)", rows)', "dbapi-execute"),
    ('cur.executescript("DROP TABLE " + name)', "dbapi-execute"),
    ('cursor.execute(operation="SELECT * FROM t WHERE x = " + x)', "dbapi-execute"),
])
def test_each_sink_family(scan, code, rule):
    assert [f.rule_id for f in scan(code + "\n")] == [f"python.sql-injection.{rule}"]


def test_params_argument_does_not_excuse_built_sql(scan):
    findings = scan('cur.execute(f"SELECT * FROM t WHERE a = {a} AND b = %s", (b,))\n')
    assert ids(findings) == [("python.sql-injection.dbapi-execute", 1)]


def test_fingerprint_value_survives_line_moves(scan):
    body = 'def f(cur, uid):\n    cur.execute("SELECT * FROM t WHERE id = " + uid)\n'
    a = scan(body)[0]
    b = scan("import os\n\n\n" + body.replace("cur.execute(", "cur.execute(  "))[0]
    assert a.line != b.line and a.value_hash == b.value_hash


def test_findings_in_history_hunks_use_the_line_offset(sqli_rules):
    from buildrunner.engine.code import CodeMatcher
    from buildrunner.engine.model import Document

    doc = Document("a.py", 'cur.execute("SELECT * FROM t WHERE id = " + uid)\n', "python", line_offset=41)
    (f,) = CodeMatcher(sqli_rules).scan(doc)
    assert f.line == 42 and f.trace[0].line == 42


def test_document_without_sink_names_is_not_parsed(sqli_rules, monkeypatch):
    from buildrunner.engine import parsing
    from buildrunner.engine.code import CodeMatcher
    from buildrunner.engine.model import Document

    calls = []
    monkeypatch.setattr(parsing, "parse", lambda *a: calls.append(a))
    m = CodeMatcher(sqli_rules)
    assert m.scan(Document("a.py", "x = f'Hello {a} from b'\nprint(x)\n", "python")) == []
    assert calls == []  # (a SQL statement string is parsed: the built-sql rule looks at it)


def test_arithmetic_is_not_sql_text(scan):
    assert scan(src('''
        def page(cur, n, size):
            offset = (n - 1) * size
            cur.execute(f"SELECT * FROM t LIMIT {size + 0} OFFSET {offset}")
            cur.execute("SELECT * FROM t WHERE ok = " + str(n > 3))
    ''')) == []
    findings = scan('def f(cur, req):\n    col = req.args.get("sort") or "id"\n'
                    '    cur.execute("SELECT * FROM t ORDER BY " + col)\n')
    assert [f.line for f in findings] == [3]


def test_inline_formatting_hints_at_the_autofix(scan):
    (inline,) = scan('cur.execute(f"SELECT * FROM t WHERE id = {uid}")\n')
    assert "br security fix --dry-run" in inline.extra["hint"]
    (built,) = scan('cur.execute("SELECT * FROM t WHERE id = " + uid)\n')
    assert "hint" not in built.extra


def test_loop_built_in_clause_values_versus_placeholders(scan):
    unsafe = scan(src('''
        def by_names(cur, names):
            sql = "SELECT * FROM t WHERE name IN ("
            for i, n in enumerate(names):
                if i:
                    sql += ", "
                sql += "'" + n + "'"
            sql += ")"
            cur.execute(sql)
    '''))
    assert [(f.line, [t.line for t in f.trace]) for f in unsafe] == [(8, [6, 8])]
    assert scan(src('''
        def by_names(cur, names):
            sql = "SELECT * FROM t WHERE name IN ("
            for i, _ in enumerate(names):
                sql += ", ?" if i else "?"
            sql += ")"
            cur.execute(sql, names)
    ''')) == []
