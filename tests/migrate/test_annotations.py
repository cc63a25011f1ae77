"""Other tools' inline annotations (gitleaks, detect-secrets, Bandit, Semgrep) are honoured by
default, named in the report, and can be turned off."""

from __future__ import annotations

import json

import pytest

from tests.migrate.commits import assert_commit_blocked
from tests.migrate.tokens import github_pat, slack_bot

SQL = 'cur.execute("SELECT * FROM users WHERE id = " + uid)'


def _scan(br, root, *args):
    res = br("security", "check", "--format", "json", *args, cwd=root)
    assert res.exit_code in (0, 1), res.output
    return res, json.loads(res.stdout)


def _by_line(data):
    kept = {f["line"]: f["rule_id"] for f in data["findings"]}
    suppressed = {s["finding"]["line"]: (s["how"], s["reason"]) for s in data["suppressed"]}
    return kept, suppressed


def test_secret_annotations_suppress_and_are_named(git_repo, br):
    git_repo.write("settings.py", "\n".join([
        f'A = "{github_pat("1")}"  # gitleaks:allow',
        f'B = "{github_pat("2")}"  # pragma: allowlist secret',
        "# pragma: allowlist nextline secret",
        f'C = "{slack_bot("3")}"',
        f'D = "{slack_bot("4")}"',
        f'E = "{github_pat("5")}"',  # the nextline pragma covers only line 4
        "",
    ]))
    res, data = _scan(br, git_repo.root)
    kept, suppressed = _by_line(data)
    assert res.exit_code == 1
    assert sorted(kept) == [5, 6]
    assert suppressed == {1: ("annotation", "gitleaks:allow"), 2: ("annotation", "pragma: allowlist secret"),
                          4: ("annotation", "pragma: allowlist nextline secret")}
    assert data["summary"]["suppressed_by"] == {"annotation": 3}


def test_sql_annotations_only_for_sql_rules(git_repo, br):
    git_repo.write("db.py", "\n".join([
        "def f(cur, uid):",
        f"    {SQL}  # nosec B608",
        f"    {SQL}  # nosec",
        f"    {SQL}  # nosec B101",  # names another Bandit test: not this one
        f"    {SQL}  # nosemgrep: python.lang.security.audit.formatted-sql-query",
        f"    {SQL}  # nosemgrep: python.lang.security.audit.eval-detected",  # not a SQL rule
        "    # nosemgrep: python.django.security.injection.sql.sql-injection-db-cursor-execute",
        f"    {SQL}",
        f"    {SQL}",
        f'    token = "{github_pat("9")}"  # nosec',  # nosec is Bandit's: it does not hide a secret
        "",
    ]))
    _, data = _scan(br, git_repo.root)
    kept, suppressed = _by_line(data)
    assert sorted(kept) == [4, 6, 9, 10]
    assert suppressed[2] == ("annotation", "nosec B608")
    assert suppressed[3] == ("annotation", "nosec")
    assert suppressed[5] == ("annotation", "nosemgrep: python.lang.security.audit.formatted-sql-query")
    assert suppressed[8][1].startswith("nosemgrep: python.django.security.injection.sql")


def test_annotations_configurable_off(git_repo, br):
    git_repo.write("settings.py", f'A = "{github_pat("1")}"  # gitleaks:allow\n')
    assert _scan(br, git_repo.root)[0].exit_code == 0
    assert br("config", "set", "security.foreign_annotations", "false", cwd=git_repo.root).exit_code == 0
    res, data = _scan(br, git_repo.root)
    assert res.exit_code == 1 and data["suppressed"] == []


def test_sarif_marks_annotation_in_source(git_repo, br):
    git_repo.write("settings.py", f'A = "{github_pat("1")}"  # gitleaks:allow\n')
    res = br("security", "check", "--format", "sarif", cwd=git_repo.root)
    results = json.loads(res.stdout)["runs"][0]["results"]
    # suppressed results are not in the default upload; the summary counts them by how
    assert all(not r.get("suppressions") or r["suppressions"][0]["kind"] == "inSource" for r in results)


@pytest.mark.slow
def test_hook_honours_gitleaks_allow_through_real_commit(hooked):
    from tests.gate.conftest import git_commit

    hooked.write("deploy.yaml", f"token: {github_pat('1')}  # gitleaks:allow\n")
    hooked.add("deploy.yaml")
    proc = git_commit(hooked, "reviewed test token")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooked.write("deploy.yaml", f"token: {github_pat('1')}  # gitleaks:allow\nother: {github_pat('2')}\n")
    hooked.add("deploy.yaml")
    assert_commit_blocked(hooked, "leak", where="deploy.yaml:2", secret=github_pat("2"))
