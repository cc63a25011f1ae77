"""Scanning like semgrep/gitleaks/ruff: PATH from anywhere with the config of the project that
contains it; no PATH scans the current directory, paths shown relative to it (SARIF: repo-relative)."""

from __future__ import annotations

import json

import pytest

TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"
OTHER = "ghp_Wm3Zr8Tn5Qp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2Z"


@pytest.fixture
def project(git_repo, br):
    git_repo.write("src/pkg/app.py", f'TOKEN = "{TOKEN}"\n')
    git_repo.write("docs/notes.py", f'OTHER = "{OTHER}"\n')
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    return git_repo


def test_a_path_in_another_project_uses_that_projects_config(project, br, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = project.root / "src"
    res = br("security", "check", str(target), "--format", "gcc", cwd=elsewhere)
    assert res.exit_code == 1 and "is outside the project" not in res.output, res.output
    assert "src/pkg/app.py:1:" in res.stdout and "notes.py" not in res.stdout
    # that project's config applies: excluding the file there silences it here
    assert br("config", "set", "security.exclude", "src/pkg/*", cwd=project.root).exit_code == 0
    assert br("security", "check", str(target), cwd=elsewhere).exit_code == 0


def test_a_path_in_no_project_is_scanned_with_the_defaults(br, tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "x.py").write_text(f'TOKEN = "{TOKEN}"\n')
    res = br("security", "check", str(loose / "x.py"), cwd=tmp_path.parent)
    assert res.exit_code == 1 and "secrets.github-pat" in res.stdout


def test_no_path_scans_the_current_directory_with_paths_relative_to_it(project, br):
    sub = project.root / "src"
    gcc = br("security", "check", "--format", "gcc", cwd=sub)
    assert gcc.exit_code == 1
    assert gcc.stdout.startswith("pkg/app.py:1:") and "notes.py" not in gcc.stdout
    data = json.loads(br("security", "check", "--format", "json", cwd=sub).stdout)
    assert [f["path"] for f in data["findings"]] == ["pkg/app.py"]
    sarif = json.loads(br("security", "check", "--format", "sarif", cwd=sub).stdout)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris == ["src/pkg/app.py"]  # SARIF stays repository-relative
    root = br("security", "check", "--format", "gcc", cwd=project.root)  # at the root: everything
    assert "src/pkg/app.py" in root.stdout and "docs/notes.py" in root.stdout


def test_fingerprints_do_not_depend_on_where_br_runs(project, br):
    at_root = json.loads(br("security", "check", "--format", "json", cwd=project.root).stdout)
    in_sub = json.loads(br("security", "check", "--format", "json", cwd=project.root / "src").stdout)
    fp = {f["path"]: f["fingerprint"] for f in at_root["findings"]}
    assert in_sub["findings"][0]["fingerprint"] == fp["src/pkg/app.py"]
