import string

from shop import CUSTOMER_ORDERS, search_sql

from . import builders
from . import sql as q
from .builders import by_id_sql, page_sql
from .sql import RECENT, SAFE_ORDER


def customer_orders(cur, name):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(q.ORDER_BY_CUSTOMER % name)


def customer_orders_reexported(cur, name):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(CUSTOMER_ORDERS % name)


def order(cur, oid):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(SAFE_ORDER, (oid,))


def search(cur, term):
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(search_sql(term))


def search_constant(cur):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(search_sql("widgets"))


def product(cur, pid):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(by_id_sql(), (pid,))


def page(cur, limit, offset):
    # ok: python.sql-injection.dbapi-execute
    cur.execute(page_sql(limit, offset))


def filter_by(cur, column, value):
    sql = builders.filtered(column, value)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(sql)


def recent(cur, days):
    query = string.Template(RECENT).substitute(days=days)
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(query)
