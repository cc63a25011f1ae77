"""asyncpg handles from connect/create_pool/acquire, SQLAlchemy text() by module path, Pony gating."""
import asyncpg
import sqlalchemy
from sqlalchemy import select, literal_column
from fastapi import FastAPI

api = FastAPI()


@api.get("/reports/{report}")
async def report(report: str, month: str):
    conn = await asyncpg.connect(dsn="postgres://")
    # ruleid: python.sql-injection.asyncpg-query
    rows = await conn.fetch(report)
    # ok: python.sql-injection.asyncpg-query
    rows = await conn.fetch("SELECT * FROM reports WHERE name = $1", report)
    pool = await asyncpg.create_pool(dsn="postgres://")
    async with pool.acquire() as db:
        # ruleid: python.sql-injection.asyncpg-query
        total = await db.fetchval(month)
        # ruleid: python.sql-injection.asyncpg-query
        await db.copy_from_query(report, output="/tmp/out.csv")
        # ok: python.sql-injection.asyncpg-query
        await db.copy_from_query("SELECT * FROM r WHERE m = $1", month, output="/tmp/out.csv")
    # ok: python.sql-injection.asyncpg-query
    page = await crawler.fetch(report)
    # ruleid: python.sql-injection.sqlalchemy-text
    clause = sqlalchemy.sql.text(month)
    # ruleid: python.sql-injection.sqlalchemy-text
    clause = sqlalchemy.sql.expression.TextClause(report)
    # ok: python.sql-injection.sqlalchemy-text
    clause = sqlalchemy.sql.expression.text("SELECT 1")
    # ok: python.sql-injection.pony-select
    query = select(literal_column("users.fullname") + ", " + literal_column("users.email"))
    return rows, total, page, clause, query
