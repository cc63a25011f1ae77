// Repository helpers that build SQL and hand it to code the packs cannot see.
import { sql } from "drizzle-orm";

type Filter = { column: string; value: string };

export function findByEmail(email: string): string {
  // ruleid: javascript.sql-injection.built-sql
  return `SELECT id, email FROM accounts WHERE email = '${email}'`;
}

export function findById(id: number): [string, unknown[]] {
  // ok: javascript.sql-injection.built-sql
  return ["SELECT id, email FROM accounts WHERE id = $1", [id]];
}

export function whereClause(filters: Filter[]): string {
  // ruleid: javascript.sql-injection.built-sql
  const base = "SELECT * FROM orders WHERE " + filters.map((f) => `${f.column} = '${f.value}'`).join(" AND ");
  return base;
}

export function tagged(id: string) {
  // ok: javascript.sql-injection.built-sql
  return sql`SELECT * FROM accounts WHERE id = ${id}`;
}

export function audit(user: string) {
  // ok: javascript.sql-injection.built-sql
  console.warn(`DELETE FROM sessions requested by ${user}`);
  if (!user) {
    // ok: javascript.sql-injection.built-sql
    throw new Error("UPDATE refused for " + user);
  }
}

const PAGE_SIZE = 25;

export function page(): string {
  // ok: javascript.sql-injection.built-sql
  return `SELECT * FROM orders ORDER BY id LIMIT ${PAGE_SIZE}`;
}

export function placeholders(ids: number[]): string {
  // ok: javascript.sql-injection.built-sql
  return `DELETE FROM orders WHERE id IN (${ids.map(() => "?").join(", ")})`;
}

export function rename(table: string, column: string): string {
  // ruleid: javascript.sql-injection.built-sql
  return "ALTER TABLE " + table + " RENAME COLUMN " + column + " TO legacy_" + column;
}

export function insert(row: Record<string, string>): string {
  const cols = Object.keys(row).join(", ");
  // ruleid: javascript.sql-injection.built-sql
  return "INSERT INTO items (" + cols + ") VALUES ('" + Object.values(row).join("', '") + "')";
}
