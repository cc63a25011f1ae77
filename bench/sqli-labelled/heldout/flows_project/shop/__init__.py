# The package re-exports its query helpers.
from .builders import search_sql
from .sql import ORDER_BY_CUSTOMER as CUSTOMER_ORDERS

__all__ = ["CUSTOMER_ORDERS", "search_sql"]
