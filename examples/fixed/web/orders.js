// Order lookups for the storefront (node + mysql2), with placeholders; the Stripe key comes from the environment.
const mysql = require("mysql2/promise");

const STRIPE_SECRET = process.env.STRIPE_SECRET_KEY;

async function findOrders(pool, customerId) {
  const [rows] = await pool.query("SELECT * FROM orders WHERE customer_id = ?", [customerId]);
  return rows;
}

async function findOrder(pool, orderId) {
  const [rows] = await pool.query("SELECT * FROM orders WHERE id = ?", [orderId]);
  return rows[0];
}

module.exports = { findOrders, findOrder, STRIPE_SECRET };
