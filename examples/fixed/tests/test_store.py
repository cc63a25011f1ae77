from inventory import store


def make_store():
    conn = store.connect()
    store.add_item(conn, "bolt", 3)
    store.add_item(conn, "nut", 0)
    store.add_item(conn, "washer", 12)
    return conn


def test_add_item_returns_id():
    conn = store.connect()
    assert store.add_item(conn, "bolt", 3) == 1


def test_find_items_matches_substring_and_treats_quotes_as_data():
    conn = make_store()
    assert [row[1] for row in store.find_items(conn, "ol")] == ["bolt"]
    assert store.find_items(conn, "' OR '1'='1") == []


def test_low_stock_orders_by_allowed_columns_only():
    conn = make_store()
    assert [row[1] for row in store.low_stock(conn, 5)] == ["nut", "bolt"]
    assert [row[1] for row in store.low_stock(conn, 5, order_by="name; DROP TABLE items")] == ["nut", "bolt"]


def test_restock_and_report():
    conn = make_store()
    store.restock(conn, 2, 4)
    assert store.report(conn) == {"items": 3, "total": 19, "empty": []}
