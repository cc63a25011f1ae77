"""A secret rule's regex is parsed once when its pack loads, however many analyses read it
(validation, literal prefix, required and leading literals, run start, witness, line-break
blindness): with an empty rule cache, loading the built-in pack parsed each regex five times or more."""

from __future__ import annotations

import re._parser as sre_parse

from buildrunner.engine import literals
from buildrunner.engine.secrets import compile_spec


def test_compiling_a_rule_spec_parses_its_regex_once(monkeypatch):
    getattr(literals.parsed_pattern, "cache_clear", lambda: None)()
    parsed: list[str] = []
    real = sre_parse.parse

    def counting(pattern, flags=0, *args):
        parsed.append(pattern)
        return real(pattern, flags, *args)

    monkeypatch.setattr(sre_parse, "parse", counting)
    regex = r"(?<![A-Za-z0-9_\-])(?P<secret>ab_[A-Za-z0-9]{8,12})(?![A-Za-z0-9_\-])"
    spec = compile_spec({"keywords": ["ab_"], "regex": regex, "anchored": "keyword"}, "test.rule")
    assert spec["prefix"] == "ab_" and spec["witness"] == [1, 3]  # every analysis ran
    assert parsed.count(regex) == 1


def test_an_invalid_regex_is_still_refused_every_time():
    import pytest

    from buildrunner.engine.model import SpecError

    for _ in range(2):
        with pytest.raises(SpecError):
            compile_spec({"keywords": ["x"], "regex": "(?P<secret>x"}, "test.rule")
