"""Hooks that coexist: a committed (husky-style) hooks directory is never modified, and with the
pre-commit framework br installs no second hook — both with the real tools (git, pre-commit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"
HUSKY_HOOK = "#!/bin/sh\nnpm test --silent || exit 1\n"
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def _env() -> dict[str, str]:
    bindir = os.path.dirname(sys.executable)  # `br` of this checkout on PATH, as for a user
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE"))}
    return {**env, "PATH": bindir + os.pathsep + env["PATH"]}


def _commit(repo, message: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "commit", "-qm", message], cwd=repo.root, capture_output=True, text=True,
                          env=_env())


def test_a_tracked_husky_hook_is_never_modified(git_repo, br):
    git_repo.write("package.json", '{"scripts": {"test": "true"}}\n')
    hook = git_repo.write(".husky/pre-commit", HUSKY_HOOK)
    hook.chmod(0o755)
    git_repo.git("config", "core.hooksPath", ".husky")
    git_repo.add()
    git_repo.commit("husky")
    res = br("init", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert hook.read_text() == HUSKY_HOOK and not (git_repo.root / ".husky" / "pre-commit.br-chained").exists()
    assert "left untouched" in res.stdout and "\n    br hook run\n" in res.stdout
    assert sorted(p.name for p in (git_repo.root / ".husky").iterdir()) == ["pre-commit"]
    assert br("hooks", "install", cwd=git_repo.root).exit_code == 0 and hook.read_text() == HUSKY_HOOK
    status = br("hooks", "status", cwd=git_repo.root).stdout
    assert "committed hooks directory .husky/" in status and "does not run br" in status
    # the team adds the printed line: commits now run br through their own hook
    hook.write_text(HUSKY_HOOK + "br hook run\n")
    git_repo.add()
    assert _commit(git_repo, "wire br").returncode == 0
    assert "runs br" in br("hooks", "status", cwd=git_repo.root).stdout
    git_repo.write("app.py", f'TOKEN = "{TOKEN}"\n')
    git_repo.add("app.py")
    blocked = _commit(git_repo, "leak")
    assert blocked.returncode != 0 and "secrets.github" in blocked.stdout + blocked.stderr


def test_with_the_pre_commit_framework_no_second_hook_is_installed(git_repo, br):
    assert PRE_COMMIT.exists(), "pre-commit is a dev dependency (`make install`)"
    config = {"repos": [{"repo": "local", "hooks": [{
        "id": "buildrunner", "name": "BuildRunner", "entry": f"{sys.executable} -m buildrunner hook run",
        "language": "system", "require_serial": True, "pass_filenames": True, "types": ["text"]}]}]}
    git_repo.write("README.md", "hello\n")
    git_repo.write(".pre-commit-config.yaml", "repos: []\n")
    git_repo.add()
    git_repo.commit("init")
    res = br("init", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    hooks = git_repo.root / ".git" / "hooks"
    assert not (hooks / "pre-commit").exists()
    assert "- id: buildrunner" in res.stdout and "repos:" in res.stdout  # the entry to add
    assert "does not run br" in br("hooks", "status", cwd=git_repo.root).stdout
    git_repo.write(".pre-commit-config.yaml", yaml.safe_dump(config))
    git_repo.add()
    install = subprocess.run([str(PRE_COMMIT), "install"], cwd=git_repo.root, capture_output=True, text=True,
                             env=_env())
    assert install.returncode == 0 and "migration mode" not in install.stdout + install.stderr, install.stdout
    assert not (hooks / "pre-commit.legacy").exists()
    assert _commit(git_repo, "wire br").returncode == 0
    status = br("hooks", "status", cwd=git_repo.root).stdout
    assert "pre-commit framework" in status and "runs br" in status
    git_repo.write("app.py", f'TOKEN = "{TOKEN}"\n')
    git_repo.add("app.py")
    blocked = _commit(git_repo, "leak")
    assert blocked.returncode != 0 and "secrets.github" in blocked.stdout + blocked.stderr
