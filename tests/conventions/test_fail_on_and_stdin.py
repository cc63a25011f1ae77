"""CLI conventions users bring from gitleaks/Semgrep/ruff: --fail-on SEVERITY, scanning standard
input with --stdin-filename, and `br gaps analyze --format` like the other checks."""

from __future__ import annotations

import json

import pytest

from tests.migrate.tokens import github_pat
from tests.reporters.test_sarif import SCHEMA_PATH, assert_valid

SQLI_JS = 'function f(db, req) {\n  return db.query("SELECT * FROM t WHERE id = " + req.query.id);\n}\n'
SQLI = 'def f(cur, uid):\n    cur.execute("SELECT * FROM t WHERE id = " + uid)\n'


@pytest.fixture
def mixed(git_repo):
    """One critical secret, one high SQL injection (the built-in packs' severities)."""
    git_repo.write("db.py", SQLI)
    git_repo.write("conf.yaml", f"token: {github_pat('1')}\n")
    return git_repo


def _severities(br, root):
    data = json.loads(br("security", "check", "--json", cwd=root).stdout)
    return sorted({f["severity"] for f in data["findings"]})


def test_fail_on_threshold(mixed, br):
    assert _severities(br, mixed.root) == ["critical", "high"]
    assert br("security", "check", cwd=mixed.root).exit_code == 1
    assert br("security", "check", "--fail-on", "critical", cwd=mixed.root).exit_code == 1
    (mixed.root / "conf.yaml").unlink()
    res = br("security", "check", "--fail-on", "critical", cwd=mixed.root)
    assert res.exit_code == 0
    assert "db.py:2" in res.stdout  # the text report still lists what is below the threshold
    assert br("security", "check", "--fail-on", "high", cwd=mixed.root).exit_code == 1
    assert br("security", "check", "--fail-on", "severe", cwd=mixed.root).exit_code == 2


def test_quality_check_fail_on(py_project, br):
    """A fully covered project plus one high SQL injection in JS: only the sql-injection check fails."""
    from tests.gate.conftest import measure

    measure(py_project.root)
    py_project.write("web/db.js", SQLI_JS)
    res = br("quality", "check", "--json", cwd=py_project.root)
    checks = {c["name"]: c["passed"] for c in json.loads(res.stdout)["checks"]}
    assert res.exit_code == 1 and checks == {"secrets": True, "sql-injection": False, "coverage": True}
    assert br("quality", "check", "--fail-on", "critical", cwd=py_project.root).exit_code == 0
    assert br("quality", "check", "--fail-on", "high", cwd=py_project.root).exit_code == 1


def test_stdin_scan_with_filename_picks_language(git_repo, br):
    res = br("security", "check", "-", "--stdin-filename", "app/db.py", "--json", cwd=git_repo.root, input=SQLI)
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert [(f["path"], f["line"], f["rule_id"].split(".")[0]) for f in data["findings"]] == [("app/db.py", 2, "python")]
    # the same text as a .txt file: no language, so no SQL rule applies
    res = br("security", "check", "-", "--stdin-filename", "notes.txt", cwd=git_repo.root, input=SQLI)
    assert res.exit_code == 0


def test_stdin_secret_is_masked_and_named(git_repo, br):
    token = github_pat("7")
    res = br("security", "check", "-", cwd=git_repo.root, input=f"export GITHUB_TOKEN={token}\n")
    assert res.exit_code == 1
    assert "<stdin>:1" in res.stdout and token not in res.output
    assert br("security", "check", "-", cwd=git_repo.root, input="nothing here\n").exit_code == 0
    assert not (git_repo.root / ".buildrunner" / "state" / "last-scan.json").exists()


def test_stdin_usage_errors(git_repo, br):
    assert br("security", "check", "-", "other.py", cwd=git_repo.root, input="").exit_code == 2
    assert br("security", "check", "-", "--staged", cwd=git_repo.root, input="").exit_code == 2
    assert br("security", "check", "--stdin-filename", "a.py", cwd=git_repo.root).exit_code == 2


@pytest.fixture
def gappy(git_repo):
    git_repo.write(".env", "DEBUG=1\n")
    git_repo.write("app.py", f"TOKEN = '{github_pat('3')}'\n")
    return git_repo


def test_gaps_formats(gappy, br):
    text = br("gaps", "analyze", cwd=gappy.root)
    assert text.exit_code == 1 and "gaps.env-not-ignored" in text.stdout
    gcc = br("gaps", "analyze", "--format", "gcc", cwd=gappy.root)
    assert gcc.exit_code == 1
    assert ".env:1:1: error: " in gcc.stdout and "[gaps.env-not-ignored]" in gcc.stdout
    assert "app.py:1:1: error: " in gcc.stdout and github_pat("3") not in gcc.stdout
    gh = br("gaps", "analyze", "--format", "github", cwd=gappy.root)
    assert "::error file=.env,line=1" in gh.stdout and "whitelist --fingerprint" not in gh.stdout
    sarif = json.loads(br("gaps", "analyze", "--format", "sarif", cwd=gappy.root).stdout)
    assert_valid(sarif, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"gaps.env-not-ignored", "gaps.hardcoded-secrets", "gaps.no-tests"}
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)


def test_gaps_fail_on(gappy, br):
    assert br("gaps", "analyze", "--fail-on", "critical", "-q", cwd=gappy.root).exit_code == 1  # the secret
    (gappy.root / "app.py").write_text("import os\nTOKEN = os.environ['TOKEN']\n")
    res = br("gaps", "analyze", "--fail-on", "critical", cwd=gappy.root)
    assert res.exit_code == 0 and "gaps.env-not-ignored" in res.stdout
    assert br("gaps", "analyze", "--fail-on", "high", "-q", cwd=gappy.root).exit_code == 1
