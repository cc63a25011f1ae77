"""compile_spec rejects what would silently break detection, naming the field."""

from __future__ import annotations

import pytest

from buildrunner.engine.model import SpecError
from buildrunner.engine.secrets import compile_spec

BASE = {"keywords": ["acme_"], "regex": r"(?P<secret>acme_[a-z0-9]{24})"}


@pytest.mark.parametrize("change, field", [
    ({"keywords": []}, "keywords"),
    ({"keywords": "acme_" and [""]}, "keywords"),
    ({"keywords": None}, "keywords"),
    ({"regex": "(?P<secret>acme_[a-z"}, "regex"),
    ({"regex": "acme_[a-z0-9]{24}"}, "regex"),
    ({"regex": 42}, "regex"),
    ({"regex": r"(?<=key=\s*)(?P<secret>acme_[a-z0-9]{24})"}, "regex"),  # variable-width look-behind
    ({"entropy": 9}, "entropy"),
    ({"entropy": True}, "entropy"),
    ({"min_length": 2.5}, "min_length"),
    ({"window": -1}, "window"),
    ({"fallback": "yes"}, "fallback"),
    ({"validate": "luhn"}, "validate"),
    ({"anchored": True}, "anchored"),
    ({"allowlist": ["x"]}, "allowlist"),
    ({"allowlist": {"regex": ["x"]}}, "allowlist"),
    ({"allowlist": {"regexes": ["(unclosed"]}}, "allowlist.regexes"),
    ({"allowlist": {"paths": "tests/**", "stopwords": [1]}}, "allowlist.stopwords"),
    ({"pattern": "x"}, "pattern"),
])
def test_invalid_fields_are_rejected(change, field):
    raw = {**BASE, **change}
    with pytest.raises(SpecError) as exc:
        compile_spec(raw, "custom.acme")
    assert exc.value.field == field


def test_valid_spec_is_normalized():
    spec = compile_spec({**BASE, "keywords": ["ACME_", "acme_"], "entropy": 3, "allowlist": {"paths": "tests/**"}},
                        "custom.acme")
    assert spec["keywords"] == ["acme_"]
    assert spec["entropy"] == 3.0 and spec["window"] == 0 and spec["placeholders"] is True
    assert spec["allowlist"]["paths"] == ["tests/**"]
