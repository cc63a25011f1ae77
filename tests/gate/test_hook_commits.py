"""End to end: real `git commit`s through the installed pre-commit hook."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from buildrunner.hooks import install_hook
from buildrunner.project import discover

from .conftest import CALC, GITHUB_TOKEN, SQLI, clean_env, fingerprints, git_commit, head, measure


def test_secret_is_blocked(hooked):
    before = head(hooked)
    hooked.write("pkg/settings.py", f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n')
    hooked.add()
    proc = git_commit(hooked, "add settings")
    assert proc.returncode != 0
    assert head(hooked) == before  # nothing was committed
    out = proc.stdout + proc.stderr
    assert "commit blocked" in out
    assert "pkg/settings.py:1" in out and "secrets.github-pat" in out  # where and what
    assert GITHUB_TOKEN not in out  # masked
    assert "move it to .env (already git-ignored)" in out  # the next step, knowing .env is ignored
    assert fingerprints(out)  # the exact whitelist command


def test_sql_injection_is_blocked(hooked):
    before = head(hooked)
    hooked.write("pkg/db.py", SQLI)
    hooked.add()
    proc = git_commit(hooked, "add db")
    assert proc.returncode != 0 and head(hooked) == before
    out = proc.stdout + proc.stderr
    assert "pkg/db.py:6" in out and "sql-injection" in out
    assert "query parameters" in out


def test_sql_injection_built_on_an_old_line_is_seen_when_the_sink_is_new(hooked):
    hooked.write("pkg/db.py", 'QUERY = "SELECT * FROM users WHERE name = \'%s\'"\n\n\n'
                              'def find(con, name):\n    sql = QUERY % name\n    return name\n')
    hooked.add()
    hooked.commit("helper")  # --no-verify: only the next commit matters here
    hooked.write("pkg/db.py", 'QUERY = "SELECT * FROM users WHERE name = \'%s\'"\n\n\n'
                              'def find(con, name):\n    sql = QUERY % name\n    return con.execute(sql)\n')
    hooked.add()
    proc = git_commit(hooked, "use it")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "pkg/db.py:6" in out and "sql-injection" in out


def test_uncovered_new_function_is_blocked(hooked, br):
    before = head(hooked)
    hooked.write("pkg/calc.py", CALC + "\n\ndef mul(a, b):\n    if a == 0:\n        return 0\n    return a * b\n")
    measure(hooked.root)  # the tests ran after the change, and never called mul()
    hooked.add()
    proc = git_commit(hooked, "add mul")
    assert proc.returncode != 0 and head(hooked) == before
    out = proc.stdout + proc.stderr
    assert "coverage of changed lines 25.0% is below the minimum 80%" in out
    assert "pkg/calc.py: line(s) 10-12 never ran in the tests" in out


def test_stale_coverage_warns_but_does_not_block(hooked):
    hooked.write("pkg/calc.py", CALC + "\n\ndef mul(a, b):\n    return a * b\n")  # after the data
    hooked.add()
    proc = git_commit(hooked, "add mul")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "changed after the coverage data was produced (pkg/calc.py): their coverage is unknown" in out


def test_clean_commit_goes_through_with_one_line(hooked):
    hooked.write("README.md", "# calc\n")
    hooked.write("pkg/calc.py", CALC.replace("return a + b", "return b + a"))
    measure(hooked.root)
    hooked.add()
    before = head(hooked)
    proc = git_commit(hooked, "docs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert head(hooked) != before
    hook_lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("br:")]
    assert len(hook_lines) == 1 and "no secrets, no SQL injection, coverage ok" in hook_lines[0]


def test_whitelisted_fingerprint_goes_through(hooked, br):
    hooked.write("docs/example.md", f"Use a token like `{GITHUB_TOKEN}` (a revoked test token).\n")
    hooked.add()
    proc = git_commit(hooked, "docs")
    assert proc.returncode != 0
    [fp] = fingerprints(proc.stdout + proc.stderr)
    result = br("security", "whitelist", "--fingerprint", fp, "--reason", "revoked test token", cwd=hooked.root)
    assert result.exit_code == 0, result.output
    hooked.add()
    proc = git_commit(hooked, "docs")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_existing_hook_still_runs_and_can_block(py_project):
    hooks_dir = py_project.root / ".git" / "hooks"
    original = "#!/bin/sh\necho ran >> \"$(git rev-parse --show-toplevel)/hook-ran.txt\"\n" \
               "test ! -e \"$(git rev-parse --show-toplevel)/BLOCK\"\n"
    (hooks_dir / "pre-commit").write_text(original)
    (hooks_dir / "pre-commit").chmod(0o755)
    measure(py_project.root)
    install_hook(discover(py_project.root))
    py_project.write("notes.txt", "hello\n")
    py_project.add("notes.txt")
    assert git_commit(py_project, "notes").returncode == 0
    assert (py_project.root / "hook-ran.txt").read_text() == "ran\n"
    # the chained hook's failure blocks the commit
    py_project.write("BLOCK", "")
    py_project.write("notes.txt", "hello again\n")
    py_project.add("notes.txt")
    assert git_commit(py_project, "notes 2").returncode != 0


def test_missing_interpreter_blocks_with_instructions(py_project, tmp_path):
    install_hook(discover(py_project.root), python=str(tmp_path / "gone" / "python"))
    py_project.write("notes.txt", "hello\n")
    py_project.add("notes.txt")
    env = clean_env()
    env["PATH"] = "/usr/bin:/bin"  # no `br` here
    proc = subprocess.run(["git", "commit", "-m", "x"], cwd=py_project.root, capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    assert "BuildRunner not found" in proc.stderr and "--no-verify" in proc.stderr


def test_falls_back_to_br_on_path(py_project, tmp_path):
    install_hook(discover(py_project.root), python=str(tmp_path / "gone" / "python"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "br"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m buildrunner \"$@\"\n")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    py_project.write("notes.txt", "hello\n")
    py_project.add("notes.txt")
    env = clean_env()
    env["PATH"] = f"{bindir}{os.pathsep}/usr/bin:/bin"
    proc = subprocess.run(["git", "commit", "-m", "x"], cwd=py_project.root, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "staged file(s) checked" in proc.stdout + proc.stderr


def test_hook_path_does_not_import_heavy_modules(hooked):
    hooked.write("pkg/db.py", SQLI)
    hooked.add()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "buildrunner", "hook", "run"],
                          cwd=hooked.root, capture_output=True, text=True, env=clean_env())
    assert "sql-injection" in proc.stdout  # the run did real work (and failed on the SQLi)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "buildrunner.coverage.check" in imported and "sqlite3" in imported
    for heavy in ("libcst", "anthropic", "flask", "coverage", "rich"):
        assert not {m for m in imported if m == heavy or m.startswith(heavy + ".")}, heavy


def test_first_commit_of_a_new_repository(git_repo):
    """No HEAD yet: everything staged is new."""
    install_hook(discover(git_repo.root))
    git_repo.write("settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    git_repo.add()
    proc = git_commit(git_repo, "first")
    assert proc.returncode != 0 and "settings.py:1" in proc.stdout + proc.stderr
    git_repo.write("settings.py", 'import os\nTOKEN = os.environ["TOKEN"]\n')
    git_repo.add()
    proc = git_commit(git_repo, "first")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no tests and no coverage data" not in proc.stderr  # a notice is not worth a line per commit


def test_only_the_staged_version_counts(hooked):
    """A secret in the work tree but not in the index does not block; the index version is checked."""
    hooked.write("pkg/settings.py", "TOKEN = None\n")
    hooked.add()
    hooked.write("pkg/settings.py", f'TOKEN = "{GITHUB_TOKEN}"\n')  # unstaged edit
    proc = git_commit(hooked, "settings")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_commit_all_uses_gits_temporary_index(hooked):
    """`git commit -a` hands the hook a temporary index (GIT_INDEX_FILE): that is what gets checked."""
    before = head(hooked)
    hooked.write("pkg/calc.py", CALC + f'\nTOKEN = "{GITHUB_TOKEN}"\n')  # tracked file, not staged
    proc = subprocess.run(["git", "commit", "-a", "-m", "all"], cwd=hooked.root, capture_output=True, text=True,
                          env=clean_env())
    assert proc.returncode != 0 and head(hooked) == before
    assert "pkg/calc.py:8" in proc.stderr


def test_named_files_are_checked_whole_but_coverage_follows_the_staged_lines(hooked, br):
    """What the pre-commit framework does: `br hook run FILE...`."""
    legacy = CALC + "\n\ndef legacy(x):\n    if x:\n        return 1\n    return 2\n"
    hooked.write("pkg/calc.py", legacy)
    hooked.add()
    hooked.commit("legacy code, never tested")
    hooked.write("pkg/calc.py", legacy.replace("def add(a, b):", "def add(a, b):  # sums"))
    measure(hooked.root)
    hooked.add()
    staged = br("hook", "run", "pkg/calc.py", cwd=hooked.root)
    assert staged.exit_code == 0, staged.output  # the staged line ran in the tests
    hooked.commit("comment")
    whole = br("hook", "run", "pkg/calc.py", cwd=hooked.root)  # nothing staged: `--all-files`
    assert whole.exit_code == 1
    assert "pkg/calc.py: line(s) 10-12 never ran in the tests" in whole.output


def test_hook_run_quiet_and_json(hooked, br):
    hooked.write("README.md", "# calc\n")
    hooked.add()
    quiet = br("hook", "run", "-q", cwd=hooked.root)
    assert quiet.exit_code == 0 and quiet.output == ""
    data = json.loads(br("hook", "run", "--json", cwd=hooked.root).stdout)
    assert data["passed"] and data["files"] == 1
    assert [c["name"] for c in data["checks"]] == ["secrets", "sql-injection", "coverage"]
    assert set(data["phases_ms"]) == {"read_index_ms", "load_rules_ms", "scan_ms", "coverage_ms"}


def test_linked_worktree_shares_the_hook(hooked, tmp_path):
    """Installed from a linked worktree, the hook lands in the common hooks dir and guards both."""
    (hooked.root / ".git" / "hooks" / "pre-commit").unlink()
    other = tmp_path / "wt"
    hooked.git("worktree", "add", "-q", "-b", "side", str(other))
    install_hook(discover(other))
    assert (hooked.root / ".git" / "hooks" / "pre-commit").is_file()
    (other / "leak.py").write_text(f'TOKEN = "{GITHUB_TOKEN}"\n')
    subprocess.run(["git", "add", "leak.py"], cwd=other, check=True, env=clean_env())
    proc = subprocess.run(["git", "commit", "-m", "leak"], cwd=other, capture_output=True, text=True, env=clean_env())
    assert proc.returncode != 0 and "leak.py:1" in proc.stderr
