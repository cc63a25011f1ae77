"""The published `.pre-commit-hooks.yaml`, run by the real pre-commit framework (no network:
`repo: local` with the same hook definition, pointed at this checkout's interpreter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import GITHUB_TOKEN, clean_env

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def published_hook() -> dict:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return hook


def test_published_definition():
    hook = published_hook()
    assert hook["id"] == "buildrunner" and hook["entry"] == "br hook run"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True


@pytest.fixture
def framework_repo(git_repo, tmp_path):
    # pre-commit is a dev dependency: missing, it is a broken environment and the test fails
    assert PRE_COMMIT.exists() or shutil.which("pre-commit"), "pre-commit is not installed (`make install`)"
    hook = dict(published_hook(), entry=f"{sys.executable} -m buildrunner hook run", language="system")
    hook.pop("minimum_pre_commit_version", None)
    git_repo.write(".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    git_repo.write("old.py", f'TOKEN = "{GITHUB_TOKEN}"\n')  # committed before the hook existed
    git_repo.write("app.py", "print('hello')\n")
    git_repo.add()
    git_repo.commit("init")
    env = clean_env()
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    return git_repo, env


def run(cmd, repo, env):
    exe = str(PRE_COMMIT) if PRE_COMMIT.exists() else "pre-commit"
    return subprocess.run([exe, *cmd] if cmd[0] != "git" else cmd, cwd=repo.root, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.slow
def test_run_all_files_checks_every_file(framework_repo):
    repo, env = framework_repo
    proc = run(["run", "--all-files"], repo, env)
    assert proc.returncode == 1, proc.stdout
    assert "old.py:1" in proc.stdout and "secrets.github-pat" in proc.stdout
    assert GITHUB_TOKEN not in proc.stdout


@pytest.mark.slow
def test_commit_through_the_framework(framework_repo):
    repo, env = framework_repo
    assert run(["install"], repo, env).returncode == 0
    repo.write("clean.py", "VALUE = 1\n")
    repo.add("clean.py")
    proc = run(["git", "commit", "-m", "clean"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.write("leak.py", f'TOKEN = "{GITHUB_TOKEN}"\n')
    repo.add("leak.py")
    proc = run(["git", "commit", "-m", "leak"], repo, env)
    assert proc.returncode != 0
    assert "leak.py:1" in proc.stdout + proc.stderr
