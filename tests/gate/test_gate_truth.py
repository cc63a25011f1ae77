"""The gate tells the truth: failures are errors, coverage results point at code (or the config),
coverage is never a security alert, "not applicable" without tests, unknown is never "ok"."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from tests.gate.conftest import clean_env, git_commit

EXAMPLES = Path(__file__).parents[2] / "examples" / "sample-app"


def _coverage_run(doc: dict) -> dict:
    return next(r for r in doc["runs"] if r["properties"]["gateCheck"] == "coverage")


def _assert_not_security(run: dict) -> None:
    for rule in run["tool"]["driver"]["rules"]:
        props = rule["properties"]
        assert "security" not in props["tags"] and "security-severity" not in props, rule["id"]


def test_a_failed_total_is_an_error_at_the_least_covered_file(untested_feature, br):
    root = untested_feature.root
    assert br("init", "--no-hook", cwd=root).exit_code == 0
    assert br("config", "set", "security.coverage_min", "100", cwd=root).exit_code == 0
    res = br("quality", "check", "--format", "sarif", cwd=root)
    assert res.exit_code == 1
    run = _coverage_run(json.loads(res.stdout))
    assert run["properties"]["gatePassed"] is False and run["results"]
    _assert_not_security(run)
    for result in run["results"]:
        assert result["level"] == "error"
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "pkg/calc.py", uri  # never the binary, git-ignored .coverage
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


def test_examples_carry_a_coverage_result_whenever_coverage_fails(git_repo, br):
    shutil.copytree(EXAMPLES, git_repo.root, dirs_exist_ok=True)
    git_repo.add()
    git_repo.commit("sample")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    assert br("config", "set", "security.coverage_strict", "true", cwd=git_repo.root).exit_code == 0
    res = br("quality", "check", ".", "--format", "sarif", cwd=git_repo.root)
    run = _coverage_run(json.loads(res.stdout))
    assert run["properties"]["gatePassed"] is False
    assert run["results"] and all(r["level"] == "error" for r in run["results"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {".buildrunner/config.yaml"}  # the config that asks for coverage
    _assert_not_security(run)


def test_without_tests_coverage_is_not_applicable(git_repo, br):
    git_repo.write("app.py", "print('hello')\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    text = br("quality", "check", cwd=git_repo.root)
    assert "N/A   coverage" in text.stdout and "PASS  coverage" not in text.stdout
    data = json.loads(br("quality", "check", "--json", cwd=git_repo.root).stdout)
    cov = next(c for c in data["checks"] if c["name"] == "coverage")
    assert cov["applicable"] is False and cov["score"] is None and cov["passed"] is True
    git_repo.write("db.py", "def q(cur, name):\n    cur.execute(f\"SELECT * FROM t WHERE n = '{name}'\")\n")
    data = json.loads(br("quality", "check", "--json", cwd=git_repo.root).stdout)
    sqli = next(c for c in data["checks"] if c["name"] == "sql-injection")
    secrets = next(c for c in data["checks"] if c["name"] == "secrets")
    assert data["score"] == min((sqli["score"] + secrets["score"]) // 2, 59)  # no free 100 for coverage


def test_unknown_changed_lines_are_never_coverage_ok(hooked, br):
    root = hooked.root
    env = clean_env()
    res = br("coverage", "run", "--", sys.executable, "run_tests.py", cwd=root, env=env)
    assert res.exit_code == 0, res.output
    calc = (root / "pkg" / "calc.py").read_text()
    hooked.write("pkg/calc.py", calc + "\n\ndef div(a, b):\n    return a / b\n")
    hooked.git("add", "pkg/calc.py")
    hooked.write("pkg/calc.py", calc + "\n\ndef div(a, b):\n    return a / b\n# touched after\n")
    proc = git_commit(hooked, "div")
    out = proc.stdout + proc.stderr
    assert "coverage ok" not in out, out
    assert "unknown" in out and "rerun: br coverage run -- python run_tests.py" in out
    assert sys.executable not in out and str(root) not in out
