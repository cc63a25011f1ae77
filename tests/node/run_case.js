// Runs `q(db, ...args)` exported by one module once per argument list, each on a fresh connection,
// and prints [{rows} | {error}] as JSON (tests/sqli/test_js_fix_executed.py).
// usage: node run_case.js <module> <pg|mysql|mysql2|better-sqlite3> <target: connection config JSON | sqlite file>
//        < calls.json
"use strict";
const fs = require("fs");

const [modulePath, driver, target] = process.argv.slice(2);

async function connect() {
  if (driver === "pg") {
    const { Client } = require("pg");
    const client = new Client(JSON.parse(target));
    await client.connect();
    return [client, () => client.end()];
  }
  if (driver === "mysql" || driver === "mysql2") {
    const conn = require(driver).createConnection(JSON.parse(target));
    await new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    return [conn, () => new Promise((resolve) => conn.end(() => resolve()))];
  }
  const Database = require("better-sqlite3");
  const db = new Database(target, { fileMustExist: true });
  return [db, async () => db.close()];
}

(async () => {
  const calls = JSON.parse(fs.readFileSync(0, "utf8"));
  const { q } = require(modulePath);
  const out = [];
  for (const args of calls) {
    const [db, close] = await connect();
    try {
      out.push({ rows: await q(db, ...args) });
    } catch (err) {
      out.push({ error: String(err.code || err.name) });
    } finally {
      await close();
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  console.error(err);
  process.exit(3);
});
