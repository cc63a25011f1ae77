const mysql = require("mysql2/promise");

async function byId(pool, id) {
  // ruleid: javascript.sql-injection.driver-query
  await pool.query("SELECT * FROM users WHERE id = " + id);
  // ruleid: javascript.sql-injection.driver-query
  await pool.execute(`SELECT * FROM users WHERE id = ${id}`);
  // ok: javascript.sql-injection.driver-query
  await pool.query("SELECT * FROM users WHERE id = ?", [id]);
  // ok: javascript.sql-injection.driver-query
  await pool.execute("SELECT * FROM users WHERE id = ?", [id]);
}

app.get("/search", async (req, res) => {
  const { sort } = req.query;
  // ruleid: javascript.sql-injection.driver-query
  await pool.query("SELECT * FROM items ORDER BY " + sort);
  // ruleid: javascript.sql-injection.knex-raw
  await knex.raw(req.body.q);
  // ruleid: javascript.sql-injection.knex-raw
  await knex("users").whereRaw(`name = '${req.query.name}'`);
  // ok: javascript.sql-injection.knex-raw
  await knex("users").whereRaw("name = ?", [req.query.name]);
  // ruleid: javascript.sql-injection.typeorm-where
  await repo.createQueryBuilder("u").orderBy(req.query.sort).getMany();
  // ok: javascript.sql-injection.typeorm-where
  await repo.createQueryBuilder("u").where("u.name = :name", { name: req.query.name }).getMany();
  // ruleid: javascript.sql-injection.prisma-raw-unsafe
  await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${req.body.email}'`);
  // ok: javascript.sql-injection.prisma-raw-unsafe
  await prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${req.body.email}`;
  // ruleid: javascript.sql-injection.sequelize-literal
  const c = Sequelize.literal(`(SELECT COUNT(*) FROM likes WHERE post_id = ${req.params.id})`);
  // ruleid: javascript.sql-injection.sql-raw
  await db.execute(sql.raw(`SELECT * FROM users WHERE name = '${req.query.name}'`));
  // ok: javascript.sql-injection.sql-raw
  await db.execute(sql`SELECT * FROM users WHERE name = ${req.query.name}`);
  // ok: javascript.sql-injection.driver-query
  res.send("Selected " + sort);
});

function sqlite(db, owner) {
  // ruleid: javascript.sql-injection.sqlite-statement
  db.prepare(`SELECT * FROM notes WHERE owner = '${owner}'`).all();
  // ok: javascript.sql-injection.sqlite-statement
  db.prepare("SELECT * FROM notes WHERE owner = ?").all(owner);
  const PAGE = 20;
  // ok: javascript.sql-injection.sqlite-statement
  db.prepare("SELECT * FROM notes LIMIT " + PAGE).all();
}
