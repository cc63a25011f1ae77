"""`br hooks install|uninstall|status`: where the hook goes, chaining, restoring, bad states."""

from __future__ import annotations

import json
import os
import sys

from buildrunner.hooks import MARKER, hook_installed, install_hook
from buildrunner.project import discover

FOREIGN = b"#!/bin/sh\n# the team's own checks\nexit 0\n"


def test_install_writes_an_executable_script_calling_this_interpreter(git_repo, br):
    result = br("hooks", "install", cwd=git_repo.root)
    assert result.exit_code == 0
    hook = git_repo.root / ".git" / "hooks" / "pre-commit"
    assert f"pre-commit hook installed: {hook}" in result.output
    text = hook.read_text()
    assert MARKER in text and f"BR_PYTHON={sys.executable}" in text and "br hook run" in text
    assert os.access(hook, os.X_OK)
    assert hook_installed(discover(git_repo.root))
    again = br("hooks", "install", cwd=git_repo.root)  # idempotent
    assert "pre-commit hook updated" in again.output
    assert not (hook.parent / "pre-commit.br-chained").exists()


def test_respects_core_hooks_path(git_repo, br):
    git_repo.git("config", "core.hooksPath", ".githooks")
    assert br("hooks", "install", cwd=git_repo.root).exit_code == 0
    assert (git_repo.root / ".githooks" / "pre-commit").is_file()
    assert not (git_repo.root / ".git" / "hooks" / "pre-commit").exists()


def test_chains_a_foreign_hook_and_uninstall_restores_it(git_repo, br):
    hook = git_repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(FOREIGN)
    hook.chmod(0o750)
    result = br("hooks", "install", cwd=git_repo.root)
    assert "runs the existing hook first (pre-commit.br-chained)" in result.output
    assert (hook.parent / "pre-commit.br-chained").read_bytes() == FOREIGN
    status = json.loads(br("hooks", "status", "--json", cwd=git_repo.root).stdout)
    assert status["installed"] and status["chained"].endswith("pre-commit.br-chained")
    result = br("hooks", "uninstall", cwd=git_repo.root)
    assert "restored the previous hook" in result.output
    assert hook.read_bytes() == FOREIGN and oct(hook.stat().st_mode & 0o777) == "0o750"
    assert not (hook.parent / "pre-commit.br-chained").exists()


def test_uninstall_leaves_foreign_hooks_alone(git_repo, br):
    hook = git_repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(FOREIGN)
    result = br("hooks", "uninstall", cwd=git_repo.root)
    assert result.exit_code == 0 and "not installed by br: left untouched" in result.output
    assert hook.read_bytes() == FOREIGN
    hook.unlink()
    assert "no BuildRunner pre-commit hook" in br("hooks", "uninstall", cwd=git_repo.root).output


def test_refuses_to_overwrite_an_unrelated_chained_file(git_repo, br):
    hooks = git_repo.root / ".git" / "hooks"
    (hooks / "pre-commit").write_bytes(FOREIGN)
    (hooks / "pre-commit.br-chained").write_bytes(b"#!/bin/sh\nexit 1\n")
    result = br("hooks", "install", cwd=git_repo.root)
    assert result.exit_code == 2 and "neither is BuildRunner's" in result.output
    assert (hooks / "pre-commit").read_bytes() == FOREIGN  # nothing lost


def test_status_text_and_not_a_repo(git_repo, br, tmp_path):
    assert "not installed — run `br hooks install`" in br("hooks", "status", cwd=git_repo.root).output
    install_hook(discover(git_repo.root))
    out = br("hooks", "status", cwd=git_repo.root).output
    assert "installed (BuildRunner)" in out and f"{sys.executable} -m buildrunner hook run" in out
    plain = tmp_path / "plain"
    plain.mkdir()
    result = br("hooks", "install", cwd=plain)
    assert result.exit_code == 2 and "is not a git repository" in result.output


def test_unusable_hooks_dir_is_a_clear_error(git_repo, br):
    """core.hooksPath pointing at a regular file: a clear error (exit 2), nothing written."""
    git_repo.write("not-a-dir", "x\n")
    git_repo.git("config", "core.hooksPath", "not-a-dir")
    result = br("hooks", "install", cwd=git_repo.root)
    assert result.exit_code == 2 and "cannot create the hooks directory" in result.output
    assert (git_repo.root / "not-a-dir").read_text() == "x\n"


def test_br_init_installs_the_hook(git_repo, br):
    result = br("init", cwd=git_repo.root)
    assert result.exit_code == 0, result.output
    assert hook_installed(discover(git_repo.root))


def test_script_checks_the_package_is_still_there(git_repo):
    import buildrunner

    install_hook(discover(git_repo.root))
    text = (git_repo.root / ".git" / "hooks" / "pre-commit").read_text()
    package = os.path.dirname(os.path.realpath(buildrunner.__file__))
    assert f"BR_PACKAGE={package}" in text and '[ -f "$BR_PACKAGE/__init__.py" ]' in text
