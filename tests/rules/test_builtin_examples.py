"""Every built-in rule proves itself: its match examples are found, its no_match examples are not.

Parametrized per rule id so a failure names the rule. Code rules run through the code matcher
(a matcher that cannot be imported fails the test); repo rules have their own suite.
"""

from __future__ import annotations

import pytest

from buildrunner.engine.rules import builtin_pack_paths, load_pack
from buildrunner.engine.ruletest import SKIPPED_KINDS, matcher_class, run_rule_examples

BUILTIN = [rule for path in builtin_pack_paths() for rule in load_pack(path, builtin=True).rules]


def test_builtin_packs_are_not_empty():
    secret_rules = [r for r in BUILTIN if r.kind == "secret"]
    assert len(secret_rules) >= 100
    assert len({r.id for r in BUILTIN}) == len(BUILTIN), "rule ids must be unique across built-in packs"


@pytest.mark.parametrize("rule", [r for r in BUILTIN if r.kind not in SKIPPED_KINDS], ids=lambda r: r.id)
def test_rule_examples(rule):
    assert matcher_class(rule.kind) is not None, f"no matcher for kind {rule.kind!r}: its examples cannot run"
    failures = run_rule_examples(rule)
    assert not failures, "\n".join(f.describe() for f in failures)


def test_secret_rules_are_documented():
    """Each secret rule tells the user what to do and carries decoys, not only positives."""
    problems = []
    for rule in (r for r in BUILTIN if r.kind == "secret"):
        checks = {"fix/help/message": bool(rule.fix and rule.help and rule.message),
                  "CWE-798": "CWE-798" in rule.cwe,
                  "tags security+secret+family": {"security", "secret"} <= set(rule.tags) and len(rule.tags) >= 3,
                  "id prefix secrets.": rule.id.startswith("secrets."),
                  "no_match decoys": len(rule.examples.no_match) >= 1}
        problems += [f"{rule.id}: {name}" for name, ok in checks.items() if not ok]
    assert not problems, "\n".join(problems)
