"""The example runner catches rules whose examples lie, in both directions."""

from __future__ import annotations

from buildrunner.engine.rules import parse_rule
from buildrunner.engine.ruletest import run_examples


def _secret_rule(**overrides):
    raw = {"id": "custom.acme-token", "kind": "secret", "name": "Acme token", "severity": "high",
           "message": "Acme token committed.", "keywords": ["acme_"],
           "regex": r"(?P<secret>acme_[a-z0-9]{24})\b",
           "examples": {"match": ['ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"'], "no_match": ['ACME = "acme_short"']}}
    raw.update(overrides)
    return parse_rule(raw)


def test_passing_rule_has_no_failures():
    assert run_examples([_secret_rule()]) == []


def test_match_example_that_does_not_match_is_reported():
    rule = _secret_rule(examples={"match": ['ACME = "acme_tooshort"']})
    [failure] = run_examples([rule])
    assert failure.rule_id == "custom.acme-token" and failure.expected == "match"
    assert "should match" in failure.describe()


def test_no_match_example_that_matches_is_reported_with_masked_snippet():
    rule = _secret_rule(examples={"match": ['ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"'],
                                  "no_match": ['other = "acme_z9x8c7v6b5n4m3l2k1j0h9g8"']})
    [failure] = run_examples([rule])
    assert failure.expected == "no_match"
    assert "acme_z9x8c7v6b5n4m3l2k1j0h9g8" not in failure.detail  # the snippet is masked
    assert "line 1" in failure.detail


def test_disabled_and_repo_rules_are_not_run():
    rule = _secret_rule(examples={"match": ["nothing here"]}, enabled=False)
    assert run_examples([rule]) == []
