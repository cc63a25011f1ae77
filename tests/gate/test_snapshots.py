"""Output of the gate's own commands, pinned by syrupy snapshots (paths normalized).

Update deliberately with `pytest tests/gate/test_snapshots.py --snapshot-update` and review the diff.
"""

from __future__ import annotations

import json
import re

from .conftest import measure


def test_coverage_check_text(untested_feature, br, snapshot):
    result = br("coverage", "check", "--base", "main", cwd=untested_feature.root)
    assert result.exit_code == 1
    assert result.stdout == snapshot


def test_coverage_check_json(py_project, br, snapshot):
    measure(py_project.root)
    result = br("coverage", "check", "--json", cwd=py_project.root)
    assert json.loads(result.stdout) == snapshot


def test_gaps_json(git_repo, br, snapshot):
    git_repo.write("app.py", "print('hi')\n")
    git_repo.write(".env", "DEBUG=1\n")
    git_repo.add()
    git_repo.commit("init")
    data = json.loads(br("gaps", "analyze", "--json", cwd=git_repo.root).stdout)
    data["root"] = "<root>"
    for gap in data["gaps"]:  # commit ids depend on the clock
        gap["detail"] = re.sub(r"added in [0-9a-f]{7,}", "added in <commit>", gap["detail"])
    assert data == snapshot


def _normalized(text: str) -> str:
    """Durations depend on the machine."""
    return re.sub(r"\d+(\.\d+)? ?(ms|s)\b", "<t>", text)


def test_hook_commit_blocked_text(py_project, br, snapshot):
    """What a developer reads when `git commit` is refused: what, where, why, the next steps."""
    from .conftest import GITHUB_TOKEN, SQLI

    measure(py_project.root)
    py_project.write("pkg/settings.py", f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n')
    py_project.write("pkg/db.py", SQLI)
    py_project.add()
    result = br("hook", "run", cwd=py_project.root)
    assert result.exit_code == 1
    assert GITHUB_TOKEN not in result.output
    assert _normalized(result.stdout + result.stderr) == snapshot


def test_quality_check_text(untested_feature, br, snapshot):
    result = br("quality", "check", "--base", "main", cwd=untested_feature.root)
    assert result.exit_code == 1
    assert _normalized(result.stdout) == snapshot
