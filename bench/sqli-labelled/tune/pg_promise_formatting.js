// pg-promise formatting filters: :raw / ^ insert verbatim, :value / # insert unquoted.
const pgp = require("pg-promise")();
const db = pgp(process.env.DATABASE_URL);

async function sorted(req, res) {
  // ruleid: javascript.sql-injection.pg-promise
  const rows = await db.any("SELECT * FROM products ORDER BY $1:raw", [req.query.sort]);
  // ok: javascript.sql-injection.pg-promise
  const fixed = await db.any("SELECT * FROM products ORDER BY $1:raw", ["price"]);
  res.json({ rows, fixed });
}

async function byTable(table, id) {
  // ruleid: javascript.sql-injection.pg-promise
  return db.oneOrNone("SELECT * FROM ${table^} WHERE id = ${id}", { table, id });
}

async function search(req) {
  // ok: javascript.sql-injection.pg-promise
  const like = await db.any("SELECT * FROM products WHERE name ILIKE '%$1#%'", [req.query.q]);
  // ruleid: javascript.sql-injection.pg-promise
  const open = await db.any("SELECT * FROM products WHERE id IN ($1:value)", [req.query.ids]);
  // ok: javascript.sql-injection.pg-promise
  const named = await db.any("SELECT * FROM $1:name WHERE id = $2", ["products", req.query.id]);
  return { like, open, named };
}
