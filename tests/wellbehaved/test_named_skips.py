"""Files named on the command line that are skipped are listed with the reason, in every format."""

from __future__ import annotations

import json
import os

import pytest

FORMATS = ["text", "gcc", "github", "json", "sarif"]


@pytest.fixture
def project(git_repo, br):
    git_repo.write("README.md", "hello\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    os.symlink("missing-target.py", git_repo.root / "broken.py")
    git_repo.write("big.txt", "a" * 2_000_100)
    git_repo.write("blob.dat", b"ab\0cd" * 10)
    return git_repo


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_skipped_named_file_is_listed_with_its_reason(project, br, fmt):
    res = br("security", "check", "broken.py", "big.txt", "blob.dat", "--format", fmt, cwd=project.root)
    assert res.exit_code == 0, res.output
    assert "skipped broken.py: broken symlink (points to missing-target.py)" in res.stderr
    assert "skipped big.txt: too large (2000100 bytes > 2000000)" in res.stderr
    assert "skipped blob.dat: binary" in res.stderr
    if fmt == "json":
        skipped = {s["path"]: s["reason"] for s in json.loads(res.stdout)["skipped"]}
        assert skipped == {"broken.py": "broken-symlink", "big.txt": "too-large", "blob.dat": "binary"}


def test_a_scanned_file_is_not_listed(project, br):
    res = br("security", "check", "README.md", "blob.dat", cwd=project.root)
    assert "README.md" not in res.stderr and "skipped blob.dat" in res.stderr
