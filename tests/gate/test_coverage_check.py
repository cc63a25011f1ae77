"""`br coverage check` / `br coverage run`: missing data, no tests, stale data, totals, diff coverage."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time

from .conftest import CALC, UNTESTED, clean_env, measure


def check(br, repo, *args):
    result = br("coverage", "check", "--json", *args, cwd=repo.root)
    return result.exit_code, json.loads(result.stdout)


def test_no_tests_no_data_is_not_applicable(git_repo, br):
    git_repo.write("app.py", "print('hi')\n")
    code, data = check(br, git_repo)
    assert code == 0 and data["passed"] and data["score"] is None and data["applicable"] is False
    assert data["messages"][0]["level"] == "notice"
    assert "no tests and no coverage data" in data["messages"][0]["text"]


def test_tests_without_data_warn_with_the_command(py_project, br):
    result = br("coverage", "check", cwd=py_project.root)
    assert result.exit_code == 0
    assert "warning: tests exist but there is no coverage data" in result.output
    assert "coverage run -m pytest && coverage xml" in result.output


def test_configured_command_and_strict_mode(py_project, br):
    py_project.write(".buildrunner/config.yaml",
                     "security:\n  coverage_strict: true\n  coverage_command: make coverage\n")
    code, data = check(br, py_project)
    assert code == 1 and not data["passed"]
    assert data["messages"][0]["level"] == "error"
    assert "make coverage" in data["messages"][0]["text"]


def test_total_coverage_against_minimum(py_project, br):
    measure(py_project.root)
    code, data = check(br, py_project)
    assert code == 0 and data["total"]["percent"] == 100.0
    py_project.write("pkg/calc.py", UNTESTED)
    measure(py_project.root)
    code, data = check(br, py_project)
    # 4 + 4 statements in calc (def, if, return, return), 2 of mul's 3 body lines never ran
    assert data["total"]["percent"] < 100
    py_project.write(".buildrunner/config.yaml", "security:\n  coverage_min: 95\n")
    code, data = check(br, py_project)
    assert code == 1
    assert any("below the minimum 95%" in m["text"] for m in data["messages"])


def test_data_older_than_sources_is_stale(py_project, br):
    measure(py_project.root)
    time.sleep(0.01)
    py_project.write("pkg/calc.py", CALC + "\n# edited after the tests ran\n")
    result = br("coverage", "check", cwd=py_project.root)
    assert result.exit_code == 0
    assert "coverage data is older than 1 of the files it measures (pkg/calc.py)" in result.output
    assert "rerun: coverage run -m pytest && coverage xml" in result.output


def test_diff_coverage_against_base(untested_feature, br):
    """CI mode: lines changed on a branch since its merge base with main."""
    py_project = untested_feature
    result = br("coverage", "check", "--base", "main", cwd=py_project.root)
    assert result.exit_code == 1
    assert "pkg/calc.py: uncovered 10-12" in result.output  # mul body; `def mul` ran at import
    code, data = check(br, py_project, "--base", "main")
    changed = data["changed"]
    assert (changed["covered"], changed["uncovered"]) == (1, 3)
    assert changed["files"][0]["uncovered"] == [10, 11, 12]

    # a test for mul → covered
    py_project.write("tests/test_calc.py", py_project.root.joinpath("tests/test_calc.py").read_text().replace(
        'if __name__ == "__main__":',
        'def test_mul():\n    from pkg.calc import mul\n    assert mul(0, 5) == 0 and mul(2, 3) == 6\n\n\n'
        'if __name__ == "__main__":\n    test_mul()'))
    measure(py_project.root)
    code, data = check(br, py_project, "--base", "main")
    assert code == 0 and data["changed"]["percent"] == 100.0


def test_unknown_base_is_a_usage_error(py_project, br):
    result = br("coverage", "check", "--base", "no-such-branch", cwd=py_project.root)
    assert result.exit_code == 2
    assert "no-such-branch: no such revision" in result.output


def test_br_coverage_run_records_blob_ids(py_project, br, monkeypatch):
    """Data produced through `br coverage run` is judged by content, not modification times."""
    cmd = [sys.executable, "run_tests.py"]  # a plain test command: br runs it under coverage
    for key in set(os.environ) - set(clean_env()):  # the child must not join an outer coverage run
        monkeypatch.delenv(key)
    result = br("coverage", "run", "--", *cmd, cwd=py_project.root)
    assert result.exit_code == 0, result.output
    assert "recorded coverage of" in result.output
    manifest = json.loads((py_project.root / ".buildrunner/state/coverage-manifest.json").read_text())
    blob = py_project.git("hash-object", "pkg/calc.py").strip()
    assert manifest["blobs"]["pkg/calc.py"] == blob
    py_project.write(".gitignore", "")  # even without ignore rules, the state never shows up in git
    assert ".buildrunner" not in py_project.git("status", "--porcelain", "--untracked-files=all")
    # touching a file without changing it keeps the data fresh (mtime alone would call it stale)
    time.sleep(0.01)
    os.utime(py_project.root / "pkg/calc.py")
    code, data = check(br, py_project)
    assert data["stale_files"] == [] and data["freshness"].startswith("blob ids")
    # a real change makes it stale; the hint reruns the recorded command, which refreshes the manifest
    py_project.write("pkg/calc.py", CALC.replace("a + b", "b + a"))
    code, data = check(br, py_project)
    assert data["stale_files"] == ["pkg/calc.py"]
    stale = next(m["text"] for m in data["messages"] if "older than" in m["text"])
    # the command as typed (br coverage run adds coverage itself), portable: no venv path of this machine
    assert manifest["command"] == shlex.join(cmd)
    assert stale.endswith("rerun: br coverage run -- python run_tests.py")
    assert sys.executable not in json.dumps(data)


def test_total_below_minimum_from_stale_data_fails_only_when_strict(py_project, br):
    """New untested code after the data was made drags the total down; like any stale data, that
    warns (naming the command to refresh), and fails only with coverage_strict."""
    py_project.write(".buildrunner/config.yaml", "security:\n  coverage_min: 95\n")
    measure(py_project.root)
    time.sleep(0.01)
    py_project.write("pkg/calc.py", UNTESTED)
    code, data = check(br, py_project)
    assert data["stale_files"] == ["pkg/calc.py"] and data["total"]["percent"] < 95
    assert code == 0 and data["passed"]
    below = next(m for m in data["messages"] if "below the minimum" in m["text"])
    assert below["level"] == "warning" and "stale data" in below["text"]
    py_project.write(".buildrunner/config.yaml", "security:\n  coverage_min: 95\n  coverage_strict: true\n")
    code, data = check(br, py_project)
    assert code == 1 and not data["passed"]
    measure(py_project.root)  # fresh data with the same low total: a hard failure again
    py_project.write(".buildrunner/config.yaml", "security:\n  coverage_min: 95\n")
    code, data = check(br, py_project)
    assert code == 1 and data["stale_files"] == []


def test_br_coverage_run_without_data_fails_clearly(py_project, br):
    result = br("coverage", "run", "--", sys.executable, "-c", "pass", cwd=py_project.root)
    assert result.exit_code == 1
    assert "left no coverage data" in result.output


def test_staged_option_checks_the_index(py_project, br):
    measure(py_project.root)
    py_project.write("pkg/calc.py", UNTESTED)
    measure(py_project.root)
    py_project.add("pkg/calc.py")
    result = br("coverage", "check", "--staged", cwd=py_project.root)
    assert result.exit_code == 1
    assert "executable staged lines" in result.output and "pkg/calc.py: uncovered 10-12" in result.output
    assert br("coverage", "check", "--staged", "--base", "main", cwd=py_project.root).exit_code == 2


def test_path_argument_is_the_project(py_project, br, tmp_path):
    """`br coverage check DIR` checks DIR as a project, even inside another repository."""
    sub = py_project.root / "examples" / "app"
    sub.mkdir(parents=True)
    (sub / "tests").mkdir()
    (sub / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    result = br("coverage", "check", str(sub), cwd=tmp_path)
    assert result.exit_code == 0
    assert "tests exist but there is no coverage data" in result.output


def test_outside_git(tmp_path, br):
    (tmp_path / "app.py").write_text("x = 1\n")
    result = br("coverage", "check", cwd=tmp_path)
    assert result.exit_code == 0 and "no tests and no coverage data" in result.output
    for option in (["--staged"], ["--base", "main"]):
        result = br("coverage", "check", *option, cwd=tmp_path)
        assert result.exit_code == 2 and "is not a git repository" in result.output
        assert f"{option[0]} compares with git" in result.output and "br security check" not in result.output


def test_corrupt_state_files_fall_back_quietly(py_project, br):
    """A damaged manifest or lines cache (machine-local state) never breaks the check."""
    measure(py_project.root)
    state = py_project.root / ".buildrunner" / "state"
    state.mkdir(parents=True)
    (state / "coverage-manifest.json").write_text("{not json")
    (state / "coverage-lines.json").write_text('{"abc": [1, 2, 3]}')
    code, data = check(br, py_project)
    assert code == 0 and data["total"]["percent"] == 100.0
    assert data["freshness"] == "file modification times"


def test_report_to_a_file(py_project, br, tmp_path):
    measure(py_project.root)
    out = tmp_path / "reports" / "coverage.json"
    out.parent.mkdir()
    result = br("coverage", "check", "--format", "json", "--output", str(out), cwd=py_project.root)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["passed"] is True


def test_test_commands_run_under_coverage():
    from buildrunner.coverage.run import under_coverage

    assert under_coverage(["python", "-m", "pytest", "-q"]) == ["python", "-m", "coverage", "run", "-m", "pytest", "-q"]
    assert under_coverage(["pytest", "-x"])[-4:] == ["run", "-m", "pytest", "-x"]
    for given in (["coverage", "run", "-m", "pytest"], ["npx", "c8", "npm", "test"], ["pytest", "--cov=pkg"],
                  ["npx", "vitest", "run", "--coverage"], ["npm", "test"]):
        assert under_coverage(given) == given


def test_br_coverage_run_without_arguments_uses_the_configured_command(py_project, br, monkeypatch):
    for key in set(os.environ) - set(clean_env()):
        monkeypatch.delenv(key)
    py_project.write(".buildrunner/config.yaml",
                     f"security:\n  coverage_command: {sys.executable} -m coverage run run_tests.py\n")
    result = br("coverage", "run", cwd=py_project.root)
    assert result.exit_code == 0, result.output
    code, data = check(br, py_project)
    assert code == 0 and data["freshness"].startswith("blob ids")
