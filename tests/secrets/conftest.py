from __future__ import annotations

import pytest

from buildrunner.engine.rules import builtin_pack_paths, load_pack, parse_rule
from tests.engine.conftest import repo  # noqa: F401  (a git repository with the test rule pack)


@pytest.fixture(scope="session")
def builtin_secret_rules():
    return [r for p in builtin_pack_paths() if p.stem == "secrets" for r in load_pack(p, builtin=True).rules]


@pytest.fixture(scope="session")
def builtin_matcher(builtin_secret_rules):
    from buildrunner.engine.secrets import SecretMatcher

    return SecretMatcher(builtin_secret_rules, salt="test-salt")


def make_rule(**overrides):
    raw = {"id": "custom.acme-token", "kind": "secret", "name": "Acme token", "severity": "high",
           "message": "Acme token committed.", "fix": "Rotate it.", "keywords": ["acme_"],
           "regex": r"(?P<secret>acme_[A-Za-z0-9]{24})\b", "tags": ["security", "secret"], "cwe": ["CWE-798"],
           "examples": {"match": ["acme_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6"]}}
    raw.update(overrides)
    return parse_rule(raw)
