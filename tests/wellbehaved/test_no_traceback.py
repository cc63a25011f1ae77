"""No command ever shows a traceback: a busy lock, or a bug, is one line on stderr."""

from __future__ import annotations

import fcntl
import os

import click
import pytest


@pytest.fixture
def project(git_repo, br, monkeypatch):
    monkeypatch.delenv("BR_TELEMETRY", raising=False)
    git_repo.write("README.md", "hi\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    br("status", cwd=git_repo.root)  # records an event: the telemetry log exists
    return git_repo


def test_telemetry_clear_with_a_busy_lock_is_a_message(project, br_subprocess):
    summary = next((project.root / ".buildrunner" / "telemetry").glob("summary*.json"))
    fd = os.open(summary, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another br process writing telemetry
        res = br_subprocess("telemetry", "clear", "--yes", cwd=project.root, env={"BR_TELEMETRY": "1"})
    finally:
        os.close(fd)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert "locked by another br process" in res.stderr and "try again" in res.stderr


GHP = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"


@click.command()
def buggy():
    """A command with a bug whose message quotes a secret."""
    raise KeyError(f"token {GHP} not in cache")


def test_an_unexpected_exception_is_one_masked_line_not_a_traceback(br, monkeypatch, tmp_path):
    from buildrunner.cli import main

    monkeypatch.setitem(main.COMMANDS, "buggy", (f"{__name__}:buggy", "test"))
    res = br("buggy", cwd=tmp_path)
    assert res.exit_code == 2 and "Traceback" not in res.output and GHP not in res.output
    assert res.stderr.splitlines()[0] == "br: internal error: KeyError: 'token ghp_…Pq2W not in cache'"
    shown = br("buggy", cwd=tmp_path, env={"BR_TRACEBACK": "1"})
    assert "Traceback" in shown.stderr and "raise KeyError" in shown.stderr and GHP not in shown.output
