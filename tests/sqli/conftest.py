"""Fixtures for the SQL injection tests: the shipped packs and a one-call scanner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document
from buildrunner.engine.rules import load_pack

PACKS = Path(__file__).resolve().parents[2] / "buildrunner" / "rules"
EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx"}


def src(text: str) -> str:
    """A test's indented source block as a file's text."""
    return textwrap.dedent(text).lstrip("\n")


def ids(findings):
    return [(f.rule_id, f.line) for f in findings]


def pack_rules(name: str):
    return load_pack(PACKS / f"{name}.yaml", builtin=True).rules


@pytest.fixture(scope="session")
def sqli_rules():
    return pack_rules("sqli-python") + pack_rules("sqli-javascript")


@pytest.fixture
def scan(sqli_rules):
    """scan(text, language) → findings, using every SQL injection rule."""

    def run(text: str, language: str = "python", path: str | None = None, matcher=None):
        m = matcher or CodeMatcher(sqli_rules)
        return m.scan(Document(path or f"src/app.{EXT[language]}", text, language))

    return run


@pytest.fixture(scope="session")
def postgres():
    """A running throwaway PostgreSQL cluster (one per test worker); yields its conninfo."""
    from .pgserver import PostgresCluster

    cluster = PostgresCluster().start()
    try:
        yield cluster.conninfo
    finally:
        cluster.stop()


# The users table every executed autofix proof runs its queries against (Python and JS): a quote in a
# name and a `%` in another, so LIKE and quoting cases have something to get wrong.
USERS = [(1, "alice", "admin"), (2, "bob", "user"), (3, "o'hara", "user"), (4, "carol%", "user")]


def make_users_sqlite(path) -> None:
    """A SQLite database file at `path` holding the `users` table with `USERS`."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, role TEXT)")
    conn.executemany("INSERT INTO users VALUES (?, ?, ?)", USERS)
    conn.commit()
    conn.close()
