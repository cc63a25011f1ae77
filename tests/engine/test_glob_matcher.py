"""`fsutil.glob_matcher`: one compiled regex per glob list, answering exactly like `fnmatch` per glob.
The secret rules' `paths` and allowlists, the SQL rules' `skip_paths` and `security.exclude` use it."""

from __future__ import annotations

import fnmatch

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.fsutil import glob_matcher

PART = st.text(alphabet="abAB.-_*?[]!/é ", min_size=0, max_size=6)


@settings(max_examples=400, deadline=None)
@given(globs=st.lists(PART, max_size=4), name=st.text(alphabet="abAB.-_/é *?[]", max_size=10))
def test_the_compiled_list_answers_like_fnmatch_glob_by_glob(globs, name):
    assert glob_matcher(tuple(globs))(name) == any(fnmatch.fnmatchcase(name, g) for g in globs)
    assert glob_matcher(tuple(globs), normcase=True)(name) == any(fnmatch.fnmatch(name, g) for g in globs)


def test_examples_a_user_writes():
    keystores = glob_matcher(("*.jks", "id_rsa", "secrets/*"))
    assert keystores("release.jks") and keystores("id_rsa") and keystores("secrets/deep/x.txt")
    assert not keystores("id_rsa.pub") and not keystores("docs/release.jks.md")
    assert not glob_matcher(())("anything")
