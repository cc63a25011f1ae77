"""The secret rules' path globs are matched with one combined regex: the same answers as fnmatch."""

from __future__ import annotations

from fnmatch import fnmatch

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.secrets import _any_glob, builtin_secret_rules

GLOB_SETS = sorted({tuple(globs) for r in builtin_secret_rules()
                    for globs in (r.spec["allowlist"]["paths"], r.spec.get("paths") or []) if globs})
SEGMENTS = ["src", "tests", "test", "docs", "fixtures", "node_modules", "vendor", "a.py", "x.p12", "key.jks",
            "README.md", "conftest.py", ".env", "id_rsa", "keystore.pfx", "spec", "__snapshots__", "A.JKS"]


def test_the_builtin_rules_have_path_globs_to_check():
    assert len(GLOB_SETS) >= 3


@settings(max_examples=400, deadline=None)
@given(globs=st.sampled_from(GLOB_SETS), parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5))
def test_combined_globs_answer_like_fnmatch(globs, parts):
    path = "/".join(parts)
    assert _any_glob(path, list(globs)) == any(fnmatch(path, g) for g in globs)


def test_no_globs_match_no_path():
    assert not _any_glob("a/b.p12", [])
    assert not _any_glob("", [])


def test_globs_with_brackets_and_stars_combine():
    globs = ["**/test*/**", "*.[jp]ks", "[!a]*.pem"]
    for path in ("a/tests/b.py", "x.jks", "x.pks", "b.pem", "a.pem", "test", "src/key.pem"):
        assert _any_glob(path, globs) == any(fnmatch(path, g) for g in globs), path
