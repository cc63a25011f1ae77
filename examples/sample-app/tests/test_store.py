from inventory import store


def test_add_item_returns_id():
    conn = store.connect()
    assert store.add_item(conn, "bolt", 3) == 1
