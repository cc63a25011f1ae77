"""The per-user rule cache used by the hook: same rules, invalidated by any pack change."""

from __future__ import annotations

import pytest

from buildrunner.engine.rulecache import cache_dir, load_rules_cached
from buildrunner.engine.rules import load_rules
from buildrunner.project import discover

PACK = """rules:
- id: mine.token
  kind: secret
  name: My token
  severity: high
  keywords: [mytok_]
  regex: '(?P<secret>mytok_[a-z0-9]{20})'
  message: My token.
  examples: {match: ['t = "mytok_abcdefghij0123456789"']}
"""


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_cached_rules_equal_a_fresh_load_and_follow_pack_changes(git_repo):
    project = discover(git_repo.root)
    first = load_rules_cached(project, ("secret", "code"))
    assert list(cache_dir().glob("*.pickle"))  # written under $XDG_CACHE_HOME, not in the repo
    assert not (git_repo.root / ".buildrunner").exists()
    again = load_rules_cached(project, ("secret", "code"))
    assert [(r.id, r.spec) for r in again] == [(r.id, r.spec) for r in first]
    assert [r.id for r in first] == [r.id for r in load_rules(project, kinds=("secret", "code")).rules]
    git_repo.write(".buildrunner/rules/mine.yaml", PACK)  # a new project pack invalidates the cache
    assert "mine.token" in {r.id for r in load_rules_cached(project, ("secret", "code"))}


def test_corrupt_cache_falls_back_to_loading(git_repo):
    project = discover(git_repo.root)
    load_rules_cached(project, ("secret",))
    for path in cache_dir().glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    rules = load_rules_cached(project, ("secret",))
    assert rules and all(r.kind == "secret" for r in rules)


def test_a_warm_cache_skips_parsing_the_packs(git_repo, monkeypatch):
    """The point of the cache: the hook's second run must not load (parse, compile) the YAML packs."""
    import buildrunner.engine.rules as rules_mod

    project = discover(git_repo.root)
    first = load_rules_cached(project, ("secret",))

    def no_loading(*_a, **_k):
        raise AssertionError("load_rules called although the cache is warm")

    monkeypatch.setattr(rules_mod, "load_rules", no_loading)
    assert [r.id for r in load_rules_cached(project, ("secret",))] == [r.id for r in first]
