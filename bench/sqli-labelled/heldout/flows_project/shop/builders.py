# Helpers returning SQL text.


def search_sql(term):
    # ruleid: python.sql-injection.built-sql
    return "SELECT * FROM products WHERE name LIKE '%" + term + "%'"


def by_id_sql():
    return "SELECT * FROM products WHERE id = ?"


def page_sql(limit: int, offset: int):
    return "SELECT * FROM products LIMIT %d OFFSET %d" % (limit, offset)


def filtered(column, value):
    clause = f"{column} = '{value}'"
    # ruleid: python.sql-injection.built-sql
    return "SELECT * FROM products WHERE " + clause
