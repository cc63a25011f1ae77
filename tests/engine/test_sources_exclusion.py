"""`sources.is_excluded` and `has_binary_extension`, compiled for speed, against their plain form."""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine import sources


def plain_is_excluded(path: str, patterns) -> bool:
    """The per-pattern definition (`fnmatch` each glob), as the function was first written."""
    name = path.rsplit("/", 1)[-1]
    for pat in patterns:
        pat = pat.strip()
        if not pat:
            continue
        if pat.startswith("./"):
            pat = pat[2:]
        if fnmatch.fnmatchcase(path, pat) or ("/" not in pat and fnmatch.fnmatchcase(name, pat)):
            return True
        base = pat.rstrip("/").removesuffix("/**")
        if path.startswith(base + "/") and not any(ch in base for ch in "*?["):
            return True
    return False


PATH_PART = st.text(alphabet="abAB.-_*?[]!é ", min_size=0, max_size=5)
PATHS = st.lists(PATH_PART, min_size=1, max_size=4).map("/".join)
PATTERNS = st.lists(st.one_of(PATHS, PATHS.map(lambda p: p + "/"), PATHS.map(lambda p: "./" + p),
                              PATHS.map(lambda p: p + "/**"), PATHS.map(lambda p: " " + p + " "),
                              st.sampled_from(["", "*", "**", "*.min.js", "tests/", "[ab]*", "[!a]?"])),
                    max_size=5)


@settings(max_examples=600, deadline=None)
@given(PATHS, PATTERNS)
def test_compiled_exclusion_answers_like_fnmatch_per_pattern(path, patterns):
    assert sources.is_excluded(path, patterns) == plain_is_excluded(path, patterns)


def test_exclusion_examples():
    excludes = [*sources.BUILTIN_EXCLUDES, "tests/fixtures", "*.min.js", "docs/**", "./vendor/"]
    assert sources.is_excluded("a/b/app.min.js", excludes)
    assert sources.is_excluded("tests/fixtures/x/y.py", excludes)
    assert sources.is_excluded("docs/a/b.md", excludes)
    assert sources.is_excluded("vendor/lib.py", excludes)
    assert sources.is_excluded(".buildrunner/rules/x.yaml", excludes)
    assert not sources.is_excluded("tests/fixtures.py", excludes)
    assert not sources.is_excluded("src/app.js", excludes)
    assert not sources.is_excluded("src/app.py", [])


GIT_PATH_PART = st.text(alphabet="ab.- ", min_size=1, max_size=5).filter(lambda p: p != ".")


@settings(max_examples=2000, deadline=None)
@given(st.lists(GIT_PATH_PART, min_size=1, max_size=3).map("/".join))
def test_suffix_is_pure_posix_paths(path):
    """For the paths git lists (no empty, no `.` component, no trailing `/`)."""
    assert sources._suffix(path) == PurePosixPath(path).suffix


def test_binary_extensions():
    assert sources.has_binary_extension("img/Logo.PNG")
    assert sources.has_binary_extension("a.tar.gz") == (".gz" in sources.BINARY_EXTENSIONS)
    assert not sources.has_binary_extension(".png")  # a dot file named `.png`: no suffix
    assert not sources.has_binary_extension("src/app.py")
