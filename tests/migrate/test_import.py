"""`br security baseline --import`: detect-secrets baselines written by the real tool, gitleaks JSON
reports (the documented format, plain and --redact) and .gitleaksignore. Imported findings stop
blocking, anything new still blocks — through `br security check` and a real `git commit`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gate.conftest import clean_env, git_commit
from tests.migrate.commits import assert_commit_blocked
from tests.migrate.tokens import github_pat, slack_bot

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = '"""Settings."""\nDEBUG = False\nGITHUB_TOKEN = "{gh}"\n'
APP_YAML = "service: web\nslack_token: {sl}\n"


def detect_secrets_scan(root: Path) -> Path:
    """Run the real detect-secrets (the dev dependency) as users do: `detect-secrets scan > .secrets.baseline`."""
    exe = shutil.which("detect-secrets", path=str(Path(sys.executable).parent)) or shutil.which("detect-secrets")
    assert exe, "detect-secrets is a dev dependency"
    proc = subprocess.run([exe, "scan"], cwd=root, capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    baseline = root / ".secrets.baseline"
    baseline.write_text(proc.stdout, encoding="utf-8")
    return baseline


def _findings(br, root, *args):
    res = br("security", "check", "--json", *args, cwd=root)
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, json.loads(res.stdout)


def _write_legacy(repo, gh: str, sl: str) -> None:
    repo.write("config/settings.py", SETTINGS.format(gh=gh))
    repo.write("deploy/app.yaml", APP_YAML.format(sl=sl))


@pytest.mark.slow
def test_detect_secrets_baseline_from_the_real_tool(git_repo, br):
    gh, sl = github_pat("ds1"), slack_bot("ds2")
    _write_legacy(git_repo, gh, sl)
    git_repo.write("db/conn.py", 'password = "Wq9#vLz2!pXr7@Tb"\n')
    git_repo.add()
    detect_secrets_scan(git_repo.root)
    code, before = _findings(br, git_repo.root)
    assert code == 1 and len(before["findings"]) >= 2
    res = br("security", "baseline", "--import", ".secrets.baseline", "--json", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["imported"] == {".secrets.baseline": "detect-secrets baseline"}
    assert summary["added"] == len(before["findings"]) and summary["unmatched"] == []
    code, after = _findings(br, git_repo.root)
    assert code == 0 and after["summary"]["suppressed_by"] == {"baseline": summary["added"]}
    stored = (git_repo.root / ".buildrunner" / "baseline.json").read_text()
    assert gh not in stored and sl not in stored and gh[4:20] not in stored
    assert '"imported_from": "detect-secrets baseline"' in stored
    # a new secret, even in a baselined file, still blocks
    git_repo.write("config/settings.py", SETTINGS.format(gh=gh) + f'BACKUP_TOKEN = "{github_pat("new")}"\n')
    code, data = _findings(br, git_repo.root)
    assert code == 1 and [(f["path"], f["line"]) for f in data["findings"]] == [("config/settings.py", 4)]


def test_detect_secrets_entries_for_other_secrets_do_not_carry_over(git_repo, br):
    """The baseline was written for one token; the file now holds another on the same line."""
    _write_legacy(git_repo, github_pat("old"), slack_bot("old"))
    git_repo.add()
    detect_secrets_scan(git_repo.root)
    _write_legacy(git_repo, github_pat("rotated-in"), slack_bot("old"))
    res = br("security", "baseline", "--import", ".secrets.baseline", "--json", cwd=git_repo.root)
    summary = json.loads(res.stdout)
    assert summary["added"] == 1
    assert any("config/settings.py:3" in u for u in summary["unmatched"])
    code, data = _findings(br, git_repo.root)
    assert code == 1 and [f["path"] for f in data["findings"]] == ["config/settings.py"]


@pytest.mark.parametrize("fixture", ["gitleaks-report.json", "gitleaks-report-redacted.json"])
def test_gitleaks_report(git_repo, br, fixture):
    _write_legacy(git_repo, github_pat("gl1"), slack_bot("gl2"))  # the secrets the fixture report names
    # (a report holds the secrets themselves: br would rightly flag it inside the repository)
    res = br("security", "baseline", "--import", str(FIXTURES / fixture), cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert "gitleaks report" in res.stdout and "2 finding(s) added" in res.stdout
    stored = json.loads((git_repo.root / ".buildrunner" / "baseline.json").read_text())["findings"]
    assert {e["matched_by"] for e in stored} == {"line" if "redacted" in fixture else "secret"}
    assert github_pat("gl1") not in json.dumps(stored)
    assert _findings(br, git_repo.root)[0] == 0
    git_repo.write("deploy/app.yaml", APP_YAML.format(sl=slack_bot("gl2")) + f"github: {github_pat('gl9')}\n")
    code, data = _findings(br, git_repo.root)
    assert code == 1 and [(f["path"], f["line"]) for f in data["findings"]] == [("deploy/app.yaml", 3)]


def test_gitleaksignore_with_and_without_commits(git_repo, br):
    _write_legacy(git_repo, github_pat("gi1"), slack_bot("gi2"))
    git_repo.add()
    sha = git_repo.commit("legacy config")
    git_repo.write(".gitleaksignore", "# accepted after review\n"
                                      f"{sha}:config/settings.py:github-pat:3\n"
                                      "deploy/app.yaml:slack-bot-token:2\n")
    res = br("security", "baseline", "--import", ".gitleaksignore", "--json", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 2
    assert _findings(br, git_repo.root)[0] == 0


def test_gitleaksignore_commit_entry_needs_the_line_unchanged(git_repo, br):
    git_repo.write("config/settings.py", '"""Settings."""\nDEBUG = False\nGITHUB_TOKEN = ""\n')
    git_repo.add()
    sha = git_repo.commit("empty token")
    git_repo.write("config/settings.py", SETTINGS.format(gh=github_pat("later")))  # line 3 changed since
    git_repo.write(".gitleaksignore", f"{sha}:config/settings.py:github-pat:3\n")
    res = br("security", "baseline", "--import", ".gitleaksignore", "--json", cwd=git_repo.root)
    summary = json.loads(res.stdout)
    assert summary["added"] == 0 and len(summary["unmatched"]) == 1
    assert _findings(br, git_repo.root)[0] == 1


def test_import_keeps_the_existing_baseline(git_repo, br):
    git_repo.write("a.yaml", f"x: {github_pat('own')}\n")
    assert br("security", "baseline", cwd=git_repo.root).exit_code == 0
    _write_legacy(git_repo, github_pat("gl1"), slack_bot("gl2"))
    res = br("security", "baseline", "--import", str(FIXTURES / "gitleaks-report.json"), "--json",
             cwd=git_repo.root)
    summary = json.loads(res.stdout)
    assert (summary["added"], summary["kept"]) == (2, 1)
    assert _findings(br, git_repo.root)[0] == 0


@pytest.mark.parametrize(("name", "content", "where"), [
    ("bad.json", '{"results": {"a.py": [\n  {"hashed_secret": 42}]}}', "results[a.py][0]"),
    ("broken.json", '[\n {"File": "a.py",\n', "broken.json:3"),
    ("report.json", '[{"File": "a.py", "StartLine": "three"}]', "StartLine"),
    (".gitleaksignore", "# ok\nnot a fingerprint\n", ".gitleaksignore:2"),
])
def test_bad_import_files_exit_2_naming_the_place(git_repo, br, name, content, where):
    git_repo.write(name, content)
    res = br("security", "baseline", "--import", name, cwd=git_repo.root)
    assert res.exit_code == 2 and where in res.stderr and "Traceback" not in res.output
    assert not (git_repo.root / ".buildrunner" / "baseline.json").exists()


def test_missing_import_file(git_repo, br):
    res = br("security", "baseline", "--import", "nope.json", cwd=git_repo.root)
    assert res.exit_code == 2 and "nope.json" in res.stderr


@pytest.mark.slow
def test_imported_baseline_unblocks_a_real_commit_but_not_a_new_secret(hooked, br):
    gh, sl = github_pat("hk1"), slack_bot("hk2")
    hooked.write("deploy/app.yaml", APP_YAML.format(sl=sl))
    hooked.write("deploy/ci.yaml", f"token: {gh}\n")
    hooked.add()
    hooked.commit("legacy secrets (committed before br)")
    detect_secrets_scan(hooked.root)
    assert br("security", "baseline", "--import", ".secrets.baseline", cwd=hooked.root).exit_code == 0
    # touching the legacy lines re-reports them to the hook; the imported baseline lets them through
    hooked.write("deploy/app.yaml", APP_YAML.format(sl=sl).replace("web", "api") + "# reviewed\n")
    hooked.write("deploy/ci.yaml", f"token: {gh}  # legacy\n")
    hooked.add("deploy", ".buildrunner/baseline.json")
    proc = git_commit(hooked, "touch legacy config")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooked.write("deploy/ci.yaml", f"token: {gh}  # legacy\nnew_token: {github_pat('hk3')}\n")
    hooked.add("deploy")
    assert_commit_blocked(hooked, "new secret", where="deploy/ci.yaml:2", secret=github_pat("hk3"))
