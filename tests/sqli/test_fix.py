"""Autofixes: snapshot of the rewrites, refusals, re-scan after applying, and the CLI."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import pack_rules

PY_RULES = pack_rules("sqli-python")

SAMPLE = textwrap.dedent('''
    import {driver}


    def get_user(conn, uid, name):
        cur = conn.cursor()
        cur.execute(f"SELECT * FROM users WHERE id = {{uid}} AND name = '{{name}}'")
        cur.execute("SELECT * FROM users WHERE id = %s AND bio LIKE '%%dev%%'" % (uid,))
        cur.execute("UPDATE users SET name = {{}} WHERE id IN ({{}}, {{other}})".format(name, uid, other=uid + 1))
        cur.execute("SELECT * FROM t WHERE a BETWEEN %(lo)s AND %(hi)s" % {{"lo": lo, "hi": hi}})
        cur.execute(
            f"""
            SELECT *
            FROM orders
            WHERE customer = {{uid}}
            """
        )
        # a LIKE pattern (the % moves into the parameter), SQL assembled over several statements
        cur.execute(f"SELECT * FROM users WHERE name LIKE '%{{name}}%'")
        q = "SELECT * FROM users WHERE id = " + uid
        q += " ORDER BY name"
        cur.execute(q)
        # refused: identifiers, conversions, IN lists of unknown type, tuples at run time
        cur.execute(f"SELECT * FROM {{table}} WHERE id = {{uid}}")
        cur.execute(f"SELECT * FROM users WHERE id = {{uid!r}}")
        cur.execute("SELECT * FROM users WHERE id IN (%s)" % ", ".join(ids))
        cur.execute("SELECT * FROM users WHERE id = %s" % uid)
        return cur.fetchall()
''').lstrip("\n")


def plan(text: str, placeholder: str = "auto"):
    from buildrunner.engine.fixes.apply import fix_text

    findings = CodeMatcher(PY_RULES).scan(Document("app.py", text, "python"))
    return fix_text("app.py", text, findings, PY_RULES, placeholder=placeholder)


@pytest.mark.parametrize("driver", ["sqlite3", "psycopg2", "asyncpg", "oracledb"])
def test_fix_snapshot(driver, snapshot):
    from buildrunner.engine.fixes.apply import unified_diff

    result = plan(SAMPLE.format(driver=driver))
    assert unified_diff(result) == snapshot(name="diff")
    assert [(p.finding.line, p.reason) for p in result.refused] == snapshot(name="refused")


@pytest.mark.parametrize("driver", ["sqlite3", "psycopg2", "asyncpg", "oracledb"])
def test_applied_fix_parses_and_rescans_clean(driver):
    from buildrunner.engine.fixes.sqli import parses

    result = plan(SAMPLE.format(driver=driver))
    assert len(result.applied) == 7 and len(result.refused) == 4
    assert parses(result.fixed)
    remaining = CodeMatcher(PY_RULES).scan(Document("app.py", result.fixed, "python"))
    assert sorted(f.snippet for f in remaining) == sorted(p.finding.snippet for p in result.refused)


def test_placeholder_percent_is_escaped_for_format_drivers_and_not_for_qmark():
    text = 'import psycopg2\ncur.execute(f"SELECT * FROM t WHERE a = {a} AND b LIKE \'x%\'")\n'
    assert '"SELECT * FROM t WHERE a = %s AND b LIKE \'x%%\'", (a,)' in plan(text).fixed
    text = text.replace("psycopg2", "sqlite3")
    assert '"SELECT * FROM t WHERE a = ? AND b LIKE \'x%\'", (a,)' in plan(text).fixed


def test_unknown_driver_is_refused_unless_configured():
    text = 'def f(cur, a):\n    cur.execute(f"SELECT * FROM t WHERE a = {a}")\n'
    (refused,) = plan(text).refused
    assert "security.sql_placeholder" in refused.reason and "--placeholder qmark" in refused.reason
    (refused,) = plan("import sqlite3\nimport psycopg2\n" + text).refused  # two drivers: ambiguous
    assert "no single known DB driver" in refused.reason
    assert plan(text, "qmark").fixed == 'def f(cur, a):\n    cur.execute("SELECT * FROM t WHERE a = ?", (a,))\n'
    assert plan(text, "named").fixed.endswith('cur.execute("SELECT * FROM t WHERE a = :a", {"a": a})\n')


@pytest.mark.parametrize("line, reason", [
    ('cur.execute(f"SELECT * FROM t WHERE a = {a} AND b = ?")', "already contains '?'"),
    ('cur.execute(f"SELECT * FROM t WHERE a = {a}", params)', "already has parameters"),
    ('cur.execute(rb"SELECT * FROM t WHERE a = %s" % a)', "bytes"),
    ('cur.execute("SELECT * FROM t WHERE a = %5s" % (a,))', "conversion or format spec"),
    ('cur.execute("SELECT * FROM t WHERE a = %r" % (a,))', "conversion or format spec"),
    ('cur.execute(f"SELECT * FROM t WHERE a = {a:>4}")', "conversion or format spec"),
    ('cur.execute("SELECT * FROM t WHERE a = %s" % a)', "tuple at run time"),
    ('cur.executescript(f"DELETE FROM t WHERE a = {a}")', "takes no parameters"),
    ('cur.execute(f"SELECT * FROM t WHERE id IN ({a})")', "whole IN (...) list"),
    ('cur.execute(f"SELECT * FROM t WHERE id IN ({\',\'.join(a)})")', "not proven to be a list"),
    ('cur.execute(f"SELECT * FROM t ORDER BY id {direction}")', "value position"),
    ('cur.execute("SELECT * FROM t WHERE a = {1} AND b = {0}".format(f(), g()))', "reorders"),
    ('cur.execute(f"SELECT * FROM t WHERE a.{col} = 1")', "identifier"),
    ('cur.execute(f"SELECT * FROM t ORDER BY {col}")', "value position"),
    ('cur.execute("SELECT * FROM t WHERE a = " + a + b)', "glued"),
])
def test_refusals(line, reason):
    result = plan("import sqlite3\n" + line + "\n")
    assert not result.applied and reason in result.refused[0].reason
    assert result.fixed == result.original


def test_variable_assigned_right_before_the_call_is_rewritten_in_both_places():
    text = ('import sqlite3\n\ndef f(cur, uid):\n    q = f"SELECT * FROM t WHERE id = {uid}"\n'
            '    rows = cur.execute(q).fetchall()\n    return rows\n')
    assert plan(text).fixed == ('import sqlite3\n\ndef f(cur, uid):\n    q = "SELECT * FROM t WHERE id = ?"\n'
                                '    rows = cur.execute(q, (uid,)).fetchall()\n    return rows\n')


@pytest.mark.parametrize("body, reason", [
    ('    q = f"SELECT * FROM t WHERE id = {uid}"\n    log(q)\n    cur.execute(q)\n', "right before the call"),
    ('    q = f"SELECT * FROM t WHERE id = {uid}"\n    cur.execute(q)\n    cache[q] = 1\n', "used elsewhere"),
    ('    q = f"SELECT * FROM t WHERE id = {uid}"\n    if uid:\n        cur.execute(q)\n', "cannot follow"),
])
def test_variable_rewrites_that_cannot_be_proven_are_refused(body, reason):
    result = plan("import sqlite3\n\ndef f(cur, uid):\n" + body)
    assert not result.applied and reason in result.refused[0].reason


def test_crlf_file_keeps_its_line_endings():
    text = 'import sqlite3\r\n\r\ncur.execute(f"SELECT * FROM t WHERE a = {a}")\r\n'
    assert plan(text).fixed == 'import sqlite3\r\n\r\ncur.execute("SELECT * FROM t WHERE a = ?", (a,))\r\n'


def test_non_ascii_columns():
    text = 'import sqlite3\nx = "é€"; cur.execute(f"SELECT * FROM t WHERE a = \'{a}\' -- ü")\n'
    assert plan(text).fixed == 'import sqlite3\nx = "é€"; cur.execute("SELECT * FROM t WHERE a = ? -- ü", (a,))\n'


# --- CLI -------------------------------------------------------------------------------------

APP = 'import sqlite3\n\ndef f(cur, uid):\n    cur.execute(f"SELECT * FROM t WHERE id = {uid}")\n'


def test_cli_dry_run_changes_nothing(git_repo, br):
    path = git_repo.write("app.py", APP)
    res = br("security", "fix", "--dry-run", cwd=git_repo.root)
    assert res.exit_code == 1
    assert '+    cur.execute("SELECT * FROM t WHERE id = ?", (uid,))' in res.stdout
    assert "would rewrite 1" in res.stderr
    assert path.read_text() == APP


def test_cli_fix_rewrites_and_a_rescan_is_clean(git_repo, br):
    path = git_repo.write("app.py", APP)
    git_repo.write("other.py", 'cur.execute(f"SELECT * FROM {t}")\n')
    res = br("security", "fix", "app.py", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert path.read_text() == APP.replace('f"SELECT * FROM t WHERE id = {uid}"',
                                           '"SELECT * FROM t WHERE id = ?", (uid,)')
    assert br("security", "check", "app.py", "--rules", "python.sql-injection", cwd=git_repo.root).exit_code == 0
    assert br("security", "fix", cwd=git_repo.root).exit_code == 1  # other.py cannot be fixed
    assert (git_repo.root / "other.py").read_text() == 'cur.execute(f"SELECT * FROM {t}")\n'


def test_cli_lists_javascript_findings_as_left_to_fix_by_hand(git_repo, br):
    """A JS file importing no known driver is not rewritten, but `fix` must not say there is nothing
    to fix (exit 0) when there is (the fixes themselves: test_js_fix.py)."""
    js = 'async function f(pool, id) { await pool.query("SELECT * FROM t WHERE id = " + id); }\n'
    git_repo.write("web/db.js", js)
    res = br("security", "fix", "web/db.js", cwd=git_repo.root)
    assert res.exit_code == 1
    assert "web/db.js:1: not fixed (javascript.sql-injection.driver-query): driver unknown" in res.stderr
    assert "1 left for a manual fix" in res.stderr
    assert (git_repo.root / "web/db.js").read_text() == js
    data = json.loads(br("security", "fix", "--dry-run", "--json", cwd=git_repo.root).stdout)
    assert data["remaining"] == 1 and data["files"][0]["path"] == "web/db.js" and data["files"][0]["diff"] == ""


def test_cli_json_and_config_placeholder(git_repo, br):
    git_repo.write(".buildrunner/config.yaml", "security:\n  sql_placeholder: format\n")
    git_repo.write("app.py", APP.replace("import sqlite3\n", ""))
    res = br("security", "fix", "--dry-run", "--json", cwd=git_repo.root)
    data = json.loads(res.stdout)
    assert data["applied"] == 1 and data["dry_run"] is True
    assert data["files"][0]["applied"][0]["replacement"] == '"SELECT * FROM t WHERE id = %s", (uid,)'


def test_check_with_fix_applies_and_reports_what_is_left(git_repo, br):
    path = git_repo.write("app.py", APP + '    cur.execute(f"SELECT * FROM {uid}")\n')
    res = br("security", "check", "--fix", "--json", "--rules", "python.sql-injection", cwd=git_repo.root)
    assert res.exit_code == 1
    assert '"SELECT * FROM t WHERE id = ?", (uid,)' in path.read_text()
    assert '+    cur.execute("SELECT * FROM t WHERE id = ?", (uid,))' in res.stderr
    report = json.loads(res.stdout)  # the diff never pollutes the JSON report
    assert [f["line"] for f in report["findings"]] == [5]


def test_write_failure_is_reported_and_the_file_kept(git_repo, br, monkeypatch):
    """Whatever the OS refuses (read-only mount, full disk), nothing is half-written."""
    import tempfile

    path = git_repo.write("app.py", APP)

    def refuse(*a, **k):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    res = br("security", "fix", cwd=git_repo.root)
    assert res.exit_code == 1 and "cannot write the file: Read-only file system" in res.stderr
    assert path.read_text() == APP


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_directory_is_reported_not_crashed(git_repo, br):
    path = git_repo.write("ro/app.py", APP)
    os.chmod(path.parent, 0o555)
    try:
        res = br("security", "fix", cwd=git_repo.root)
    finally:
        os.chmod(path.parent, 0o755)
    assert res.exit_code == 1 and "cannot write" in res.stderr
    assert path.read_text() == APP



def test_dry_run_diff_never_shows_a_secret_from_the_context(git_repo, br):
    token = "ghp_vVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXoI"
    git_repo.write("db.py", f'import sqlite3\nTOKEN = "{token}"\n\ndef find(cur, uid):\n'
                            f'    cur.execute(f"SELECT * FROM t WHERE id = {{uid}}")\n')
    for args in (("security", "fix", "--dry-run"), ("security", "fix", "--dry-run", "--json")):
        res = br(*args, cwd=git_repo.root)
        assert "WHERE id = ?" in res.output, res.output  # the diff is shown...
        assert token not in res.output  # ...with the secret on a context line masked
