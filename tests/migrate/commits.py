"""Assertions on real `git commit` runs through the installed hook."""

from __future__ import annotations

from tests.gate.conftest import git_commit, head


def assert_commit_blocked(repo, message: str, *, where: str, secret: str) -> None:
    """The commit fails, HEAD does not move, the finding names `where`, and `secret` is never printed."""
    before = head(repo)
    proc = git_commit(repo, message)
    assert proc.returncode != 0 and head(repo) == before
    assert where in proc.stderr and secret not in proc.stdout + proc.stderr
