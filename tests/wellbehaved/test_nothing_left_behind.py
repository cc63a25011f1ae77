"""Nothing left behind, nothing taken over: no `.buildrunner/` where `br init` has not run,
discovery never adopts one br left by accident, and br's own files never show in `git status`."""

from __future__ import annotations

import os
import subprocess

import pytest

TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"


@pytest.fixture
def telemetry_on(monkeypatch):
    monkeypatch.delenv("BR_TELEMETRY", raising=False)


def _tree(root) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files
            if ".git" not in os.path.relpath(d, root).split(os.sep)}


@pytest.mark.parametrize("with_git", [True, False])
def test_scans_write_nothing_where_br_init_has_not_run(tmp_path, br, telemetry_on, with_git):
    root = tmp_path / "scratch"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(f'TOKEN = "{TOKEN}"\n')
    if with_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    before = _tree(root)
    for argv in (["security", "check"], ["security", "check", "src/app.py"], ["quality", "check"],
                 ["gaps", "analyze"], ["coverage", "check"], ["status"], ["telemetry", "status"]):
        res = br(*argv, cwd=root)
        assert "Traceback" not in res.output, (argv, res.output)
    assert not (root / ".buildrunner").exists()
    assert _tree(root) == before


def test_discovery_never_adopts_a_directory_br_left_by_accident(tmp_path, br):
    """An older br left `.buildrunner/state/` in $HOME-like dir; a scan in a subdirectory must
    not take that directory as the project and scan everything below it."""
    home = tmp_path / "home"
    (home / ".buildrunner" / "state").mkdir(parents=True)
    (home / ".buildrunner" / "state" / "last-scan.json").write_text("{}")
    (home / ".buildrunner" / "telemetry").mkdir()
    (home / "other" / "secret.py").parent.mkdir(parents=True)
    (home / "other" / "secret.py").write_text(f'TOKEN = "{TOKEN}"\n')
    (home / "work").mkdir()
    (home / "work" / "clean.py").write_text("print('hi')\n")
    res = br("security", "check", "--format", "json", cwd=home / "work")
    assert res.exit_code == 0, res.output  # other/secret.py is not part of this scan
    from buildrunner.project import discover

    assert discover(home / "work").root == (home / "work").resolve()
    (home / ".buildrunner" / "config.yaml").write_text("")  # `br init` ran there: now it is a project
    assert discover(home / "work").root == home.resolve()


def test_br_files_never_show_in_git_status(git_repo, br, telemetry_on):
    git_repo.write("app.py", "print('hello')\n")
    git_repo.add()
    git_repo.commit("init")
    init = br("init", "--no-hook", cwd=git_repo.root)
    assert init.exit_code == 0
    for path in (".buildrunner/config.yaml", ".buildrunner/whitelist.txt", ".buildrunner/baseline.json"):
        assert path in init.stdout  # init says what the team commits
    git_repo.add()
    git_repo.commit("br init")
    for argv in (["security", "check"], ["security", "baseline"], ["feature", "add", "Login"],
                 ["feature", "start", "F1"], ["feature", "complete", "F1"], ["build", "start", "b1"],
                 ["build", "complete"], ["quality", "check"], ["gaps", "analyze"], ["coverage", "check"],
                 ["status"], ["telemetry", "status"], ["model", "stats"], ["hooks", "status"]):
        br(*argv, cwd=git_repo.root)
    status = git_repo.git("status", "--porcelain", "--untracked-files=all").splitlines()
    shown = sorted(line[3:] for line in status)
    # only what a team commits: the baseline and the feature registry (and nothing of br's own)
    assert shown == [".buildrunner/baseline.json", ".buildrunner/builds.json", ".buildrunner/features.json"], shown
    assert (git_repo.root / ".buildrunner" / "telemetry").is_dir()  # telemetry ran, ignored
