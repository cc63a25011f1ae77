"""`br config` never shows a secret: neither under a sensitive key nor as a bare value elsewhere.

Secrets come from every built-in secret rule's own match examples (shuffled by hypothesis, keeping
alphabet and length, exactly as the report leak test does), stored under a key that does not look
sensitive, so only value-based masking stands between the secret and the terminal.
"""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reporters.test_no_secret_leaks import CASES, generate, needs_rules

OUTPUTS = (("config", "list"), ("config", "list", "--json"), ("config", "get", "project.name"),
           ("config", "get", "project.name", "--json"), ("status", "--json"))


def assert_never_shown(br, root, secrets: list[str]) -> None:
    for secret in secrets:
        res = br("config", "set", "project.name", secret, cwd=root)
        assert res.exit_code == 0, res.output
        assert secret not in res.output
        stored = yaml.safe_load((root / ".buildrunner" / "config.yaml").read_text(encoding="utf-8"))
        assert stored["project"]["name"] == secret  # really stored: masking, not a lost value, hides it
        for args in OUTPUTS:
            out = br(*args, cwd=root)
            assert out.exit_code == 0, (args, out.output)
            assert secret not in out.output, (args, secret[:6])


FIRST_EXAMPLES = {rule.id: (rule, example) for rule, example in reversed(CASES)}


@needs_rules
@pytest.mark.parametrize("rule_id", sorted(FIRST_EXAMPLES))
def test_each_rule_family_is_masked_as_a_bare_config_value(rule_id, git_repo, br):
    rule, example = FIRST_EXAMPLES[rule_id]
    _text, secrets, _variant = generate(rule, example, random.Random(rule_id))
    assert_never_shown(br, git_repo.root, secrets)


@pytest.mark.slow
@needs_rules
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES or [None]), seed=st.integers(0, 2**32 - 1))
def test_generated_secrets_are_masked_in_config_output(case, seed, git_repo, br):
    rule, example = case
    _text, secrets, _variant = generate(rule, example, random.Random(seed))
    assert_never_shown(br, git_repo.root, secrets)
