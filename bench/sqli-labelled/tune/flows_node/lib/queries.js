// Query helpers shared by the routes.
const TABLE = "orders";

function byCustomer(customer) {
  // ruleid: javascript.sql-injection.built-sql
  return "SELECT * FROM " + TABLE + " WHERE customer = '" + customer + "'";
}

const byId = () => `SELECT * FROM ${TABLE} WHERE id = ?`;

module.exports = { byCustomer, byId, SEARCH: "SELECT * FROM orders WHERE note LIKE '%TERM%'" };
