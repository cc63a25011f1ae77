"""The example runner catches rules whose examples lie, in both directions."""

from __future__ import annotations

from dataclasses import replace

from buildrunner.engine.rules import parse_rule
from buildrunner.engine.ruletest import run_examples

STRICT = {"text": 'ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"', "secret": "acme_q8d7f6g5h4j3k2l1m9n8b7v6"}


def _secret_rule(**overrides):
    raw = {"id": "custom.acme-token", "kind": "secret", "name": "Acme token", "severity": "high",
           "message": "Acme token committed.", "keywords": ["acme_"],
           "regex": r"(?P<secret>acme_[a-z0-9]{24})\b",
           "examples": {"match": [STRICT], "no_match": ['ACME = "acme_short"']}}
    raw.update(overrides)
    return parse_rule(raw)


def test_passing_rule_has_no_failures():
    assert run_examples([_secret_rule()]) == []


def test_match_example_that_does_not_match_is_reported():
    rule = _secret_rule(examples={"match": [{"text": 'ACME = "acme_tooshort"', "secret": "acme_tooshort"}]})
    [failure] = run_examples([rule])
    assert failure.rule_id == "custom.acme-token" and failure.expected == "match"
    assert "should match" in failure.describe()


def test_no_match_example_that_matches_is_reported_with_masked_snippet():
    rule = _secret_rule(examples={"match": [STRICT],
                                  "no_match": ['other = "acme_z9x8c7v6b5n4m3l2k1j0h9g8"']})
    [failure] = run_examples([rule])
    assert failure.expected == "no_match"
    assert "acme_z9x8c7v6b5n4m3l2k1j0h9g8" not in failure.detail  # the snippet is masked
    assert "line 1" in failure.detail


def test_disabled_and_repo_rules_are_not_run():
    rule = _secret_rule(examples={"match": ["nothing here"]}, enabled=False)
    assert run_examples([rule]) == []


def test_a_plain_string_match_example_is_rejected_naming_file_rule_and_index():
    rule = _secret_rule(examples={"match": [STRICT, 'ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"']}, )
    rule = replace(rule, source="packs/acme.yaml")
    [failure] = run_examples([rule])
    assert failure.expected == "loose"
    message = failure.describe()
    assert message.startswith("packs/acme.yaml: custom.acme-token: examples.match[1] does not say where")
    assert "secret:" in message and "acme_q8d7f6g5h4j3k2l1m9n8b7v6" not in message


def test_a_secret_example_must_name_the_reported_value_and_line():
    two_lines = {"text": 'x = 1\nACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"', "secret": "acme_q8d7f6g5h4j3k2l1m9n8b7v6"}
    assert run_examples([_secret_rule(examples={"match": [two_lines]})]) == []  # line defaults to where it is
    wrong_line = {**two_lines, "line": 1}
    [failure] = run_examples([_secret_rule(examples={"match": [wrong_line]})])
    assert failure.expected == "location" and "expected line 1" in failure.detail and "reported line 2" in failure.detail
    prefix_only = {"text": STRICT["text"], "secret": "acme_q8d7f6g5h4j3k2l1m9n8b7"}
    [failure] = run_examples([_secret_rule(examples={"match": [prefix_only]})])
    assert failure.expected == "location"
    assert "acme_q8d7f6g5h4j3k2l1m9n8b7v6" not in failure.describe()  # values are masked in the message


def test_a_path_dependent_rule_is_tested_with_its_path():
    rule = _secret_rule(allowlist={"paths": ["**/fixtures/**"]},
                        examples={"match": [STRICT], "no_match": [{"text": STRICT["text"], "path": "tests/fixtures/a.py"}]})
    assert run_examples([rule]) == []
    rule = _secret_rule(allowlist={"paths": ["**/fixtures/**"]},
                        examples={"match": [{**STRICT, "path": "tests/fixtures/a.py"}]})
    [failure] = run_examples([rule])
    assert failure.expected == "match"


CODE = {"id": "custom.sqli", "kind": "code", "name": "SQLi", "severity": "high", "message": "m",
        "languages": ["python"], "sink": {"call": {"method": ["execute"]}}, "when": "dynamic-string"}


def _code_rule(*match):
    return parse_rule({**CODE, "examples": {"match": list(match)}})


def test_code_examples_are_strict_about_lines():
    good = "def f(cur, a):\n    # ruleid: custom.sqli\n    cur.execute('SELECT ' + a)\n    # ok: custom.sqli\n    cur.execute('SELECT 1')\n"
    assert run_examples([_code_rule(good)]) == []
    [loose] = run_examples([_code_rule("cur.execute('SELECT ' + a)")])
    assert loose.expected == "loose" and "ruleid:" in loose.describe()
    misplaced = "# ruleid: custom.sqli\nx = 1\ncur.execute('SELECT ' + a)\n"
    [failure] = run_examples([_code_rule(misplaced)])
    assert failure.expected == "location" and "expected line 2, reported line 3" in failure.detail
    missing_second = "cur.execute('SELECT ' + a)\n# ruleid: custom.sqli\ncur.execute('SELECT ' + b)\n"
    [failure] = run_examples([_code_rule(missing_second)])
    assert failure.expected == "location" and "reported line 1, line 3" in failure.detail
