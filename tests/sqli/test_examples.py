"""Every rule's own examples pass (JS rules also on TypeScript and TSX), and the packs are well-formed."""

from __future__ import annotations

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document
from buildrunner.engine.ruletest import run_rule_examples

from .conftest import pack_rules

RULES = pack_rules("sqli-python") + pack_rules("sqli-javascript")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples_pass(rule):
    failures = run_rule_examples(rule)
    assert not failures, "\n".join(f.describe() for f in failures)
    assert rule.examples.match and rule.examples.no_match, "each rule proves both sides"


@pytest.mark.parametrize("language", ["typescript", "tsx"])
@pytest.mark.parametrize("rule", [r for r in RULES if "javascript" in r.languages], ids=lambda r: r.id)
def test_javascript_rules_apply_to_typescript(rule, language):
    matcher = CodeMatcher([rule])
    ext = "ts" if language == "typescript" else "tsx"
    for text in rule.examples.match:
        assert [f.rule_id for f in matcher.scan(Document(f"x.{ext}", text, language))] == [rule.id], text
    for text in rule.examples.no_match:
        assert matcher.scan(Document(f"x.{ext}", text, language)) == [], text


def test_rule_ids_name_the_class_they_find():
    for rule in RULES:
        lang, category, name = rule.id.split(".")
        assert lang in ("python", "javascript") and category == "sql-injection" and name
        assert rule.category == "sql-injection"
        assert "CWE-89" in rule.cwe
        assert "{sink}" in rule.message and rule.fix and rule.help
