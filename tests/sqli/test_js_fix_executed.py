"""Every JavaScript autofix class executed with node before and after the rewrite, against real
databases: PostgreSQL (the throwaway cluster of pgserver.py) through `pg`, a throwaway MariaDB
server (mysqlserver.py) through `mysql` (query(): client-side `?` formatting) and `mysql2`
(execute(): server-side prepared statements), and SQLite through better-sqlite3.

Benign inputs return the same rows before and after the fix; an injection payload that makes the
original return every row returns nothing from the fixed code (no rows, or the driver rejects the
value). The drivers are installed by scripts/ensure-node-drivers.sh (`make test` runs it; the
fixture runs it too): a missing node or driver fails these tests, it never skips them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import USERS, make_users_sqlite, pack_rules

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "tests" / "node" / "run_case.js"
JS_RULES = pack_rules("sqli-javascript")

ROWS = USERS
ALL_IDS = [1, 2, 3, 4]

# How each driver runs the SQL expression `SQL` and returns the ids.
RUN = {
    "pg": "const { rows } = await db.query(SQL);\n  return rows.map((r) => r.id);",
    "better-sqlite3": "return db.prepare(SQL).all().map((r) => r.id);",
    "mysql": "return new Promise((resolve, reject) =>\n"
             "    db.query(SQL, (err, rows) => (err ? reject(err) : resolve(rows.map((r) => r.id)))));",
    "mysql2": "return new Promise((resolve, reject) =>\n"
              "    db.execute(SQL, (err, rows) => (err ? reject(err) : resolve(rows.map((r) => r.id)))));",
}
REQUIRE = {"pg": 'const pg = require("pg");', "better-sqlite3": 'const Database = require("better-sqlite3");',
           "mysql": 'const mysql = require("mysql");', "mysql2": 'const mysql = require("mysql2");'}

# (name, parameters, statements before the call, SQL expression, benign argument lists, payload)
CASES = [
    ("value after = in a template literal", "uid", "", "`SELECT id FROM users WHERE id = ${uid} ORDER BY id`",
     [[2], ["3"]], ["2 OR 1=1"]),
    ("quoted value in a + chain", "name", "", "\"SELECT id FROM users WHERE name = '\" + name + \"' ORDER BY id\"",
     [["bob"], ["alice"], ["nobody"]], ["x' OR '1'='1"]),
    ("LIKE pattern", "term", "", "`SELECT id FROM users WHERE name LIKE '%${term}%' ORDER BY id`",
     [["ar"], ["ol"], ["zz"]], ["' OR 1=1 OR name = '"]),
    ("IN list joined from a const array", "ids", "const list = Array.from(ids);",
     '"SELECT id FROM users WHERE id IN (" + list.join(",") + ") ORDER BY id"',
     [[["1", "3"]], [["2"]]], [["1) OR (1=1"]]),
    ("a quoted value, then an IN list", "role, ids", "const list = [...ids];",
     "\"SELECT id FROM users WHERE role = '\" + role + \"' AND id IN (\" + list.join(\", \") + \") ORDER BY id\"",
     [["user", [2, 3]], ["admin", [2, 3]]], ["x' OR 1=1 OR role = '", [1]]),
    ("SQL assembled over several statements", "name, role",
     "let sql = \"SELECT id FROM users WHERE id > 0\";\n  sql += \" AND name = '\" + name + \"'\";\n"
     "  sql += ` AND role = '${role}'`;\n  sql += \" ORDER BY id\";", "sql",
     [["bob", "user"], ["alice", "user"]], ["x' OR 1=1 OR name = '", "user"]),
    ("backslash-escaped quotes", "name", "", "'SELECT id FROM users WHERE name = \\'' + name + '\\' ORDER BY id'",
     [["bob"], ["alice"]], ["x' OR 1=1 OR name = '"]),
    ("a number and a quoted string", "uid, name", "",
     "`SELECT id FROM users WHERE id = ${uid} OR name = '${name}' ORDER BY id`",
     [[1, "alice"], [2, "alice"], [9, "carol%"]], [0, "' OR '1'='1"]),
]
CASE_IDS = [c[0] for c in CASES]

# Call shapes only one driver has: (name, driver, parameters, body, benign, payload)
SHAPES = [
    ("pg {text} config object", "pg", "uid",
     "const res = await db.query({ text: \"SELECT id FROM users WHERE id = \" + uid + \" ORDER BY id\","
     " rowMode: \"array\" });\n  return res.rows.map((r) => r[0]);", [[1], ["4"]], ["0 OR true"]),
    ("pg callback", "pg", "name",
     "return new Promise((resolve, reject) => {\n"
     "    db.query(\"SELECT id FROM users WHERE name = '\" + name + \"' ORDER BY id\", (err, res) =>\n"
     "      err ? reject(err) : resolve(res.rows.map((r) => r.id)));\n  });", [["bob"], ["carol%"]], ["' OR ''='"]),
    ("mysql {sql} options object", "mysql", "name",
     "return new Promise((resolve, reject) =>\n"
     "    db.query({ sql: \"SELECT id FROM users WHERE name = '\" + name + \"' ORDER BY id\", timeout: 4000 },\n"
     "      (err, rows) => (err ? reject(err) : resolve(rows.map((r) => r.id)))));",
     [["bob"], ["nobody"]], ["' OR ''='"]),
    ("better-sqlite3 pluck().all()", "better-sqlite3", "name",
     "return db.prepare(`SELECT id FROM users WHERE name = '${name}' ORDER BY id`).pluck().all();",
     [["bob"], ["nobody"]], ["x' OR '1'='1"]),
    ("better-sqlite3 statement stored and run once", "better-sqlite3", "name",
     "const stmt = db.prepare(\"SELECT id FROM users WHERE name = '\" + name + \"' ORDER BY id\");\n"
     "  const rows = stmt.all();\n  return rows.map((r) => r.id);", [["bob"], ["carol%"]], ["' OR 1=1 OR '"]),
    ("better-sqlite3 get()", "better-sqlite3", "name",
     "const row = db.prepare(\"SELECT count(*) AS n FROM users WHERE name = '\" + name + \"'\").get();\n"
     "  return row.n === 0 ? [] : [1, 2, 3, 4].slice(0, row.n);", [["bob"], ["nobody"]], ["' OR 1=1 OR '"]),
]


@pytest.fixture(scope="session")
def node_modules() -> str:
    proc = subprocess.run(["bash", str(REPO / "scripts" / "ensure-node-drivers.sh")], capture_output=True,
                          text=True, timeout=1200)
    if proc.returncode != 0:
        pytest.fail(f"node drivers not installed (scripts/ensure-node-drivers.sh): {proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def pg_target(postgres):
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS jsfix")
        conn.execute("CREATE DATABASE jsfix")
    with psycopg.connect(postgres.replace("dbname=postgres", "dbname=jsfix"), autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id integer PRIMARY KEY, name text, role text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO users VALUES (%s, %s, %s)", ROWS)
    info = dict(part.split("=", 1) for part in postgres.split())
    return json.dumps({"host": info["host"], "port": int(info["port"]), "user": info["user"], "database": "jsfix"})


@pytest.fixture(scope="module")
def mysql_target():
    from .mysqlserver import MariaDBServer

    server = MariaDBServer().start()
    rows = ", ".join("({}, '{}', '{}')".format(i, n.replace("'", "''"), r) for i, n, r in ROWS)
    setup = subprocess.run(["mariadb", "--no-defaults", f"--socket={server.socket}", "-e",
                            "CREATE DATABASE jsfix; CREATE TABLE jsfix.users (id int PRIMARY KEY, name varchar(20), "
                            f"role varchar(20)); INSERT INTO jsfix.users VALUES {rows};"],
                           capture_output=True, text=True, timeout=60)
    try:
        assert setup.returncode == 0, setup.stderr
        yield json.dumps({"socketPath": str(server.socket), "user": "root", "database": "jsfix"})
    finally:
        server.stop()


@pytest.fixture
def targets(request, tmp_path):
    """driver → connection target, starting only the servers a test uses."""
    def target(driver: str) -> str:
        if driver == "pg":
            return request.getfixturevalue("pg_target")
        if driver in ("mysql", "mysql2"):
            return request.getfixturevalue("mysql_target")
        return request.getfixturevalue("sqlite_target")
    return target


@pytest.fixture
def sqlite_target(tmp_path) -> str:
    path = tmp_path / "app.db"
    make_users_sqlite(path)
    return str(path)


def module_source(driver: str, params: str, body: str) -> str:
    return f"{REQUIRE[driver]}\n\nasync function q(db, {params}) {{\n  {body}\n}}\n\nmodule.exports = {{ q }};\n"


def fixed_source(text: str, path: str = "app.js"):
    from buildrunner.engine.fixes.apply import fix_text

    findings = CodeMatcher(JS_RULES).scan(Document(path, text, "javascript"))
    assert findings, "the case must be reported before it is fixed"
    return fix_text(path, text, findings, JS_RULES)


def run_node(node_modules: str, tmp_path: Path, source: str, driver: str, target: str, calls: list) -> list:
    """Each call's ids, or the database error's code (the value was rejected, nothing ran)."""
    module = tmp_path / f"case_{abs(hash(source))}.js"
    module.write_text(source)
    proc = subprocess.run([shutil.which("node") or "node", str(HARNESS), str(module), driver, target],
                          input=json.dumps(calls), capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NODE_PATH": node_modules})
    assert proc.returncode == 0, proc.stderr
    return [r["rows"] if "rows" in r else r["error"] for r in json.loads(proc.stdout)]


def prove(node_modules, tmp_path, source: str, driver: str, target: str, benign, payload) -> str:
    result = fixed_source(source)
    assert not result.refused, [p.reason for p in result.refused]
    assert result.fixed != source
    before = run_node(node_modules, tmp_path, source, driver, target, [*benign, payload])
    after = run_node(node_modules, tmp_path, result.fixed, driver, target, [*benign, payload])
    assert all(isinstance(rows, list) for rows in before[:-1]), before
    assert after[:-1] == before[:-1], (before, after, result.fixed)
    assert before[-1] == ALL_IDS, f"the payload must change the original query: {before[-1]}"
    if driver.startswith("mysql"):
        # MySQL compares a string parameter with an int column as a number: '2 OR 1=1' finds row 2
        assert after[-1] != ALL_IDS and (isinstance(after[-1], str) or len(after[-1]) <= 1), (after[-1], result.fixed)
    else:
        assert after[-1] == [] or isinstance(after[-1], str), (after[-1], result.fixed)
    return result.fixed


def case_source(driver: str, params: str, prelude: str, sql: str) -> str:
    body = (prelude + "\n  " if prelude else "") + RUN[driver].replace("SQL", sql, 1)
    return module_source(driver, params, body)


@pytest.mark.parametrize("name, params, prelude, sql, benign, payload", CASES, ids=CASE_IDS)
def test_fix_keeps_rows_and_stops_injection_postgres_pg(node_modules, pg_target, tmp_path, name, params, prelude,
                                                        sql, benign, payload):
    fixed = prove(node_modules, tmp_path, case_source("pg", params, prelude, sql), "pg", pg_target, benign, payload)
    assert "$1" in fixed or "`$${i + 1}`" in fixed


@pytest.mark.parametrize("driver", ["mysql", "mysql2"])
@pytest.mark.parametrize("name, params, prelude, sql, benign, payload", CASES, ids=CASE_IDS)
def test_fix_keeps_rows_and_stops_injection_mariadb(node_modules, mysql_target, tmp_path, driver, name, params,
                                                    prelude, sql, benign, payload):
    fixed = prove(node_modules, tmp_path, case_source(driver, params, prelude, sql), driver, mysql_target, benign,
                  payload)
    assert "?" in fixed


@pytest.mark.parametrize("name, params, prelude, sql, benign, payload", CASES, ids=CASE_IDS)
def test_fix_keeps_rows_and_stops_injection_better_sqlite3(node_modules, sqlite_target, tmp_path, name, params,
                                                           prelude, sql, benign, payload):
    source = case_source("better-sqlite3", params, prelude, sql)
    fixed = prove(node_modules, tmp_path, source, "better-sqlite3", sqlite_target, benign, payload)
    assert "?" in fixed


@pytest.mark.parametrize("name, driver, params, body, benign, payload", SHAPES, ids=[s[0] for s in SHAPES])
def test_driver_call_shapes_keep_rows_and_stop_injection(node_modules, targets, tmp_path, name, driver, params,
                                                         body, benign, payload):
    prove(node_modules, tmp_path, module_source(driver, params, body), driver, targets(driver), benign, payload)


# Rewrites a placeholder cannot express: each is refused, and executing the naive rewrite shows why
# (different rows, or an error where the original ran).
REFUSED = [
    ("IN list from a value not proven to be an array", "better-sqlite3", "ids",
     'return db.prepare("SELECT id FROM users WHERE id IN (" + ids.join(",") + ") ORDER BY id").all().map((r) => r.id);',
     "not proven to be a list", [["1", "3"]],
     ('"SELECT id FROM users WHERE id IN (" + ids.join(",") + ") ORDER BY id").all(',
      '"SELECT id FROM users WHERE id IN (?) ORDER BY id").all(ids.join(",")')),
    ("ORDER BY direction", "pg", "dir",
     "const { rows } = await db.query(`SELECT id FROM users ORDER BY id ${dir}`);\n  return rows.map((r) => r.id);",
     "value position", ["DESC"],
     ("`SELECT id FROM users ORDER BY id ${dir}`)", "`SELECT id FROM users ORDER BY id $1`, [dir])")),
    ("several statements in one call", "pg", "name",
     "await db.query(\"UPDATE users SET role = role WHERE name = '\" + name + \"'; SELECT 1\");\n"
     "  const { rows } = await db.query(\"SELECT id FROM users WHERE name = 'bob'\");\n  return rows.map((r) => r.id);",
     "several statements", ["bob"],
     ("\"UPDATE users SET role = role WHERE name = '\" + name + \"'; SELECT 1\")",
      "\"UPDATE users SET role = role WHERE name = $1; SELECT 1\", [name])")),
    ("exec() of a script", "better-sqlite3", "name",
     "db.exec(\"UPDATE users SET role = 'x' WHERE name = '\" + name + \"'\");\n"
     "  return db.prepare(\"SELECT id FROM users WHERE role = 'x'\").all().map((r) => r.id);",
     "takes no parameters", ["bob"],
     ("\"UPDATE users SET role = 'x' WHERE name = '\" + name + \"'\")",
      "\"UPDATE users SET role = 'x' WHERE name = ?\", [name])")),
    ("LIMIT value for mysql", "mysql", "n",
     "return new Promise((resolve, reject) =>\n"
     "    db.query(\"SELECT id FROM users ORDER BY id LIMIT \" + n, (err, rows) => (err ? reject(err) : resolve(rows.map((r) => r.id)))));",
     "LIMIT/OFFSET", ["2"],
     ("\"SELECT id FROM users ORDER BY id LIMIT \" + n,", "\"SELECT id FROM users ORDER BY id LIMIT ?\", [String(n)],")),
]


def test_mysql_values_are_bound_as_strings_so_an_object_is_not_expanded(node_modules, mysql_target, tmp_path):
    r"""mysql formats an object parameter as `key` = value pairs: `name = ?` with {"name": 1} becomes
    `name = \`name\` = 1`, true on every row. The fix binds String(value): the '[object Object]' text
    the original query compared with, so the request's object finds nothing before and after."""
    source = case_source("mysql", "name", "", CASES[1][3])
    fixed = fixed_source(source).fixed
    assert "String(name)" in fixed
    payload = [[{"name": 1}]]
    naive = fixed.replace("String(name)", "name")
    assert run_node(node_modules, tmp_path, source, "mysql", mysql_target, payload) == [[]]
    assert run_node(node_modules, tmp_path, fixed, "mysql", mysql_target, payload) == [[]]
    assert run_node(node_modules, tmp_path, naive, "mysql", mysql_target, payload) == [ALL_IDS]


@pytest.mark.parametrize("name, driver, params, body, reason, args, naive", REFUSED, ids=[r[0] for r in REFUSED])
def test_rewrites_that_would_change_results_are_refused(node_modules, targets, tmp_path, name, driver, params, body,
                                                        reason, args, naive):
    source = module_source(driver, params, textwrap.dedent(body))
    result = fixed_source(source)
    assert result.fixed == source and not result.applied
    assert any(reason in p.reason for p in result.refused), [p.reason for p in result.refused]
    naive_source = source.replace(*naive)
    assert naive_source != source
    results = []
    for code in (source, naive_source):
        target = targets(driver)
        if driver == "better-sqlite3":  # each version on its own copy: the case may write
            shutil.copy(target, tmp_path / f"copy{len(results)}.db")
            target = str(tmp_path / f"copy{len(results)}.db")
        results.append(run_node(node_modules, tmp_path, code, driver, target, [args])[0])
    expected, got = results
    assert isinstance(expected, list) and got != expected, (expected, got)
