"""Request input as a taint source: whole statements or fragments taken straight from the request."""

from __future__ import annotations

import pytest

from .conftest import ids, src

PY = "python.sql-injection."
JS = "javascript.sql-injection."


@pytest.mark.parametrize("code, expected", [
    ('cur.execute(request.args["q"])', PY + "dbapi-execute"),
    ('cur.execute(request.form.get("q"))', PY + "dbapi-execute"),
    ('cur.execute(request.get_json()["q"])', PY + "dbapi-execute"),
    ('cursor.execute(request.POST["q"])', PY + "dbapi-execute"),
    ('cursor.execute(self.request.GET.get("where"))', PY + "dbapi-execute"),
    ('session.query(User).order_by(request.args.get("sort")).all()', PY + "sqlalchemy-orm-string"),
    ('df = pd.read_sql(request.values["sql"], con)', PY + "pandas-read-sql"),
    ('Book.objects.raw(request.GET["q"])', PY + "django-raw"),
    ('cur.execute("SELECT * FROM t ORDER BY " + request.args["sort"])', PY + "dbapi-execute"),
])
def test_python_request_input_reaching_a_sink(scan, code, expected):
    findings = scan(f"def view(request, cur, session, con):\n    {code}\n")
    assert ids(findings) == [(expected, 2)]
    assert "request input" in findings[0].trace[0].message


@pytest.mark.parametrize("code", [
    'cur.execute("SELECT * FROM t WHERE id = %s", (request.args["id"],))',
    'cur.execute("SELECT * FROM t LIMIT %d" % request.args.get("n", type=int))',
    'cur.execute("SELECT * FROM t LIMIT " + str(int(request.args["n"])))',
    'print(request.args["q"])',
    'subprocess.run(request.args["cmd"])',  # request input, but `run` is only SQL with SQL text
    'cache.get(request.args["key"])',
])
def test_python_request_input_elsewhere_is_not_sql_injection(scan, code):
    assert scan(f"def view(request, cur):\n    {code}\n") == []


def test_route_parameters_are_request_input(scan):
    findings = scan(src('''
        @app.get("/items")
        def items(q: str, limit: int = 10, db: Session = Depends(get_db)):
            db.execute(text(q))
            db.execute(text("SELECT * FROM t LIMIT :n"), {"n": limit})

        @bp.route("/u/<name>")
        def user(name):
            cur.execute(name)
            cur.execute("SELECT * FROM u WHERE name = %s", (name,))

        def helper(cur, name):
            cur.execute(name)  # not a route: a forwarded parameter, reported only at call sites
    '''))
    assert ids(findings) == [(PY + "sqlalchemy-text", 3), (PY + "dbapi-execute", 8)]
    assert "route input (parameter `q`)" in findings[0].trace[0].message


def test_route_input_passed_to_a_forwarding_helper(scan):
    findings = scan(src('''
        def run(cur, sql):
            cur.execute(sql)

        @app.post("/report")
        def report(where: str):
            return run(cur, "SELECT * FROM sales WHERE " + where)
    '''))
    assert ids(findings) == [(PY + "dbapi-execute", 6)]


def test_express_request_input(scan):
    findings = scan(src('''
        app.get("/a", async (req, res) => {
          await knex.raw(req.body.q);
          const rows = await repo.createQueryBuilder("u").orderBy(req.query.sort).getMany();
          const { filter } = req.query;
          await pool.query(filter);
          await pool.query("SELECT * FROM t WHERE id = ?", [req.params.id]);
          res.send(req.query.x);
          cache.get(req.query.key);
        });
    '''), "javascript")
    assert ids(findings) == [(JS + "knex-raw", 2), (JS + "typeorm-where", 3), (JS + "driver-query", 5)]
