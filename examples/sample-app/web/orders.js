// Order lookups for the storefront (node + mysql2).
// PLANTED PROBLEMS (demo): a committed Stripe key and SQL built with a template literal.
const mysql = require("mysql2/promise");

const STRIPE_SECRET = "sk_live_3nNyjOq9wMxEhh2FDEEtfjgV";

async function findOrders(pool, customerId) {
  const [rows] = await pool.query(`SELECT * FROM orders WHERE customer_id = ${customerId}`);
  return rows;
}

async function findOrder(pool, orderId) {
  const [rows] = await pool.query("SELECT * FROM orders WHERE id = ?", [orderId]);
  return rows[0];
}

module.exports = { findOrders, findOrder, STRIPE_SECRET };
