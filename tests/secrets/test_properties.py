"""Property tests: wherever a secret lands in arbitrary text, it is found at its position and masked."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.masking import sanitize_text
from buildrunner.engine.model import Document

ALNUM = string.ascii_letters + string.digits
tokens = st.text(alphabet=ALNUM, min_size=36, max_size=36).filter(lambda s: len(set(s)) > 8)
noise = st.text(alphabet=string.printable.replace("\x0b", "").replace("\x0c", ""), max_size=300)
separators = st.sampled_from([" ", "\n", '"', "'", "=", ": ", "(", "\t", ",\n  "])


@settings(max_examples=60, deadline=None)
@given(before=noise, after=noise, body=tokens, left=separators, right=separators)
def test_planted_github_token_is_found_and_masked(builtin_matcher, before, after, body, left, right):
    token = "ghp_" + body
    text = before + left + token + right + after
    start = len(before) + len(left)
    findings = [f for f in builtin_matcher.scan(Document(path="x.txt", text=text)) if f.rule_id == "secrets.github-pat"]
    assert findings, "planted token not found"
    lines = text.split("\n")
    f = next(f for f in findings if lines[f.line - 1][f.column - 1:f.end_column - 1] == token)
    assert sum(len(line) + 1 for line in lines[:f.line - 1]) + f.column - 1 == start
    assert token not in f.snippet
    assert token not in sanitize_text(text)


@settings(max_examples=60, deadline=None)
@given(text=noise)
def test_sanitize_never_raises_and_marks_what_it_masks(text):
    out = sanitize_text(text)
    assert isinstance(out, str)
    if out != text:  # something was masked: the mask marker is there
        assert "…" in out or "*" in out
