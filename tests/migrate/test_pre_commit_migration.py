"""A team on pre-commit swaps the detect-secrets hook for br's: the real pre-commit framework runs
br's published hook; the baseline imported from the real detect-secrets keeps legacy findings from
blocking, and a new secret is still stopped."""

from __future__ import annotations

import pytest

from tests.gate.conftest import GITHUB_TOKEN
from tests.gate.test_pre_commit_framework import framework_repo, run  # noqa: F401
from tests.migrate.test_import import detect_secrets_scan
from tests.migrate.tokens import github_pat


@pytest.mark.slow
def test_imported_detect_secrets_baseline_under_pre_commit(framework_repo, br):  # noqa: F811
    repo, env = framework_repo  # old.py holds a token committed before any hook
    assert run(["run", "--all-files"], repo, env).returncode == 1
    detect_secrets_scan(repo.root)
    assert br("security", "baseline", "--import", ".secrets.baseline", cwd=repo.root).exit_code == 0
    proc = run(["run", "--all-files"], repo, env)
    assert proc.returncode == 0, proc.stdout
    repo.write("new.py", f'TOKEN = "{github_pat("pc")}"\n')
    repo.add("new.py")
    proc = run(["run", "--all-files"], repo, env)
    assert proc.returncode == 1 and "new.py:1" in proc.stdout and "old.py" not in proc.stdout
    assert GITHUB_TOKEN not in proc.stdout and github_pat("pc") not in proc.stdout
