# Vulnerable-app style views (Flask, Django, FastAPI).
from django.db import connection
from flask import Flask, request
from fastapi import FastAPI, Depends
from sqlalchemy import text

app = Flask(__name__)
api = FastAPI()


@app.route("/login", methods=["POST"])
def login():
    username = request.form["username"]
    password = request.form["password"]
    cur = get_db().cursor()
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE username = '%s' AND password = '%s'" % (username, password))
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM users WHERE username = ? AND password = ?", (username, password))


@app.route("/user/<uid>")
def user(uid):
    # ruleid: python.sql-injection.dbapi-execute
    rows = get_db().execute("SELECT * FROM users WHERE id = " + uid).fetchall()
    return rows


@app.route("/raw")
def raw():
    # ruleid: python.sql-injection.dbapi-execute
    return get_db().execute(request.args.get("sql")).fetchall()


def django_view(request):
    q = request.GET.get("q", "")
    with connection.cursor() as cursor:
        # ruleid: python.sql-injection.dbapi-execute
        cursor.execute("SELECT * FROM polls_question WHERE question_text LIKE '%%" + q + "%%'")
        # ok: python.sql-injection.dbapi-execute
        cursor.execute("SELECT * FROM polls_question WHERE question_text LIKE %s", ["%" + q + "%"])


def django_orm(request, Question):
    order = request.GET["order"]
    # ruleid: python.sql-injection.django-extra
    Question.objects.extra(select={"score": "votes * " + order})
    # ruleid: python.sql-injection.django-raw
    Question.objects.raw("SELECT * FROM polls_question ORDER BY " + order)
    # ok: python.sql-injection.django-raw
    Question.objects.raw("SELECT * FROM polls_question WHERE id = %s", [order])


@api.get("/items")
def items(name: str, db=Depends(get_session)):
    # ruleid: python.sql-injection.sqlalchemy-text
    return db.execute(text(f"SELECT * FROM items WHERE name = '{name}'")).all()


@api.get("/items2")
def items2(name: str, db=Depends(get_session)):
    # ok: python.sql-injection.sqlalchemy-text
    return db.execute(text("SELECT * FROM items WHERE name = :name"), {"name": name}).all()


@api.get("/sorted")
def sorted_items(sort: str, db=Depends(get_session)):
    # ruleid: python.sql-injection.sqlalchemy-orm-string
    return db.query(Item).order_by(sort).all()
