"""JavaScript / TypeScript SQL injection detection."""

from __future__ import annotations

import pytest

from .conftest import ids, src


def test_express_handler_building_sql_over_several_statements(scan):
    findings = scan(src('''
        const express = require("express");
        const mysql = require("mysql2/promise");
        const router = express.Router();

        router.get("/products", async (req, res) => {
          const { category, sort } = req.query;
          let sql = "SELECT id, name FROM products WHERE active = 1";
          if (category) {
            sql += ` AND category = '${category}'`;
          }
          sql = sql + " ORDER BY " + sort;
          const [rows] = await pool.query(sql);
          res.json(rows);
        });
    '''), "javascript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 12)]
    assert [(t.line, t.message) for t in findings[0].trace] == [
        (6, "`req.query` is request input"),
        (9, "`category` is interpolated into the SQL text"),
        (11, "`sort` is concatenated into the SQL text"),
        (12, "the SQL text reaches `pool.query()` here"),
    ]
    assert findings[0].extra["language"] == "javascript"


def test_typescript_class_with_a_forwarding_helper(scan):
    findings = scan(src('''
        import { Pool } from "pg";
        const LIMIT = 50;

        export class UserStore {
          constructor(private readonly pool: Pool) {}

          private async run<T>(sql: string): Promise<T[]> {
            const { rows } = await this.pool.query(sql as string);
            return rows as T[];
          }

          byName(name: string) {
            return this.run<User>(`SELECT * FROM users WHERE name = '${name}' LIMIT ${LIMIT}`);
          }

          recent() {
            return this.run<User>(`SELECT * FROM users ORDER BY created DESC LIMIT ${LIMIT}`);
          }
        }
    '''), "typescript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 13)]
    assert [t.line for t in findings[0].trace] == [13, 13, 8]


def test_tsx_component_calling_prisma(scan):
    findings = scan(src('''
        export default function Page({ id }: { id: string }) {
          const load = async () => {
            const rows = await prisma.$queryRawUnsafe(`SELECT * FROM "Post" WHERE author = ${id}`);
            const safe = await prisma.$queryRaw`SELECT * FROM "Post" WHERE author = ${id}`;
            return <div>{rows.length + safe.length}</div>;
          };
          return <button onClick={load}>Load</button>;
        }
    '''), "tsx")
    assert ids(findings) == [("javascript.sql-injection.prisma-raw-unsafe", 3)]


@pytest.mark.parametrize("code", [
    'db.query("SELECT * FROM users WHERE id = ?", [id]);',
    'client.query({ text: "SELECT * FROM users WHERE id = $1", values: [id] });',
    'knex("users").where({ id }).first();',
    'knex.raw("select * from users where id = ?", [id]);',
    'sequelize.query("SELECT * FROM users WHERE id = :id", { replacements: { id } });',
    'const sql = "SELECT * FROM t WHERE a = " + "1"; db.query(sql);',
    'db.query(`SELECT * FROM users`);',
    'db.query("SELECT * FROM t WHERE id = " + mysql.escape(id));',
    'db.query("SELECT * FROM " + connection.escapeId(table));',
    'db.query(format("SELECT * FROM %I WHERE name = %L", table, name));',
    'db.query("SELECT * FROM t WHERE id IN (" + Array(ids.length).fill("?").join(",") + ")", ids);',
    'console.log("SELECT * FROM users WHERE id = " + id);',
    'logger.info(`running SELECT * FROM users WHERE id = ${id}`);',
    'fetch("/api/query?sql=" + q);',
    'router.get("/users/" + id, handler);',
    'cache.get("user:" + id);',
    'db.query(baseQuery + " LIMIT 10");',
    'repo.createQueryBuilder("u").where("u.id = :id", { id }).getOne();',
])
def test_no_finding(scan, code):
    assert scan(code + "\n", "javascript") == []
    assert scan(code + "\n", "typescript") == []


def test_pg_format_with_unescaped_percent_s_is_reported(scan):
    findings = scan('db.query(format("SELECT * FROM t WHERE name = %s", name));\n', "javascript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 1)]


@pytest.mark.parametrize("code, rule", [
    ('connection.query("SELECT * FROM users WHERE id = " + id, cb);', "driver-query"),
    ('await conn.execute(`DELETE FROM t WHERE id = ${id}`);', "driver-query"),
    ('await sequelize.query(`SELECT * FROM u WHERE n = \'${n}\'`);', "sequelize-query"),
    ('await new sql.Request().query("SELECT * FROM u WHERE id = " + id);', "mssql-query"),
    ('await db.manyOrNone("SELECT * FROM u WHERE role = \'" + role + "\'");', "pg-promise"),
    ('await knex.raw(`SELECT * FROM u WHERE id = ${id}`);', "knex-raw"),
    ('knex("u").whereRaw("name = \'" + name + "\'");', "knex-raw"),
    ('db.prepare("SELECT * FROM u WHERE id = " + id).get();', "sqlite-statement"),
    ('db.run(`UPDATE u SET name = \'${name}\' WHERE id = 1`);', "sqlite-statement"),
    ('qb.orWhere(`u.name = \'${name}\'`);', "typeorm-where"),
    ('await prisma.$executeRawUnsafe("DELETE FROM x WHERE id = " + id);', "prisma-raw-unsafe"),
    ('const q = "SELECT * FROM u WHERE id = ".concat(id); db.query(q);', "driver-query"),
    ('db.query(["SELECT * FROM u WHERE id =", id].join(" "));', "driver-query"),
])
def test_each_sink_family(scan, code, rule):
    assert [f.rule_id for f in scan(code + "\n", "javascript")] == [f"javascript.sql-injection.{rule}"]


def test_imported_all_caps_constants_are_constants(scan):
    findings = scan(src('''
        import { PAGE_SIZE, TABLE } from "./config";
        import { pageSize } from "./config";
        export async function list(db, name) {
          await db.query(`SELECT * FROM ${TABLE} LIMIT ${PAGE_SIZE}`);
          await db.query(`SELECT * FROM items LIMIT ${pageSize}`);
        }
    '''), "typescript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 5)]


def test_allowlist_lookups_and_bounded_numbers_are_constants(scan):
    findings = scan(src('''
        const SORTS = { name: "name", date: "created_at" };
        async function list(pool, req) {
          const col = SORTS[req.query.sort] || "id";
          await pool.query(`SELECT * FROM t ORDER BY ${col}`);
          const limit = Math.min(parseInt(req.query.n, 10), 100);
          await pool.query(`SELECT * FROM t LIMIT ${limit}`);
          const dir = { asc: "ASC", desc: "DESC" }[req.query.dir] ?? "ASC";
          await pool.query(`SELECT * FROM t ORDER BY id ${dir}`);
          const picked = {};
          await pool.query(`SELECT * FROM t ORDER BY ${picked[req.query.sort]}`);
          await pool.query(`SELECT * FROM t ORDER BY ${[req.query.sort][0]}`);
          await pool.query(`SELECT * FROM t LIMIT ${Math.max(req.query.n, 1)}`);
          await pool.query(`SELECT * FROM t ORDER BY ${{ name: req.query.sort }.name}`);
        }
    '''), "javascript")
    assert [line for _, line in ids(findings)] == [10, 11, 12, 13]


@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_awaited_generic_calls_are_sinks(scan, language):
    """TypeScript parses `await db.query<Row>(sql)` as a call of `await db.query`."""
    findings = scan(src('''
        export async function find(ds: DataSource, prisma: PrismaClient, id: string) {
          await ds.query<User[]>(`SELECT * FROM users WHERE id = '${id}'`);
          const rows = await prisma.$queryRawUnsafe<User[]>(`SELECT * FROM users WHERE id = '${id}'`);
          const safe = await prisma.$queryRaw<User[]>`SELECT * FROM users WHERE id = ${id}`;
          return (await ds.query<User[]>("SELECT * FROM users WHERE id = $1", [id])).length;
        }
    '''), language)
    assert ids(findings) == [("javascript.sql-injection.driver-query", 2),
                             ("javascript.sql-injection.prisma-raw-unsafe", 3)]
    assert "reaches `ds.query()`" in findings[0].message


def test_query_config_objects_are_sinks(scan):
    findings = scan(src('''
        async function find(client, connection, req, name) {
          await client.query({ text: "SELECT * FROM users WHERE id = " + req.params.id, rowMode: "array" });
          connection.query({ sql: `SELECT * FROM users WHERE name = '${name}'`, timeout: 4000 }, cb);
          await client.query({ text: "SELECT * FROM users WHERE id = $1", values: [req.params.id] });
        }
    '''), "javascript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 2), ("javascript.sql-injection.driver-query", 3)]


def test_const_overwritten_by_let_reassignment(scan):
    assert scan(src('''
        function f(db, id) {
          let q = "SELECT * FROM t WHERE id = " + id;
          q = "SELECT * FROM t WHERE id = ?";
          return db.query(q, [id]);
        }
    '''), "javascript") == []
    findings = scan(src('''
        function f(db, id, safe) {
          let q = "SELECT * FROM t WHERE id = " + id;
          if (safe) q = "SELECT * FROM t WHERE id = ?";
          return db.query(q, [id]);
        }
    '''), "javascript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 4)]


def test_numbered_placeholders_built_from_the_index_are_safe(scan):
    assert scan(src('''
        async function byIds(client, ids) {
          const placeholders = ids.map((_, i) => `$${i + 1}`).join(", ");
          return client.query(`SELECT * FROM users WHERE id IN (${placeholders})`, ids);
        }
    '''), "typescript") == []


def test_a_default_for_a_request_value_is_still_the_request_value(scan):
    findings = scan(src('''
        function list(db, req) {
          const sort = req.query.sort || "id";
          return db.query("SELECT * FROM users ORDER BY " + sort);
        }
    '''), "javascript")
    assert [(f.rule_id, f.line) for f in findings] == [("javascript.sql-injection.driver-query", 3)]


def test_arrow_helper_and_loop_built_query(scan):
    findings = scan(src('''
        const run = async (sql) => (await pool.query(sql)).rows;

        export async function search(filters) {
          let where = "";
          for (const [key, value] of Object.entries(filters)) {
            where += ` AND ${key} = '${value}'`;
          }
          return run("SELECT * FROM items WHERE 1 = 1" + where);
        }

        export const all = () => run("SELECT * FROM items");
    '''), "javascript")
    assert [(f.rule_id, f.line) for f in findings] == [("javascript.sql-injection.driver-query", 8)]
    assert [t.line for t in findings[0].trace] == [6, 6, 8, 1]
