"""A file name that is not valid UTF-8 is scanned and reported, never a crash, in every mode.

Paths are escaped in text (`caf\\xe9.py`, as gitleaks and git show them), percent-encoded in SARIF
URIs (`caf%E9.py`), and lossless in JSON (`os.fsencode` of the path gives the exact bytes back).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import GIT_ENV

NAME = b"caf\xe9.py"  # Latin-1 é: not UTF-8
TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"


def _write(root, name: bytes, text: str) -> None:
    with open(os.path.join(os.fsencode(root), name), "wb") as fh:
        fh.write(text.encode())


@pytest.fixture
def project(committed_project):
    return committed_project


def _assert_reported(res):
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert "caf\\xe9.py" in res.stdout and TOKEN not in res.output


def test_work_tree_scan_in_every_format(project, br):
    _write(project.root, NAME, f'TOKEN = "{TOKEN}"\n')
    _assert_reported(br("security", "check", cwd=project.root))
    _assert_reported(br("security", "check", "--format", "gcc", cwd=project.root))
    sarif = br("security", "check", "--format", "sarif", cwd=project.root)
    assert sarif.exit_code == 1
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(sarif.stdout)["runs"][0]["results"] for loc in r["locations"]]
    assert uris == ["caf%E9.py"]
    data = json.loads(br("security", "check", "--format", "json", cwd=project.root).stdout)
    assert [os.fsencode(f["path"]) for f in data["findings"]] == [NAME]


def test_a_file_named_on_the_command_line(project, br):
    _write(project.root, NAME, f'TOKEN = "{TOKEN}"\n')
    _assert_reported(br("security", "check", os.fsdecode(NAME), cwd=project.root))


def test_staged_and_history_scans(project, br):
    _write(project.root, NAME, f'TOKEN = "{TOKEN}"\n')
    project.add()
    _assert_reported(br("security", "check", "--staged", cwd=project.root))
    project.commit("add")
    _assert_reported(br("security", "check", "--history", cwd=project.root))


def test_the_pre_commit_hook_blocks_with_a_message_not_a_crash(project, br):
    assert br("hooks", "install", cwd=project.root).exit_code == 0
    _write(project.root, NAME, f'TOKEN = "{TOKEN}"\n')
    project.add()
    env = {**os.environ, **GIT_ENV, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run(["git", "commit", "-qm", "odd name"], cwd=project.root, capture_output=True,
                          text=True, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out and "internal error" not in out, out
    assert "caf\\xe9.py" in out and "github" in out.lower()
    _write(project.root, NAME, "print('clean now')\n")  # a clean file with the same odd name commits
    project.add()
    proc = subprocess.run(["git", "commit", "-qm", "odd name"], cwd=project.root, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_quality_gate_and_gaps(project, br):
    _write(project.root, NAME, f'TOKEN = "{TOKEN}"\n')
    _write(project.root, b".env.\xff", "SECRET_KEY=abc\n")
    project.add()
    project.git("add", "-f", "--", os.fsdecode(b".env.\xff"))  # br init's .gitignore keeps .env* out
    project.commit("odd names")
    gate = br("quality", "check", cwd=project.root)
    assert gate.exit_code == 1 and "Traceback" not in gate.output and "internal error" not in gate.output
    sarif = json.loads(br("quality", "check", "--format", "sarif", cwd=project.root).stdout)
    assert "caf%E9.py" in json.dumps(sarif)
    gaps = br("gaps", "analyze", cwd=project.root, env={"BR_TRACEBACK": "1"})
    assert gaps.exit_code in (0, 1) and "Traceback" not in gaps.output and "internal error" not in gaps.output
    assert ".env.\\xff" in gaps.stdout
