"""`br quality check`: all three Tier 1 checks, scores, exit codes and every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CALC, GITHUB_TOKEN, SQLI, measure

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture
def broken(py_project):
    """A project with one planted problem per check: a secret, a SQL injection, low coverage."""
    py_project.write("pkg/settings.py", f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n')
    py_project.write("pkg/db.py", SQLI)
    py_project.write("pkg/calc.py", CALC + "\n\ndef mul(a, b):\n    if a == 0:\n        return 0\n"
                                           "    return a * b\n\n\ndef div(a, b):\n    if b == 0:\n"
                                           "        raise ZeroDivisionError(a)\n    return a / b\n")
    py_project.add()
    py_project.commit("problems")
    measure(py_project.root)
    return py_project


def test_clean_project_passes_with_full_scores(py_project, br):
    measure(py_project.root)
    result = br("quality", "check", "--json", cwd=py_project.root)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] and data["score"] == 100
    assert [(c["name"], c["passed"], c["score"]) for c in data["checks"]] == [
        ("secrets", True, 100), ("sql-injection", True, 100), ("coverage", True, 100)]


def test_planted_problems_fail_every_check(broken, br):
    result = br("quality", "check", cwd=broken.root)
    assert result.exit_code == 1
    out = result.output
    assert "FAIL  secrets" in out and "FAIL  sql-injection" in out and "FAIL  coverage" in out
    assert "FAIL  overall" in out
    assert GITHUB_TOKEN not in out
    data = json.loads(br("quality", "check", "--format", "json", cwd=broken.root).stdout)
    scores = {c["name"]: c["score"] for c in data["checks"]}
    assert scores["secrets"] == 60  # one critical finding: 100 - 40
    assert scores["sql-injection"] == 75  # one high finding: 100 - 25
    cov = next(c for c in data["checks"] if c["name"] == "coverage")["coverage"]
    assert cov["total"]["percent"] < 80 and scores["coverage"] == int(cov["total"]["percent"])
    assert data["score"] <= 59  # a failing gate never shows a passing grade


def test_whitelisting_fixes_the_secret_check(broken, br):
    data = json.loads(br("quality", "check", "--json", cwd=broken.root).stdout)
    secret = next(c for c in data["checks"] if c["name"] == "secrets")["findings"][0]
    assert br("security", "whitelist", "--fingerprint", secret["fingerprint"], cwd=broken.root).exit_code == 0
    data = json.loads(br("quality", "check", "--json", cwd=broken.root).stdout)
    check = next(c for c in data["checks"] if c["name"] == "secrets")
    assert check["passed"] and "(1 suppressed)" in check["summary"]


def test_merged_sarif_has_one_run_per_check_and_is_valid(broken, br, tmp_path):
    import jsonschema  # a dev dependency: a missing one fails the test instead of skipping it
    out = tmp_path / "br.sarif"
    result = br("quality", "check", "--format", "sarif", "--output", str(out), cwd=broken.root)
    assert result.exit_code == 1
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    runs = {run["automationDetails"]["id"]: run for run in doc["runs"]}
    assert set(runs) == {"br/secrets/", "br/sql-injection/", "br/coverage/"}
    assert [(r["properties"]["gateCheck"], r["properties"]["gatePassed"]) for r in doc["runs"]] == [
        ("secrets", False), ("sql-injection", False), ("coverage", False)]
    cov = runs["br/coverage/"]
    assert {r["ruleId"] for r in cov["results"]} == {"coverage.total-below-minimum"}
    assert GITHUB_TOKEN not in out.read_text()


def test_base_adds_changed_line_findings(broken, br):
    """CI: `--base` reports the uncovered changed lines as findings in gcc/github formats too."""
    result = br("quality", "check", "--base", "HEAD~1", "--format", "gcc", cwd=broken.root)
    assert result.exit_code == 1
    assert "pkg/calc.py:10:" in result.stdout and "coverage.uncovered-changed-lines" in result.stdout
    gh = br("quality", "check", "--base", "HEAD~1", "--format", "github", cwd=broken.root).stdout
    assert "::" in gh and "pkg/calc.py" in gh


def test_not_a_directory_is_a_usage_error(br, tmp_path):
    result = br("quality", "check", str(tmp_path / "missing"))
    assert result.exit_code == 2
