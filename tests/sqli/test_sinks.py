"""Sink details that are not one rule's own examples: chained calls, inline-only sinks, receivers."""

from __future__ import annotations

import pytest

from buildrunner.engine.code import compile_spec
from buildrunner.engine.rules import SpecError

from .conftest import ids, src

PY = "python.sql-injection."


def test_a_call_chained_over_several_lines_is_reported_at_its_method_name(scan):
    findings = scan(src('''
        def f(session, name):
            return (
                session.query(User)
                .filter(f"name = '{name}'")
                .all()
            )
    '''))
    assert ids(findings) == [(PY + "sqlalchemy-orm-string", 4)]
    assert findings[0].snippet.startswith(".filter(")


def test_inline_sinks_only_take_a_string_written_in_the_call(scan):
    pony = "from pony.orm import select\n"
    assert ids(scan(pony + 'people = select(f"p for p in Person if p.name == \'{name}\'")\n')) == \
        [(PY + "pony-select", 2)]
    assert scan(pony + "stmt = select(User).where(User.name == name)\nq = select(query_text)\n") == []


def test_pony_select_only_where_pony_is_imported(scan):
    sqlalchemy_select = src('''
        from sqlalchemy import select, literal_column
        query = select(literal_column("users.fullname") + ", " + literal_column("addresses.email"))
        people = select(f"p for p in Person if p.name == '{name}'")
    ''')
    assert scan(sqlalchemy_select) == []
    assert ids(scan("import pony.orm as orm\n" + sqlalchemy_select)) == \
        [(PY + "pony-select", 4)]


def test_sqlalchemy_orm_strings_but_not_django_querysets(scan):
    assert ids(scan('rows = db.session.query(Order).order_by("created " + direction)\n')) == \
        [(PY + "sqlalchemy-orm-string", 1)]
    assert scan('rows = Order.objects.order_by("-" + self.date_field)\n') == []
    assert scan('rows = self.get_queryset().filter(**lookup).order_by("-" + field)\n') == []


def test_exec_driver_sql_on_any_receiver(scan):
    assert ids(scan('conn.exec_driver_sql(f"VACUUM {table}")\n')) == [(PY + "sqlalchemy-exec-driver-sql", 1)]


@pytest.mark.parametrize("raw, field", [
    ({"sink": {"call": {"method": ["x"]}, "inline": "yes"}}, "sink"),
    ({"sink": {"call": {"method": ["x"]}, "inline": 1}}, "sink"),
    ({"sink": {"call": {"method": ["x"]}}, "skip_paths": ["tests/*"]}, "skip_paths"),
    ({"when": "built-sql", "sink": {"call": {"method": ["x"]}}}, "sink"),
    ({"when": "built-sql", "skip_paths": "tests/*"}, "skip_paths"),
])
def test_new_schema_fields_are_validated(raw, field):
    with pytest.raises(SpecError) as err:
        compile_spec(raw, "python.sql-injection.x")
    assert err.value.field == field


def test_orm_string_sinks_skip_expression_arguments_without_parsing(sqli_rules, monkeypatch):
    from buildrunner.engine import parsing
    from buildrunner.engine.code import CodeMatcher
    from buildrunner.engine.model import Document

    calls = []
    real = parsing.parse
    monkeypatch.setattr(parsing, "parse", lambda *a: calls.append(a) or real(*a))
    m = CodeMatcher(sqli_rules)
    text = "rows = session.query(User).filter(User.id == uid).order_by(desc(User.created)).all()\n"
    assert m.scan(Document("a.py", text, "python")) == [] and calls == []
    text = "rows = session.query(User).order_by(sort).all()\n"  # a variable may hold SQL text
    assert m.scan(Document("a.py", text, "python")) == [] and len(calls) == 1


def test_request_input_used_whole_on_a_known_database_handle(scan):
    code = src('''
        import asyncpg
        from flask import request
        async def view():
            conn = await asyncpg.connect()
            await conn.fetch(request.args["q"])
            async with (await asyncpg.create_pool()).acquire() as db:
                await db.copy_from_query(request.args["q"], output="out.csv")
            await http.fetch(request.args["q"])
    ''')
    assert ids(scan(code)) == [(PY + "asyncpg-query", 5), (PY + "asyncpg-query", 7)]


def test_sqlalchemy_text_through_its_module_path(scan):
    code = src('''
        import sqlalchemy
        def q(name):
            a = sqlalchemy.sql.text(f"SELECT * FROM t WHERE n = '{name}'")
            b = sqlalchemy.sql.expression.TextClause(text="SELECT * FROM t WHERE n = '" + name + "'")
            return a, b
    ''')
    assert ids(scan(code)) == [(PY + "sqlalchemy-text", 3), (PY + "sqlalchemy-text", 4)]


def test_pg_promise_query_config_object(scan):
    code = src('''
        app.get("/news", (req, res) => {
          const query = "SELECT * FROM news WHERE cat = '" + req.query.cat + "'";
          db.one({
            text: query,
          });
          db.one({text: "SELECT * FROM news WHERE cat = $1", values: [req.query.cat]});
        });
    ''')
    findings = scan(code, "javascript")
    assert ids(findings) == [("javascript.sql-injection.pg-promise", 3)]
    assert 4 in [t.line for t in findings[0].trace]
