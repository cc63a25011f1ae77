// Vulnerable-app style Node code (Express + mysql / pg / sqlite / ORMs).
const express = require("express");
const { Pool } = require("pg");
const router = express.Router();

router.post("/login", (req, res) => {
  const { username, password } = req.body;
  const sql = "SELECT * FROM users WHERE username = '" + username + "' AND password = '" + password + "'";
  // ruleid: javascript.sql-injection.driver-query
  connection.query(sql, (err, rows) => res.json(rows));
  // ok: javascript.sql-injection.driver-query
  connection.query("SELECT * FROM users WHERE username = ? AND password = ?", [username, password], cb);
});

router.get("/products/:id", async (req, res) => {
  // ruleid: javascript.sql-injection.driver-query
  const { rows } = await pool.query(`SELECT * FROM products WHERE id = ${req.params.id}`);
  // ok: javascript.sql-injection.driver-query
  const r2 = await pool.query("SELECT * FROM products WHERE id = $1", [req.params.id]);
  res.json(rows);
});

router.get("/search", async (req, res) => {
  let query = "SELECT * FROM products WHERE 1=1";
  if (req.query.category) {
    query += " AND category = '" + req.query.category + "'";
  }
  // ruleid: javascript.sql-injection.driver-query
  const rows = await db.query(query);
  // ruleid: javascript.sql-injection.sequelize-query
  const users = await sequelize.query("SELECT * FROM users WHERE name = '" + req.query.name + "'");
  // ok: javascript.sql-injection.sequelize-query
  const u2 = await sequelize.query("SELECT * FROM users WHERE name = :name", { replacements: { name: req.query.name } });
  // ruleid: javascript.sql-injection.knex-raw
  const k = await knex("users").orderByRaw(req.query.order);
  // ruleid: javascript.sql-injection.prisma-raw-unsafe
  const p = await prisma.$executeRawUnsafe("DELETE FROM sessions WHERE token = '" + req.body.token + "'");
  res.json(rows);
});

function byIds(db, ids) {
  const marks = ids.map(() => "?").join(",");
  // ok: javascript.sql-injection.sqlite-statement
  return db.prepare(`SELECT * FROM t WHERE id IN (${marks})`).all(...ids);
}

function sqliteCallback(db, name) {
  // ruleid: javascript.sql-injection.sqlite-statement
  db.all("SELECT * FROM notes WHERE name = '" + name + "'", (err, rows) => {});
  // ok: javascript.sql-injection.sqlite-statement
  db.all("SELECT * FROM notes WHERE name = ?", [name], (err, rows) => {});
}

async function pgp(db, id) {
  // ruleid: javascript.sql-injection.pg-promise
  await db.one("SELECT * FROM users WHERE id = " + id);
  // ok: javascript.sql-injection.pg-promise
  await db.one("SELECT * FROM users WHERE id = $1", [id]);
}

function messages(name) {
  // ok: javascript.sql-injection.driver-query
  console.log("SELECT from " + name);
}
