# Query templates shared by the views.
ORDER_BY_CUSTOMER = "SELECT * FROM orders WHERE customer = '%s'"
SAFE_ORDER = "SELECT * FROM orders WHERE id = %s"
COUNT_ROWS = "SELECT count(*) FROM {table}"
RECENT = """
    SELECT id, total FROM orders
    WHERE created_at > now() - interval '$days days'
"""
