"""Fixtures for the Tier 1 gate tests: a small Python project in a real git repo, real coverage data
produced by coverage.py in a subprocess, and real `git commit`s through the installed hook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CALC = '''\
def add(a, b):
    return a + b


def sub(a, b):
    return a - b
'''

# CALC plus a function no test calls (lines 10-12 of its body stay uncovered).
UNTESTED = CALC + '''

def mul(a, b):
    if a == 0:
        return 0
    return a * b
'''

TEST_CALC = '''\
from pkg.calc import add, sub


def test_add():
    assert add(1, 2) == 3


def test_sub():
    assert sub(3, 2) == 1


if __name__ == "__main__":
    test_add()
    test_sub()
'''

# Fake credentials shaped like the real thing (the secret rules' own fixtures use the same style).
GITHUB_TOKEN = "ghp_a8Kz3Lq9Xw2Rt5Yp7Nc1Vb6Md4Fh0Js8GeQi"

SQLI = '''\
import sqlite3


def find_user(con: sqlite3.Connection, name: str):
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    return con.execute(query).fetchall()
'''


def clean_env() -> dict[str, str]:
    """The environment for child processes, without an outer coverage run's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE"))}


# Runs the test modules as scripts. (Not `-m tests.test_calc`: with this checkout installed in
# editable mode, `tests` would resolve to BuildRunner's own test package.)
RUN_TESTS = '''\
import glob
import runpy

for path in sorted(glob.glob("tests/test_*.py")):
    runpy.run_path(path, run_name="__main__")
'''


def measure(root: Path, *, data_file: str = ".coverage") -> None:
    """Run the project's tests under coverage.py (a real subprocess), leaving `data_file`."""
    if not (root / "run_tests.py").exists():
        (root / "run_tests.py").write_text(RUN_TESTS)
    proc = subprocess.run([sys.executable, "-m", "coverage", "run", f"--data-file={data_file}", "run_tests.py"],
                          cwd=root, capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0, proc.stderr


def coverage_cmd(root: Path, *args: str) -> None:
    """`coverage xml|json|lcov ...` on the data in root."""
    proc = subprocess.run([sys.executable, "-m", "coverage", *args], cwd=root, capture_output=True, text=True,
                          env=clean_env())
    assert proc.returncode == 0, proc.stderr


def git_commit(repo, message: str = "change") -> subprocess.CompletedProcess:
    """A real `git commit` that runs the installed hooks."""
    return subprocess.run(["git", "commit", "-m", message], cwd=repo.root, capture_output=True, text=True,
                          env=clean_env())


def head(repo) -> str:
    return repo.git("rev-parse", "HEAD").strip()


def fingerprints(output: str) -> list[str]:
    return re.findall(r"--fingerprint ([0-9a-f]{16}:\d+)", output)


@pytest.fixture
def py_project(git_repo):
    """A committed package with tests that cover it fully (no coverage data yet)."""
    git_repo.write("pkg/__init__.py", "")
    git_repo.write("pkg/calc.py", CALC)
    git_repo.write("tests/test_calc.py", TEST_CALC)
    git_repo.write("run_tests.py", RUN_TESTS)
    git_repo.write(".gitignore", ".coverage\n.coverage.*\ncoverage.xml\ncoverage.json\ncoverage.lcov\n"
                                 ".buildrunner/state/\n.env\n.env.*\n!.env.example\n")
    git_repo.add()
    git_repo.commit("init")
    return git_repo


@pytest.fixture
def untested_feature(py_project):
    """py_project on a branch `feature` that commits UNTESTED over main, with fresh coverage data."""
    py_project.git("checkout", "-q", "-b", "feature")
    py_project.write("pkg/calc.py", UNTESTED)
    py_project.add()
    py_project.commit("add mul")
    measure(py_project.root)
    return py_project


@pytest.fixture
def hooked(py_project):
    """py_project with fresh coverage data and BuildRunner's hook installed."""
    from buildrunner.hooks import install_hook
    from buildrunner.project import discover

    measure(py_project.root)
    install_hook(discover(py_project.root))
    return py_project


@pytest.fixture(scope="session")
def _shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def _share_rule_cache(monkeypatch, _shared_cache):
    """One per-user rule cache for the whole session: every hook subprocess would otherwise pay the
    full rule-pack load once per test. (test_rulecache.py isolates its own.)"""
    monkeypatch.setenv("XDG_CACHE_HOME", str(_shared_cache))
