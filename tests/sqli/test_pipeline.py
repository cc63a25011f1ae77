"""Through the real pipeline and CLI: a mixed-language repository, SARIF fixes, user rule packs."""

from __future__ import annotations

import json
import textwrap

import pytest

RULES = ("--rules", "python.sql-injection,javascript.sql-injection")

FILES = {
    "api/users.py": '''
        import psycopg2

        def find(conn, name):
            cur = conn.cursor()
            cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
            return cur.fetchall()
    ''',
    "api/safe.py": '''
        def find(conn, name):
            conn.cursor().execute("SELECT * FROM users WHERE name = %s", (name,))
    ''',
    "web/server.js": '''
        app.get("/u", (req, res) => db.query("SELECT * FROM u WHERE id = " + req.query.id));
    ''',
    "web/store.ts": '''
        export const byName = (pool: Pool, n: string) => pool.query(`SELECT * FROM u WHERE n = '${n}'`);
    ''',
    "web/View.tsx": '''
        export const V = ({ id }: { id: string }) => { db.prepare("DELETE FROM u WHERE id = " + id).run(); return <p />; };
    ''',
    "docs/notes.md": "cur.execute(f\"SELECT * FROM t WHERE id = {uid}\")\n",
    "web/broken.ts": "function ( {{{ query(\n",
}


@pytest.fixture
def mixed_repo(git_repo):
    for rel, text in FILES.items():
        git_repo.write(rel, textwrap.dedent(text).lstrip("\n"))
    git_repo.add()
    git_repo.commit("mixed tree")
    return git_repo


def test_mixed_language_tree(mixed_repo, br):
    res = br("security", "check", "--json", *RULES, cwd=mixed_repo.root)
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    got = sorted((f["path"], f["line"], f["rule_id"]) for f in data["findings"])
    assert got == [
        ("api/users.py", 5, "python.sql-injection.dbapi-execute"),
        ("web/View.tsx", 1, "javascript.sql-injection.sqlite-statement"),
        ("web/server.js", 1, "javascript.sql-injection.driver-query"),
        ("web/store.ts", 1, "javascript.sql-injection.driver-query"),
    ]
    users = next(f for f in data["findings"] if f["path"] == "api/users.py")
    assert users["trace"][0]["message"] == "`name` is interpolated into the SQL text"
    assert users["fingerprint"]


def test_unparseable_file_is_listed_as_skipped(mixed_repo, br):
    data = json.loads(br("security", "check", "--json", *RULES, cwd=mixed_repo.root).stdout)
    assert data["summary"]["skipped_by_reason"].get("parse-error") == 1


def test_inline_ignore_names_the_rule(git_repo, br):
    git_repo.write("a.py", 'cur.execute("SELECT * FROM t WHERE id = " + uid)  '
                           '# br: ignore[python.sql-injection.dbapi-execute]\n')
    res = br("security", "check", "--json", *RULES, cwd=git_repo.root)
    assert res.exit_code == 0, res.output


def test_sarif_carries_the_autofix(git_repo, br):
    from buildrunner.engine import scan as scan_mod
    from buildrunner.engine import sources
    from buildrunner.engine.fixes import attach_autofixes
    from buildrunner.engine.rules import load_rules
    from buildrunner.project import discover

    git_repo.write("db.py", 'import sqlite3\n\ndef f(cur, uid):\n'
                            '    cur.execute(f"SELECT * FROM t WHERE id = {uid}")\n'
                            '    cur.execute(f"SELECT * FROM {uid}")\n')
    project = discover(git_repo.root)
    rules = load_rules(project).select(ids=["python.sql-injection"]).rules
    result = scan_mod.scan(project, list(sources.files(project)), rules, jobs=1)
    assert attach_autofixes(result, project.root) == 1
    fixed, unfixed = sorted(result.findings, key=lambda f: f.line)
    assert unfixed.autofix is None
    fx = fixed.autofix
    assert (fx.start_line, fx.start_column, fx.end_line) == (4, 17, 4)
    assert fx.replacement == '"SELECT * FROM t WHERE id = ?", (uid,)' and fx.safe

    from buildrunner.engine.reporters import render

    sarif = json.loads(render("sarif", result, color=False, quiet=False))
    res = next(r for r in sarif["runs"][0]["results"] if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 4)
    replacement = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == fx.replacement


def test_a_new_driver_is_a_yaml_change(git_repo, br):
    git_repo.write(".buildrunner/rules/clickhouse.yaml", textwrap.dedent('''
        rules:
          - id: python.sql-injection.clickhouse-command
            kind: code
            name: SQL built from runtime values passed to clickhouse-connect
            severity: high
            languages: [python]
            sink:
              call: {method: [command, query_df], receiver: '(?i)client'}
              argument: [0, cmd, query]
            when: dynamic-string
            sql: fragment
            message: SQL text built from runtime values reaches {sink}.
            fix: Use parameters={...} with {name:Type} placeholders.
            examples:
              match:
                - |
                  # ruleid: python.sql-injection.clickhouse-command
                  client.command(f"DROP TABLE {name}")
              no_match: ['client.command("SELECT 1")']
    '''))
    git_repo.write("ch.py", 'def drop(client, t):\n    client.command("ALTER TABLE events DELETE WHERE id = " + t)\n')
    res = br("security", "check", "--json", "--rules", "python.sql-injection.clickhouse-command", cwd=git_repo.root)
    data = json.loads(res.stdout)
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("python.sql-injection.clickhouse-command", 2)]
    assert br("rules", "test", cwd=git_repo.root).exit_code == 0


def test_broken_code_rule_is_rejected_with_file_rule_and_field(git_repo, br):
    git_repo.write(".buildrunner/rules/bad.yaml", textwrap.dedent('''
        rules:
          - id: python.sql-injection.bad
            kind: code
            name: Bad
            severity: high
            languages: [python]
            sink:
              call: {method: [run], receiver: '(unclosed'}
            message: m
            examples:
              match: ['x.run("SELECT " + a)']
    '''))
    res = br("security", "check", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "bad.yaml" in res.stderr and "python.sql-injection.bad" in res.stderr and "sink" in res.stderr
