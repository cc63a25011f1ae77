const { byCustomer, byId } = require("./lib/queries");
const queries = require("./lib/queries");

function paging(limit) {
  return "SELECT * FROM orders LIMIT " + Number(limit);
}

router.get("/orders", async (req, res) => {
  // ruleid: javascript.sql-injection.driver-query
  const rows = await pool.query(byCustomer(req.query.customer));
  // ok: javascript.sql-injection.driver-query
  const one = await pool.query(byId(), [req.query.id]);
  // ruleid: javascript.sql-injection.driver-query
  const found = await pool.query(queries.SEARCH.replace("%TERM%", req.query.q));
  // ok: javascript.sql-injection.driver-query
  const page = await pool.query(paging(req.query.limit));
  res.json({ rows, one, found, page });
});
