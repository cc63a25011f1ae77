"""Lazily compiled router patterns (buildrunner/router/lazyre.py): never a missed match, and no
compile for a text that cannot match."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from buildrunner.router import features, lazyre, normalize, rules
from buildrunner.router.lazyre import LazyPattern, lazy, required_literals

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("pattern", "literals"), [
    (r"tests?", {"test"}),
    (r"\b(?:auth\w*|oauth)\b", {"auth", "oauth"}),
    (r"(?:re)?format(?:ted|ting)?", {"format"}),
    (r"Traceback \(most recent call last\)|\b[A-Z]\w*(?:Error|Exception): ", {"Traceback (most recent call last)",
                                                                             "Error", "Exception"}),
    (r"n\+1|setup\.cfg", {"setup.cfg"} | {"n+1"}),
])
def test_required_literals(pattern, literals):
    assert required_literals(pattern) == frozenset(literals)


@pytest.mark.parametrize("pattern", [r"\w+", r"(?i)foo", r"[a-z][a-z'-]*", r"x|\d+", r"(?:ab)?c"])
def test_patterns_without_a_required_literal_are_always_compiled(pattern):
    assert required_literals(pattern) is None
    assert lazy(pattern).may_match("anything")


def test_no_compile_when_the_text_cannot_match():
    pattern = lazy(r"\bdeadlock\w*")
    assert pattern.search("fix the typo in the README") is None
    assert list(pattern.finditer("fix the typo")) == [] and pattern.sub("x", "keep me") == "keep me"
    assert pattern._compiled is None
    assert pattern.search("a deadlocked worker").group(0) == "deadlocked"
    assert pattern._compiled is not None


def test_case_insensitive_patterns_check_lowered_text():
    pattern = lazy(r"^#+ describe the bug", re.I | re.M)
    assert pattern.search("## Describe The Bug\nit crashes") is not None


def _router_patterns() -> list[tuple[str, LazyPattern]]:
    found = []
    for module in (features, rules, normalize):
        for name, value in vars(module).items():
            values = [value] if isinstance(value, LazyPattern) else value if isinstance(value, list) else []
            for entry in values:
                for part in entry if isinstance(entry, tuple) else (entry,):
                    if isinstance(part, LazyPattern):
                        found.append((f"{module.__name__}.{name}", part))
    return found


def _labelled_texts() -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import router_dataset as _router_data
    finally:
        sys.path.pop(0)
    texts = [item.text for item in _router_data.load()]
    return texts + [t.lower() for t in texts] + [normalize.normalize(t).text.lower() for t in texts]


def test_every_router_pattern_is_sound_on_the_labelled_set():
    """Wherever the compiled pattern matches, the literal precheck lets it run."""
    patterns, texts = _router_patterns(), _labelled_texts()
    assert len(patterns) >= 80
    missed = [(name, text[:60]) for name, p in patterns for text in texts
              if not p.may_match(text) and p.compiled().search(text)]
    assert missed == []


def test_lazy_features_equal_eager_features(monkeypatch):
    texts = _labelled_texts()[:1200]
    lazy_values = [features.extract(t).values for t in texts]
    monkeypatch.setattr(lazyre.LazyPattern, "always", True)
    assert [features.extract(t).values for t in texts] == lazy_values


def test_shipped_literal_table_is_current():
    """data/pattern_literals.json (written by bench/router_train.py) holds every router pattern with
    a fresh derivation of its literals, so the run-time shortcut never uses stale ones."""
    import json

    table = json.loads(lazyre.LITERALS_PATH.read_text(encoding="utf-8"))
    for name, pattern in _router_patterns():
        assert pattern.pattern in table, name
        fresh = required_literals(pattern.pattern)
        assert table[pattern.pattern] == (None if fresh is None else sorted(fresh)), name
