"""Shared fixtures for the well-behaved suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def committed_project(git_repo, br):
    """A repository with one commit, then `br init --no-hook` committed too: a clean, initialised tree."""
    git_repo.write("README.md", "hello\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    git_repo.add()
    git_repo.commit("br init")
    return git_repo
