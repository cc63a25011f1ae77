"""JavaScript/TypeScript autofixes: the rewrite each driver's call shape gets, every refusal with its
reason, and the CLI. (Executed with node against real databases: test_js_fix_executed.py.)"""

from __future__ import annotations

import json

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document
from buildrunner.engine.parsing import language_for_path

from .conftest import pack_rules, src

JS_RULES = pack_rules("sqli-javascript")


def fix(text: str, path: str = "app.js"):
    from buildrunner.engine.fixes.apply import fix_text

    findings = CodeMatcher(JS_RULES).scan(Document(path, text, language_for_path(path)))
    assert findings, "the case must be reported"
    return fix_text(path, text, findings, JS_RULES)


def fixed_line(text: str, path: str = "app.js") -> str:
    result = fix(text, path)
    assert not result.refused, [p.reason for p in result.refused]
    changed = [b for a, b in zip(text.splitlines(), result.fixed.splitlines(), strict=True) if a != b]
    return "\n".join(changed).strip()


MYSQL = 'const mysql = require("mysql");\n'
MYSQL2 = 'import mysql from "mysql2/promise";\n'
PG = 'const { Pool } = require("pg");\n'
SQLITE = 'import Database from "better-sqlite3";\n'


@pytest.mark.parametrize("header, call, expected", [
    (MYSQL, """conn.query("SELECT * FROM users WHERE id = " + id, (err, rows) => done(rows));""",
     """conn.query("SELECT * FROM users WHERE id = ?", [String(id)], (err, rows) => done(rows));"""),
    (MYSQL, """conn.query({ sql: `SELECT * FROM t WHERE name = '${name}'`, timeout: 40 }, function (e, r) {});""",
     """conn.query({ sql: `SELECT * FROM t WHERE name = ?`, values: [String(name)], timeout: 40 }, function (e, r) {});"""),
    (MYSQL2, """const [rows] = await conn.execute(`SELECT * FROM t WHERE a = ${a} AND b LIKE '${b}%'`);""",
     """const [rows] = await conn.execute(`SELECT * FROM t WHERE a = ? AND b LIKE ?`, [String(a), `${b}%`]);"""),
    (MYSQL2, """const xs = [a, b];\n  conn.query("SELECT * FROM t WHERE id IN (" + xs.join(",") + ")", () => 1);""",
     """conn.query("SELECT * FROM t WHERE id IN (" + xs.map(() => "?").join(", ") + ")", [...xs.map(String)], () => 1);"""),
    (PG, """const { rows } = await pool.query('SELECT * FROM t WHERE a = \\'' + a + '\\' AND n > ' + n);""",
     """const { rows } = await pool.query('SELECT * FROM t WHERE a = $1 AND n > $2', [String(a), n]);"""),
    (PG, """await client.query({ name: "q", text: "SELECT * FROM t WHERE id = " + id });""",
     """await client.query({ name: "q", text: "SELECT * FROM t WHERE id = $1", values: [id] });"""),
    (SQLITE, """const row = db.prepare(`SELECT * FROM t WHERE id = ${id}`).get();""",
     """const row = db.prepare(`SELECT * FROM t WHERE id = ?`).get(id);"""),
    (SQLITE, """for (const r of db.prepare("SELECT * FROM t WHERE a = '" + a + "'").raw().iterate()) use(r);""",
     """for (const r of db.prepare("SELECT * FROM t WHERE a = ?").raw().iterate(String(a))) use(r);"""),
], ids=["mysql callback", "mysql options object", "mysql2 execute + LIKE", "mysql IN list", "pg escaped quotes", "pg config object",
        "better-sqlite3 get", "better-sqlite3 raw().iterate"])
def test_driver_call_shapes(header, call, expected):
    text = header + "async function f(conn, client, pool, db, id, a, b, n, name, done, use) {\n  " + call + "\n}\n"
    assert fixed_line(text) == expected


def test_typescript_array_annotation_expands_an_in_list():
    text = SQLITE + src('''
        export function byIds(db: Database.Database, ids: number[], role: string) {
          return db.prepare("SELECT * FROM t WHERE id IN (" + ids.join(",") + ") AND role = '" + role + "'").all();
        }
    ''')
    assert fixed_line(text, "db.ts") == ('return db.prepare("SELECT * FROM t WHERE id IN (" + ids.map(() => "?")'
                                         '.join(", ") + ") AND role = ?").all(...ids, String(role));')


def test_a_stored_statement_run_once_gets_the_values_where_it_runs():
    text = SQLITE + src('''
        function byName(db, name) {
          const stmt = db.prepare("SELECT * FROM users WHERE name = '" + name + "'");
          return () => stmt.pluck().all();
        }
    ''')
    result = fix(text)
    assert not result.refused, [p.reason for p in result.refused]
    assert 'const stmt = db.prepare("SELECT * FROM users WHERE name = ?");' in result.fixed
    assert "return () => stmt.pluck().all(String(name));" in result.fixed


def test_typescript_generic_query_calls_are_fixed():
    text = PG + src('''
        export async function f(pool: Pool, id: string) {
          const { rows } = await pool.query<{ id: number }>(`SELECT id FROM users WHERE name = '${id}'`);
          return rows;
        }
    ''')
    assert fixed_line(text, "a.ts") == ("const { rows } = await pool.query<{ id: number }>(`SELECT id FROM users "
                                         "WHERE name = $1`, [String(id)]);")


def test_pg_in_list_gets_numbered_placeholders_after_the_other_values():
    text = PG + src('''
        async function f(pool, role, ids: Array<string>) {
          return pool.query(`SELECT * FROM t WHERE role = '${role}' AND id IN (${ids.join(",")})`);
        }
    ''')
    assert fixed_line(text, "a.ts") == ("return pool.query(`SELECT * FROM t WHERE role = $1 AND id IN (` + "
                                         "ids.map((_, i) => `$${i + 2}`).join(\", \") + `)`, [String(role), ...ids]);")


def test_sql_assembled_over_several_statements_is_rewritten_in_each():
    text = PG + src('''
        async function search(pool, name, min) {
          // the base query
          let sql = "SELECT * FROM products WHERE name = '" + name + "'";
          sql += ` AND price > ${min}`;
          const { rows } = await pool.query(sql);
          return rows;
        }
    ''')
    result = fix(text)
    assert not result.refused
    assert """let sql = "SELECT * FROM products WHERE name = $1";""" in result.fixed
    assert "sql += ` AND price > $2`;" in result.fixed
    assert "await pool.query(sql, [String(name), min]);" in result.fixed


REFUSALS = [
    ("no driver import", "", 'db.query("SELECT * FROM t WHERE id = " + id);', "driver unknown"),
    ("two SQL libraries", PG + 'const knex = require("knex");\n', 'db.query("SELECT * FROM t WHERE id = " + id);',
     "several SQL libraries"),
    ("pg file with ?-style queries", PG + 'const ok = (c, a) => c.query("SELECT 1 FROM t WHERE a = ?", [a]);\n',
     'db.query("SELECT * FROM t WHERE id = " + id);', "another placeholder style"),
    ("values already passed", PG, 'db.query("SELECT * FROM t WHERE a = $1 AND b = " + b, [a]);', "already passes values"),
    ("second argument values or callback", MYSQL, 'db.query("SELECT * FROM t WHERE b = " + b, cb);',
     "may be values or a callback"),
    ("text already has ?", MYSQL, """db.query("SELECT * FROM t WHERE a = '?' AND b = " + b, (e) => e);""",
     "already contains '?'"),
    ("identifier", PG, "db.query(`SELECT * FROM ${table} WHERE id = 1`);", "not in a value position"),
    ("ORDER BY direction", PG, "db.query(`SELECT * FROM t ORDER BY id ${dir}`);", "not in a value position"),
    ("quoted identifier", PG, 'db.query(`SELECT "${col}" FROM t`);', "identifier position"),
    ("IN list of unknown type", PG, 'db.query("SELECT * FROM t WHERE id IN (" + ids.join(",") + ")");',
     "not proven to be a list"),
    ("whole IN list in one value", PG, "db.query(`SELECT * FROM t WHERE id IN (${ids})`);", "whole IN (...) list"),
    ("several statements", PG, 'db.query("DELETE FROM a WHERE id = " + id + "; DELETE FROM b");',
     "several statements"),
    ("exec", SQLITE, 'db.exec("DELETE FROM a WHERE id = " + id);', "takes no parameters"),
    ("prepared statement stored", SQLITE, 'const st = db.prepare("SELECT * FROM a WHERE id = " + id);',
     "stored or run elsewhere"),
    ("prepared statement run twice", SQLITE,
     'const st = db.prepare("SELECT * FROM a WHERE id = " + id);\n  st.get();\n  return st.all();',
     "stored or run elsewhere"),
    ("prepared statement, value changed before it runs", SQLITE,
     'const st = db.prepare("SELECT * FROM a WHERE id = " + id);\n  id += 1;\n  return st.all();',
     "might have changed"),
    ("mysql LIMIT", MYSQL, 'db.query("SELECT * FROM t LIMIT " + n, (e) => e);', "LIMIT/OFFSET"),
    ("text in a variable, then a value", PG,
     'const base = "SELECT * FROM t WHERE id = ";\n  db.query(base + id + " AND x = 1");', "numeric sum"),
    ("value with side effects moved", PG,
     'let q = "SELECT * FROM t WHERE a = " + next();\n  q += " AND b = " + b;\n  db.query(q);', "side effects"),
    ("assigned without a declaration", PG,
     'q = "SELECT * FROM t WHERE a = " + a;\n  db.query(q);', "cannot follow"),
    ("SQL built, then run in a callback after the value changed", PG,
     'let q = "SELECT * FROM t WHERE a = " + a;\n  setTimeout(() => db.query(q), 10);\n  a = 2;',
     "might have changed"),
    ("variable used elsewhere", PG,
     'let q = "SELECT * FROM t WHERE a = " + a;\n  db.query(q);\n  log(q);', "used elsewhere"),
    ("pg IN list followed by values", PG,
     'const ids = [1, 2];\n  db.query("SELECT * FROM t WHERE id IN (" + ids.join(",") + ") AND a = " + a);',
     "numbers would shift"),
    ("escaped by hand", PG, """db.query("SELECT * FROM t WHERE a = '" + a.replace(/'/g, "''") + "'");""",
     "already escaped"),
    ("a value concatenating SQL text", PG, """db.query("SELECT * FROM t WHERE a = " + ("'" + a + "'"));""",
     "itself built by concatenating"),
    ("a value choosing quoted SQL", PG, """db.query(`SELECT * FROM t WHERE a = ${b ? "'x'" : a}`);""",
     "builds quoted SQL text"),
    ("computed property in the options", MYSQL,
     'db.query({ [b]: 1, sql: "SELECT * FROM t WHERE a = " + a }, (e) => e);', "computed properties"),
    ("a larger quoted literal", PG, "db.query(`SELECT * FROM t WHERE a = 'x${a}\\\\'`);", "larger quoted literal"),
]


@pytest.mark.parametrize("name, header, body, reason", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_name_the_reason_and_change_nothing(name, header, body, reason):
    text = header + "async function f(db, id, a, b, n, cb, ids, table, dir, col, log, next) {\n  " + body + "\n}\n"
    findings = CodeMatcher(JS_RULES).scan(Document("app.js", text, "javascript"))
    if not findings:
        pytest.fail(f"{name}: not reported, so nothing to refuse")
    result = fix(text)
    assert result.fixed == text and not result.applied
    assert any(reason in p.reason for p in result.refused), [p.reason for p in result.refused]


def test_a_file_with_syntax_errors_is_not_rewritten():
    text = PG + 'async function f(db, id) {\n  db.query("SELECT * FROM t WHERE id = " + id);\n  if (\n}\n'
    result = fix(text)
    assert result.fixed == text and "syntax errors" in result.refused[0].reason


def test_cli_rewrites_javascript_and_typescript_files(git_repo, br):
    git_repo.write("web/db.js", PG + 'async function f(pool, id) {\n  return pool.query("SELECT * FROM t WHERE id = " + id);\n}\n')
    git_repo.write("web/cache.ts", SQLITE + "export const get = (db: any, k: string) =>\n"
                                            "  db.prepare(`SELECT v FROM kv WHERE k = '${k}'`).get();\n")
    git_repo.write("web/raw.js", "export const q = (db, t) => db.query(`SELECT * FROM t WHERE id = ${t}`);\n")
    dry = br("security", "fix", "--dry-run", "--json", cwd=git_repo.root)
    assert dry.exit_code == 1
    data = json.loads(dry.stdout)
    assert data["applied"] == 2 and data["refused"] == 1
    by_path = {f["path"]: f for f in data["files"]}
    assert '+  return pool.query("SELECT * FROM t WHERE id = $1", [id]);' in by_path["web/db.js"]["diff"]
    assert "driver unknown" in by_path["web/raw.js"]["refused"][0]["reason"]
    assert "$1" not in (git_repo.root / "web/db.js").read_text()  # a dry run writes nothing

    res = br("security", "fix", "web/db.js", "web/cache.ts", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert "[id]);" in (git_repo.root / "web/db.js").read_text()
    assert "db.prepare(`SELECT v FROM kv WHERE k = ?`).get(String(k));" in (git_repo.root / "web/cache.ts").read_text()
    check = br("security", "check", "web/db.js", "web/cache.ts", "--rules", "javascript.sql-injection",
               cwd=git_repo.root)
    assert check.exit_code == 0, check.output


def test_sarif_carries_the_javascript_autofix(git_repo):
    from buildrunner.engine import scan as scan_mod
    from buildrunner.engine import sources
    from buildrunner.engine.fixes import attach_autofixes
    from buildrunner.engine.rules import load_rules
    from buildrunner.project import discover

    git_repo.write("db.js", PG + 'const f = (pool, id) =>\n  pool.query("SELECT * FROM t WHERE id = " + id);\n')
    project = discover(git_repo.root)
    rules = load_rules(project).select(ids=["javascript.sql-injection"]).rules
    result = scan_mod.scan(project, list(sources.files(project)), rules, jobs=1)
    assert attach_autofixes(result, project.root) == 1
    fx = result.findings[0].autofix
    assert (fx.start_line, fx.start_column, fx.end_line) == (3, 14, 3)
    assert fx.replacement == '"SELECT * FROM t WHERE id = $1", [id]' and fx.safe
