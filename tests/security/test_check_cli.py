"""`br security check` end to end: modes, formats, exit codes, bad input, last-scan state."""

from __future__ import annotations

import json

import pytest

from tests.engine.scanhelp import RULES, token


def _commit_secret_then_remove(repo):
    repo.write("app.py", "import os\n")
    repo.add()
    repo.commit("init")
    repo.write("app.py", f"import os\nKEY = '{token('h')}'\n")
    repo.add()
    sha = repo.commit("oops", date="2024-05-06T07:08:09+00:00")
    repo.write("app.py", "import os\nKEY = os.environ['KEY']\n")
    repo.add()
    repo.commit("fix")
    return sha


def test_clean_repo_exits_0_and_quiet_prints_nothing(repo, br):
    repo.write("a.py", "x = 1\n")
    res = br("security", "check", *RULES, cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert "no findings" in res.stdout.lower() or "0 findings" in res.stdout.lower()
    res = br("security", "check", "--quiet", *RULES, cwd=repo.root)
    assert (res.exit_code, res.stdout) == (0, "")


def test_finding_exits_1_with_masked_location(repo, br):
    repo.write("src/settings.py", f"DEBUG = True\nKEY = '{token(1)}'\n")
    res = br("security", "check", "--no-color", *RULES, cwd=repo.root)
    assert res.exit_code == 1
    assert "src/settings.py:2" in res.stdout and "testpack.token" in res.stdout
    assert token(1) not in res.output
    assert "br security whitelist" in res.stdout  # the exact command to silence it


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gcc", "github"])
def test_every_format_masks_the_secret(repo, br, fmt):
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    res = br("security", "check", "--format", fmt, *RULES, cwd=repo.root)
    assert res.exit_code == 1
    assert token(1) not in res.output
    if fmt == "json":
        data = json.loads(res.stdout)
        assert data["findings"][0]["path"] == "a.py" and data["findings"][0]["line"] == 1
    if fmt == "sarif":
        assert json.loads(res.stdout)["version"] == "2.1.0"
    if fmt == "gcc":
        assert res.stdout.startswith("a.py:1:")


def test_output_file(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    (repo.root / "out").mkdir()  # --output never creates directories (tests/wellbehaved)
    res = br("security", "check", "--json", "--output", "out/report.json", *RULES, cwd=repo.root)
    assert res.exit_code == 1 and res.stdout == ""
    data = json.loads((repo.root / "out" / "report.json").read_text())
    assert len(data["findings"]) == 1


def test_unwritable_output_exits_2(repo, br):
    (repo.root / "out").mkdir()
    res = br("security", "check", "--json", "--output", "out", *RULES, cwd=repo.root)  # a directory
    assert res.exit_code == 2 and "out: is a directory" in res.stderr


def test_paths_argument_limits_the_scan(repo, br):
    repo.write("a/x.py", f"KEY = '{token(1)}'\n")
    repo.write("b/y.py", f"KEY = '{token(2)}'\n")
    res = br("security", "check", "--json", "b", *RULES, cwd=repo.root)
    assert [f["path"] for f in json.loads(res.stdout)["findings"]] == ["b/y.py"]
    res = br("security", "check", "--json", "x.py", *RULES, cwd=repo.root / "a")
    assert [f["path"] for f in json.loads(res.stdout)["findings"]] == ["x.py"]  # relative to the cwd, as ruff


def test_staged_mode(repo, br):
    repo.write("a.py", "x = 1\n")
    repo.add()
    repo.commit("init")
    repo.write("a.py", f"x = 1\nKEY = '{token(1)}'\n")
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 0  # not staged yet
    repo.add()
    res = br("security", "check", "--staged", "--json", *RULES, cwd=repo.root)
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["mode"] == "staged" and data["findings"][0]["line"] == 2


def test_history_mode(repo, br):
    sha = _commit_secret_then_remove(repo)
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0  # gone from HEAD...
    res = br("security", "check", "--history", "--json", *RULES, cwd=repo.root)
    assert res.exit_code == 1  # ...but still in history
    (f,) = json.loads(res.stdout)["findings"]
    assert (f["path"], f["line"], f["origin"]["commit"]) == ("app.py", 2, sha)
    assert f["origin"]["author_date"] == "2024-05-06T07:08:09+00:00"
    assert br("security", "check", "--history", "--since", sha, *RULES, cwd=repo.root).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (("--staged",), "not a git repository"),
    (("--history",), "not a git repository"),
])
def test_git_modes_outside_git_exit_2(tmp_path, br, args, message):
    (tmp_path / "a.py").write_text("x = 1\n")
    res = br("security", "check", *args, cwd=tmp_path)
    assert res.exit_code == 2
    assert message in res.stderr


@pytest.mark.parametrize("args", [
    ("--staged", "--history"),
    ("--since", "HEAD"),
    ("--history", "some/path"),
    ("no/such/file.py",),
    ("--format", "xml"),
    ("--staged", "--fix"),
])
def test_usage_errors_exit_2(repo, br, args):
    res = br("security", "check", *args, cwd=repo.root)
    assert res.exit_code == 2, res.output


def test_bad_since_revision_exits_2(repo, br):
    repo.write("a.py", "x = 1\n")
    repo.add()
    repo.commit()
    res = br("security", "check", "--history", "--since", "no-such-rev", *RULES, cwd=repo.root)
    assert res.exit_code == 2 and "not a commit" in res.stderr


def test_unknown_rule_prefix_exits_2(repo, br):
    res = br("security", "check", "--rules", "nope.nothing", cwd=repo.root)
    assert res.exit_code == 2 and "no enabled" in res.stderr


def test_skipped_files_are_counted_in_the_report(repo, br):
    repo.write("a.bin2", b"\x00\x00" + token(1).encode())
    repo.write("b.py", b"x = '\xff'\n")
    res = br("security", "check", "--json", *RULES, cwd=repo.root)
    data = json.loads(res.stdout)
    assert res.exit_code == 0
    assert data["summary"]["skipped_by_reason"] == {"binary": 1}  # b.py (not UTF-8) is scanned


def test_last_scan_state_is_recorded_without_values(repo, br):
    from buildrunner.engine.state import read_last_scan
    from buildrunner.project import Project

    repo.write("a.py", f"KEY = '{token(1)}'\n")
    br("security", "check", *RULES, cwd=repo.root)
    state = read_last_scan(Project(repo.root))
    assert state["exit_code"] == 1 and state["mode"] == "files" and state["by_severity"]["high"] == 1
    raw = (repo.root / ".buildrunner" / "state" / "last_scan.json").read_text()
    assert token(1) not in raw and token(1)[:12] not in raw


def test_unwritable_state_dir_is_ignored(repo, br):
    from buildrunner.engine.state import read_last_scan
    from buildrunner.project import Project

    (repo.root / ".buildrunner" / "state").write_text("a file where a directory should be")
    repo.write("a.py", "x = 1\n")
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0
    assert read_last_scan(Project(repo.root)) is None


def test_parallel_cli_scan(repo, br):
    for i in range(260):
        repo.write(f"m/f{i}.py", f"v = {i}\n" + (f"K = '{token(i)}'\n" if i % 50 == 0 else ""))
    one = json.loads(br("security", "check", "--json", "--jobs", "1", *RULES, cwd=repo.root).stdout)
    two = json.loads(br("security", "check", "--json", "--jobs", "2", *RULES, cwd=repo.root).stdout)
    assert len(one["findings"]) == 6
    strip = [{k: v for k, v in f.items() if k != "duration_s"} for f in one["findings"]]
    assert strip == [{k: v for k, v in f.items() if k != "duration_s"} for f in two["findings"]]


def test_security_help_lists_commands(br):
    res = br("security", "--help")
    assert res.exit_code == 0
    for name in ("check", "whitelist", "baseline"):
        assert name in res.stdout


@pytest.mark.slow
def test_fix_seam_registers_subcommand_and_check_fix(repo, br):
    repo.write("db.py", "import sqlite3\n\n\ndef get(conn, uid):\n    cur = conn.cursor()\n"
                        "    cur.execute(f\"SELECT * FROM users WHERE id = {uid}\")\n")
    assert br("security", "fix", "--help").exit_code == 0
    res = br("security", "check", "--json", "--rules", "python.sql-injection", cwd=repo.root)
    assert res.exit_code == 1
    res = br("security", "check", "--fix", "--rules", "python.sql-injection", cwd=repo.root)
    assert res.exit_code == 0, res.output
    assert "{uid}" not in (repo.root / "db.py").read_text()


def test_quiet_still_reports_findings(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    res = br("security", "check", "--quiet", *RULES, cwd=repo.root)
    assert res.exit_code == 1 and "a.py:1" in res.stdout


def test_staged_with_paths_scans_index_versions_fully(repo, br):
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    repo.add()
    repo.commit("init")  # committed already: a plain --staged scan has nothing new
    assert br("security", "check", "--staged", *RULES, cwd=repo.root).exit_code == 0
    res = br("security", "check", "--staged", "--json", "a.py", *RULES, cwd=repo.root)  # pre-commit framework
    assert res.exit_code == 1 and json.loads(res.stdout)["findings"][0]["line"] == 1


def test_a_repository_git_refuses_is_an_error_naming_the_cause_not_a_clean_scan(repo, br):
    """`git diff --cached` in a repository git cannot use falls back to `--no-index` and prints its
    usage; the user must see git's real reason, and a history scan must not pass as clean."""
    repo.write("a.py", f"KEY = '{token(1)}'\n")
    repo.add("a.py")
    (repo.root / ".git" / "HEAD").write_text("garbage\n")  # as broken as a repo can get
    for mode in ("--staged", "--history"):
        res = br("security", "check", mode, *RULES, cwd=repo.root)
        assert res.exit_code == 2, (mode, res.output)
        assert "fatal: not a git repository" in res.stderr, (mode, res.stderr)
        assert "usage" not in res.stderr and "--output" not in res.stderr


def test_git_failure_keeps_the_fatal_line_and_the_safe_directory_hint(tmp_path):
    from buildrunner.engine.gitio import git_failure

    stderr = (b"fatal: detected dubious ownership in repository at '/srv/app'\n"
              b"To add an exception for this directory, call:\n\n"
              b"\tgit config --global --add safe.directory /srv/app\n")
    err = git_failure(tmp_path, ("ls-files",), stderr, 128)
    assert err.message == "git ls-files failed: fatal: detected dubious ownership in repository at '/srv/app'"
    assert err.hint == "if you trust this repository, run: git config --global --add safe.directory /srv/app"


def test_an_ignored_file_named_on_the_command_line_is_scanned(repo, br):
    repo.write(".gitignore", ".env\n")
    repo.write(".env", f"KEY={token(1)}\n")
    assert br("security", "check", *RULES, cwd=repo.root).exit_code == 0  # a full scan skips it
    res = br("security", "check", "--format", "gcc", *RULES, ".env", cwd=repo.root)
    assert res.exit_code == 1 and res.stdout.startswith(".env:1:"), res.output
    assert token(1) not in res.output
