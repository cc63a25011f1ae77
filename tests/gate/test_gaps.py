"""`br gaps analyze`: every repo rule's examples are repository states built here for real.

Each example string in rules/gaps.yaml names a builder below; the test builds that state in a
fresh git repository and runs the one rule: `match` examples must produce the gap, `no_match`
examples must not. A rule or example without a builder fails the test.
"""

from __future__ import annotations

import json

import pytest

from buildrunner import config as cfg
from buildrunner.engine.rules import load_rules
from buildrunner.hooks import install_hook
from buildrunner.project import discover
from buildrunner.quality.gaps import analyze

from .conftest import CALC, GITHUB_TOKEN, TEST_CALC, measure


def _source(repo):
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", CALC)


def _tested(repo):
    _source(repo)
    repo.write("tests/test_calc.py", TEST_CALC)


def _ignore_env(repo):
    repo.write(".gitignore", ".env\n.env.*\n!.env.example\n")


BUILDERS = {
    # gaps.hardcoded-secrets
    "source file with a hardcoded token": lambda r: r.write("app.py", f'TOKEN = "{GITHUB_TOKEN}"\n'),
    "clean project": _source,
    "token read from the environment": lambda r: r.write("app.py", 'import os\nTOKEN = os.environ["GITHUB_TOKEN"]\n'),
    # gaps.env-not-ignored
    "no gitignore": _source,
    "tracked .env without ignore": lambda r: (r.write(".env", "DEBUG=1\n"), r.add(), r.commit("env")),
    ".env.local not ignored": lambda r: (r.write(".gitignore", ".env\n"), r.write(".env.local", "X=1\n")),
    ".env ignored": lambda r: (_ignore_env(r), r.write(".env", "DEBUG=1\n")),
    "only .env.example present": lambda r: (r.write(".gitignore", ".env\n"), r.write(".env.example", "X=\n")),
    # gaps.env-in-history
    ".env committed then deleted": lambda r: (r.write(".env", "DEBUG=1\n"), r.add(), r.commit("oops"),
                                              r.git("rm", "-q", ".env"), r.commit("remove")),
    "nested config/.env.production committed": lambda r: (r.write("config/.env.production", "X=1\n"), r.add(),
                                                          r.commit("cfg")),
    "only .env.example committed": lambda r: (r.write(".env.example", "X=\n"), r.add(), r.commit("example")),
    "no commits": lambda r: None,
    # gaps.no-tests
    "source without tests": _source,
    "pytest tests present": _tested,
    "js spec file present": lambda r: r.write("src/app.spec.ts", "it('works', () => {});\n"),
    # gaps.coverage-below-minimum
    "coverage data below minimum": lambda r: (_tested(r), r.write("tests/test_calc.py", "import pkg.calc\n"),
                                              measure(r.root)),
    "tests without coverage data": _tested,
    "coverage data above minimum": lambda r: (_tested(r), measure(r.root)),
    "no tests and no data": _source,
    # gaps.hook-not-installed
    "fresh repository": lambda r: None,
    "foreign pre-commit hook only": lambda r: (r.root / ".git/hooks/pre-commit").write_text("#!/bin/sh\n"),
    "hook installed": lambda r: install_hook(discover(r.root)),
}

RULES = [r for r in load_rules(None, kinds=("repo",)).rules]
CASES = [(rule, ex, True) for rule in RULES for ex in rule.examples.match] + \
        [(rule, ex, False) for rule in RULES for ex in rule.examples.no_match]


def test_every_rule_has_examples_on_both_sides():
    assert {r.id for r in RULES} == {
        "gaps.hardcoded-secrets", "gaps.env-not-ignored", "gaps.env-in-history", "gaps.no-tests",
        "gaps.coverage-below-minimum", "gaps.hook-not-installed"}
    for rule in RULES:
        assert rule.examples.match and rule.examples.no_match, rule.id
        assert rule.fix and rule.message


@pytest.mark.parametrize("rule,example,expected", CASES, ids=[f"{r.id}:{e}" for r, e, _ in CASES])
def test_rule_examples(git_repo, rule, example, expected):
    assert example in BUILDERS, f"no fixture builder for example {example!r} of {rule.id}"
    BUILDERS[example](git_repo)
    project = discover(git_repo.root)
    gaps = analyze(project, cfg.load(project), [rule])
    assert bool(gaps) is expected, (rule.id, example, gaps)
    if gaps:
        gap = gaps[0]
        assert gap.severity == rule.severity.value and gap.remediation == rule.fix


def test_env_gaps_name_the_files(git_repo):
    BUILDERS[".env committed then deleted"](git_repo)
    git_repo.write("config/.env.local", "X=1\n")
    project = discover(git_repo.root)
    rules = load_rules(project, kinds=("repo",)).rules
    found = {g.rule_id: g for g in analyze(project, cfg.load(project), rules)}
    assert found["gaps.env-in-history"].files == [".env"]
    assert "added in" in found["gaps.env-in-history"].detail
    assert found["gaps.env-not-ignored"].files == [".env", "config/.env.local"]


def test_env_in_history_under_a_non_utf8_directory(git_repo, br):
    """A path git prints as raw non-UTF-8 bytes is reported (undecodable bytes replaced), not a crash."""
    git_repo.write("d\udcff/.env", "X=1\n")  # the directory's name is the byte 0xff after "d"
    git_repo.add()
    git_repo.commit("env")
    result = br("gaps", "analyze", "--json", cwd=git_repo.root)
    gaps = {g["id"]: g for g in json.loads(result.stdout)["gaps"]}
    assert result.exit_code == 1 and len(gaps["gaps.env-in-history"]["files"]) == 1
    assert gaps["gaps.env-in-history"]["files"][0].endswith("/.env")


def test_cli_text_and_json(git_repo, br):
    BUILDERS["tracked .env without ignore"](git_repo)
    result = br("gaps", "analyze", cwd=git_repo.root)
    assert result.exit_code == 1
    assert "HIGH      gaps.env-not-ignored" in result.output and "fix: Add `.env`" in result.output
    data = json.loads(br("gaps", "analyze", "--json", cwd=git_repo.root).stdout)
    ids = [g["id"] for g in data["gaps"]]
    assert ids[0] == "gaps.env-in-history"  # critical first
    assert {"gaps.env-not-ignored", "gaps.no-tests", "gaps.hook-not-installed"} <= set(ids)
    for gap in data["gaps"]:
        assert set(gap) == {"id", "name", "severity", "description", "detail", "files", "remediation"}


def test_a_project_with_no_gaps_exits_zero(git_repo, br):
    _ignore_env(git_repo)
    _tested(git_repo)
    git_repo.add()
    git_repo.commit("init")
    measure(git_repo.root)
    install_hook(discover(git_repo.root))
    result = br("gaps", "analyze", cwd=git_repo.root)
    assert result.exit_code == 0, result.output
    assert "no gaps found by 6 rule(s)" in result.output


def test_bad_repo_rule_is_rejected_with_the_field(git_repo, br):
    git_repo.write(".buildrunner/rules/mine.yaml", "rules:\n- id: mine.thing\n  kind: repo\n  check: nope\n"
                                                   "  name: x\n  severity: low\n  message: x\n"
                                                   "  examples: {match: [a]}\n")
    result = br("gaps", "analyze", cwd=git_repo.root)
    assert result.exit_code == 2
    assert "mine.yaml:4" in result.output and "field 'check'" in result.output
