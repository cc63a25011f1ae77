"""Every autofix class executed before and after the rewrite against real databases.

sqlite3 in process (`?` placeholders) and a throwaway PostgreSQL server through psycopg (`%s`):
benign inputs return the same rows before and after the fix; an injection payload that changes the
original query's result does not change the fixed one's (no rows, or the driver rejects the value)."""

from __future__ import annotations

import sqlite3
import textwrap

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import USERS, make_users_sqlite, pack_rules

PY_RULES = pack_rules("sqli-python")

ROWS = USERS
ALL_IDS = [(1,), (2,), (3,), (4,)]

# (name, function source, benign argument tuples, injection argument tuple)
CASES = [
    ("value after =", '''
        def q(cur, uid):
            cur.execute(f"SELECT id FROM users WHERE id = {uid} ORDER BY id")
            return cur.fetchall()
    ''', [(2,), ("3",)], ("2 OR 1=1",)),
    ("quoted value", '''
        def q(cur, name):
            cur.execute("SELECT id FROM users WHERE name = '%s' ORDER BY id" % (name,))
            return cur.fetchall()
    ''', [("bob",), ("nobody",)], ("x' OR '1'='1",)),
    ("LIKE pattern", '''
        def q(cur, term):
            cur.execute(f"SELECT id FROM users WHERE name LIKE '%{term}%' ORDER BY id")
            return cur.fetchall()
    ''', [("ar",), ("ol",), ("zz",)], ("' OR 1=1 OR name = '",)),
    ("IN list joined from a sequence", '''
        def q(cur, ids: list[str]):
            cur.execute("SELECT id FROM users WHERE id IN (%s) ORDER BY id" % ",".join(ids))
            return cur.fetchall()
    ''', [(["1", "3"],), (["2"],)], (["1) OR (1=1"],)),
    ("SQL assembled over several statements", '''
        def q(cur, name, role):
            sql = "SELECT id FROM users WHERE id > 0"
            sql += " AND name = '" + name + "'"
            sql += f" AND role = '{role}'"
            sql += " ORDER BY id"
            cur.execute(sql)
            return cur.fetchall()
    ''', [("bob", "user"), ("alice", "user")], ("x' OR 1=1 OR name = '", "user")),
    ("backslash-escaped quotes", '''
        def q(cur, name):
            cur.execute("SELECT id FROM users WHERE name = \\'" + name + "\\' ORDER BY id")
            return cur.fetchall()
    ''', [("bob",), ("alice",)], ("x\\' OR 1=1 --",)),
    (".format() with names and a literal %", '''
        def q(cur, uid, role):
            cur.execute("SELECT id FROM users WHERE (id = {uid} OR role = '{role}') AND name NOT LIKE 'x%' "
                        "ORDER BY id".format(uid=uid, role=role))
            return cur.fetchall()
    ''', [(1, "user"), (9, "admin")], ("0) OR (1=1", "none")),
    ("a number and a quoted string", '''
        def q(cur, uid, name):
            cur.execute(f"SELECT id FROM users WHERE id = {uid} OR name = '{name}' ORDER BY id")
            return cur.fetchall()
    ''', [(1, "alice"), (2, "alice"), (9, "carol%")], (0, "' OR '1'='1")),
]
CASE_IDS = [c[0] for c in CASES]


def _fixed_source(source: str, driver: str) -> tuple[str, str]:
    from buildrunner.engine.fixes.apply import fix_text

    text = f"import {driver}\n\n" + textwrap.dedent(source).lstrip("\n")
    findings = CodeMatcher(PY_RULES).scan(Document("app.py", text, "python"))
    assert findings, "the case must be reported before it is fixed"
    result = fix_text("app.py", text, findings, PY_RULES)
    assert not result.refused, [p.reason for p in result.refused]
    assert result.fixed != text
    return text, result.fixed


def _load(source: str):
    namespace: dict = {}
    exec(compile(source, "app.py", "exec"), namespace)  # noqa: S102 — the code under test
    return namespace["q"]


def _call(connect, func, args):
    """Rows, or the database error's class name (the value was rejected, nothing ran)."""
    conn = connect()
    try:
        return func(conn.cursor(), *args)
    except Exception as exc:  # noqa: BLE001 — each driver has its own error tree
        return type(exc).__name__
    finally:
        conn.close()


def _prove(connect, source: str, driver: str, benign, payload) -> str:
    original, fixed = _fixed_source(source, driver)
    before, after = _load(original), _load(fixed)
    for args in benign:
        expected = _call(connect, before, args)
        assert isinstance(expected, list), expected
        assert _call(connect, after, args) == expected, (args, fixed)
    injected = _call(connect, before, payload)
    assert injected == ALL_IDS, f"the payload must change the original query: {injected}"
    defended = _call(connect, after, payload)
    assert defended == [] or isinstance(defended, str), defended
    return fixed


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "app.db"
    make_users_sqlite(path)
    return lambda: sqlite3.connect(path)


@pytest.fixture(scope="module")
def pg_db(postgres):
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS users")
        conn.execute("CREATE TABLE users (id integer PRIMARY KEY, name text, role text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO users VALUES (%s, %s, %s)", ROWS)
    return lambda: psycopg.connect(postgres, autocommit=True)


@pytest.mark.parametrize("name, source, benign, payload", CASES, ids=CASE_IDS)
def test_fix_keeps_rows_and_stops_injection_sqlite(sqlite_db, name, source, benign, payload):
    fixed = _prove(sqlite_db, source, "sqlite3", benign, payload)
    assert "?" in fixed


@pytest.mark.parametrize("name, source, benign, payload", CASES, ids=CASE_IDS)
def test_fix_keeps_rows_and_stops_injection_postgres(pg_db, name, source, benign, payload):
    fixed = _prove(pg_db, source, "psycopg", benign, payload)
    assert "%s" in fixed


# The rewrites that used to change a query's meaning: each is refused, and executing the naive
# rewrite shows why (different rows, or an error where the original ran). (`%d` and values escaped
# by quote doubling are not findings at all: see test_folding.py.)
REFUSED = [
    ("IN list from a value that may be a generator", '''
        def q(cur, ids):
            cur.execute("SELECT id FROM users WHERE id IN (%s) ORDER BY id" % ",".join(ids))
            return cur.fetchall()
    ''', "not proven to be a list", (["1", "3"],),
     '"SELECT id FROM users WHERE id IN (?) ORDER BY id", (",".join(ids),)'),
    ("executescript", '''
        def q(cur, name):
            cur.executescript(f"UPDATE users SET role = 'x' WHERE name = '{name}'")
            cur.execute("SELECT id FROM users WHERE role = 'x'")
            return cur.fetchall()
    ''', "takes no parameters", ("bob",),
     '"UPDATE users SET role = \'x\' WHERE name = ?", (name,)'),
    ("% operand that is a tuple at run time", '''
        def q(cur, pair):
            cur.execute("SELECT id FROM users WHERE id = %s ORDER BY id" % pair)
            return cur.fetchall()
    ''', "tuple at run time", ((2,),),
     '"SELECT id FROM users WHERE id = ? ORDER BY id", (pair,)'),
    ("ORDER BY direction", '''
        def q(cur, direction):
            cur.execute(f"SELECT id FROM users ORDER BY id {direction}")
            return cur.fetchall()
    ''', "value position", ("DESC",),
     '"SELECT id FROM users ORDER BY id ?", (direction,)'),
]


@pytest.mark.parametrize("name, source, reason, args, naive", REFUSED, ids=[r[0] for r in REFUSED])
def test_rewrites_that_would_change_results_are_refused(sqlite_db, name, source, reason, args, naive):
    from buildrunner.engine.fixes.apply import fix_text

    text = "import sqlite3\n\n" + textwrap.dedent(source).lstrip("\n")
    findings = CodeMatcher(PY_RULES).scan(Document("app.py", text, "python"))
    assert findings
    result = fix_text("app.py", text, findings, PY_RULES)
    assert result.fixed == text and not result.applied
    assert reason in result.refused[0].reason
    # the naive rewrite, executed: not the original's result
    call = text.split("cur.execute" if "executescript" not in text else "cur.executescript")[1]
    arg = call[1:call.index(")\n")]
    naive_text = text.replace(arg, naive, 1)
    assert naive_text != text
    expected = _call(sqlite_db, _load(text), args)
    assert isinstance(expected, list) and _call(sqlite_db, _load(naive_text), args) != expected
