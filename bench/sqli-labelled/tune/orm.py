from sqlalchemy import text, literal_column, DDL
import sqlalchemy as sa
import pandas as pd


def sa_cases(session, engine, conn, name, col, order):
    # ruleid: python.sql-injection.sqlalchemy-execute
    session.execute(f"DELETE FROM carts WHERE user = '{name}'")
    # ruleid: python.sql-injection.sqlalchemy-text
    conn.execute(text("SELECT * FROM t WHERE name = '" + name + "'"))
    # ok: python.sql-injection.sqlalchemy-text
    conn.execute(text("SELECT * FROM t WHERE name = :n"), {"n": name})
    # ruleid: python.sql-injection.sqlalchemy-exec-driver-sql
    conn.exec_driver_sql("SELECT * FROM t WHERE id = " + name)
    # ruleid: python.sql-injection.sqlalchemy-orm-string
    session.query(User).filter("name = '%s'" % name).all()
    # ok: python.sql-injection.sqlalchemy-orm-string
    session.query(User).filter(User.name == name).all()
    # ruleid: python.sql-injection.sqlalchemy-orm-string
    session.query(User).order_by(col + " " + order)
    # ruleid: python.sql-injection.sqlalchemy-literal
    q = sa.select(literal_column(f"price * {col}"))
    # ok: python.sql-injection.sqlalchemy-literal
    q = sa.select(literal_column("price * 2"))


def django_cases(Person, qs, connection, lname, where):
    # ruleid: python.sql-injection.django-raw
    Person.objects.raw("SELECT * FROM app_person WHERE last_name = '%s'" % lname)
    # ok: python.sql-injection.django-raw
    Person.objects.raw("SELECT * FROM app_person WHERE last_name = %s", [lname])
    # ruleid: python.sql-injection.django-extra
    qs.extra(where=["headline = '" + lname + "'"])
    # ok: python.sql-injection.django-extra
    qs.extra(where=["headline = %s"], params=[lname])
    with connection.cursor() as cursor:
        # ruleid: python.sql-injection.dbapi-execute
        cursor.execute("UPDATE app_person SET last_name = '%s'" % lname)


def pandas_cases(con, region):
    # ruleid: python.sql-injection.pandas-read-sql
    pd.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", con)
    # ok: python.sql-injection.pandas-read-sql
    pd.read_sql("SELECT * FROM sales WHERE region = %(r)s", con, params={"r": region})


async def asyncpg_cases(conn, uid):
    # ruleid: python.sql-injection.asyncpg-query
    await conn.fetch(f"SELECT * FROM users WHERE id = {uid}")
    # ok: python.sql-injection.asyncpg-query
    await conn.fetch("SELECT * FROM users WHERE id = $1", uid)
    # ok: python.sql-injection.asyncpg-query
    await client.fetch(f"https://example.com/u/{uid}")


def other_orms(db, Tweet, spark, uid, day):
    # ruleid: python.sql-injection.peewee-sql
    db.execute_sql("SELECT * FROM tweet WHERE user_id = " + uid)
    # ruleid: python.sql-injection.raw-query
    Tweet.raw("SELECT * FROM tweet WHERE user_id = %s" % uid)
    # ruleid: python.sql-injection.spark-duckdb-sql
    spark.sql(f"SELECT * FROM events WHERE day = '{day}'")
    # ok: python.sql-injection.spark-duckdb-sql
    spark.sql("SELECT * FROM events WHERE day = {day}", day=day)
