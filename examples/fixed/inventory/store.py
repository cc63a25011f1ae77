"""Data access for the inventory service (sqlite3), with parameterized queries."""

import sqlite3

from inventory.settings import PAGE_SIZE

TABLE = "items"
LOW_STOCK_QUERIES = {  # one constant query per allowed sort order: no SQL is built at run time
    "qty": "SELECT id, name, qty FROM items WHERE qty < ? ORDER BY qty",
    "name": "SELECT id, name, qty FROM items WHERE qty < ? ORDER BY name",
    "id": "SELECT id, name, qty FROM items WHERE qty < ? ORDER BY id",
}


def connect(path: str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)")
    return conn


def add_item(conn: sqlite3.Connection, name: str, qty: int) -> int:
    cur = conn.execute("INSERT INTO items (name, qty) VALUES (?, ?)", (name, qty))
    return cur.lastrowid


def find_items(conn: sqlite3.Connection, name: str) -> list[tuple]:
    cur = conn.cursor()
    cur.execute("SELECT id, name, qty FROM items WHERE name LIKE ? LIMIT ?", (f"%{name}%", PAGE_SIZE))
    return cur.fetchall()


def low_stock(conn: sqlite3.Connection, threshold: int, order_by: str = "qty") -> list[tuple]:
    query = LOW_STOCK_QUERIES.get(order_by, LOW_STOCK_QUERIES["qty"])
    return conn.execute(query, (threshold,)).fetchall()


def restock(conn: sqlite3.Connection, item_id: int, amount: int) -> None:
    conn.execute("UPDATE items SET qty = qty + ? WHERE id = ?", (amount, item_id))
    conn.commit()


def report(conn: sqlite3.Connection) -> dict:
    rows = conn.execute("SELECT name, qty FROM items ORDER BY name").fetchall()
    total = sum(qty for _, qty in rows)
    empty = [name for name, qty in rows if qty == 0]
    return {"items": len(rows), "total": total, "empty": empty}
