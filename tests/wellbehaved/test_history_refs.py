"""`--history` scans every ref, as gitleaks does; `--log-opts` narrows; findings say who and when."""

from __future__ import annotations

import json

import pytest

FEATURE_TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"
TAG_TOKEN = "ghp_Wm3Zr8Tn5Qp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2Z"


@pytest.fixture
def repo(git_repo, br):
    git_repo.write("README.md", "hello\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("feature.py", f'TOKEN = "{FEATURE_TOKEN}"\n')
    git_repo.add("feature.py")
    git_repo.git("commit", "-q", "--no-verify", "-m", "feature work", "--author=Ada Lovelace <ada@example.com>",
                 "--date=2024-03-01T10:00:00+00:00")
    git_repo.git("checkout", "-q", "--detach", "main")
    git_repo.write("release.py", f'TOKEN = "{TAG_TOKEN}"\n')
    git_repo.add("release.py")
    git_repo.commit("tagged only")
    git_repo.git("tag", "v0.1")
    git_repo.git("checkout", "-q", "main")  # neither the branch nor the tag is checked out
    return git_repo


def _findings(br, root, *extra):
    res = br("security", "check", "--history", "--format", "json", *extra, cwd=root)
    assert res.exit_code in (0, 1) and "Traceback" not in res.output, res.output
    return json.loads(res.stdout)["findings"]


def test_every_ref_is_scanned_by_default(repo, br):
    assert sorted(f["path"] for f in _findings(br, repo.root)) == ["feature.py", "release.py"]


def test_log_opts_narrow_the_walk(repo, br):
    assert [f["path"] for f in _findings(br, repo.root, "--log-opts=main..feature")] == ["feature.py"]
    assert _findings(br, repo.root, "--log-opts=main") == []
    assert [f["path"] for f in _findings(br, repo.root, "--log-opts=--tags")] == ["release.py"]


def test_log_opts_cannot_change_what_git_prints_or_runs(repo, br, tmp_path):
    for opts in (f"--output={tmp_path / 'x'}", "--ext-diff", "--format=%H", "--stat"):
        res = br("security", "check", "--history", f"--log-opts={opts}", cwd=repo.root)
        assert res.exit_code == 2 and "is not allowed" in res.stderr, (opts, res.output)
    assert not (tmp_path / "x").exists()
    res = br("security", "check", "--history", "--log-opts=nope..feature", cwd=repo.root)
    assert res.exit_code == 2 and "'nope' is not a commit" in res.stderr
    assert br("security", "check", "--log-opts=main", cwd=repo.root).exit_code == 2  # needs --history


def test_findings_carry_commit_author_email_and_date(repo, br):
    feature = repo.git("rev-parse", "feature").strip()
    (f,) = [f for f in _findings(br, repo.root) if f["path"] == "feature.py"]
    assert f["origin"] == {"kind": "history", "commit": feature, "author_date": "2024-03-01T10:00:00+00:00",
                           "author": "Ada Lovelace", "author_email": "ada@example.com"}
    text = br("security", "check", "--history", cwd=repo.root).stdout
    assert f"commit {feature[:12]} by Ada Lovelace <ada@example.com>, 2024-03-01T10:00:00+00:00" in text
    sarif = json.loads(br("security", "check", "--history", "--format", "sarif", cwd=repo.root).stdout)
    props = [r["properties"] for r in sarif["runs"][0]["results"] if r["properties"].get("commit") == feature]
    assert props and props[0]["author"] == "Ada Lovelace" and props[0]["authorEmail"] == "ada@example.com"


def test_the_email_is_never_part_of_a_fingerprint(repo, br):
    before = {f["path"]: f["fingerprint"] for f in _findings(br, repo.root)}
    repo.git("checkout", "-q", "feature")
    repo.git("commit", "-q", "--amend", "--no-edit", "--no-verify", "--author=Ada Lovelace <ada@elsewhere.example>")
    after = {f["path"]: (f["fingerprint"], f["origin"]["author_email"]) for f in _findings(br, repo.root)}
    assert after["feature.py"] == (before["feature.py"], "ada@elsewhere.example")
