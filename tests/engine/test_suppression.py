"""Suppression units: inline comments, whitelist parsing, baseline files."""

from __future__ import annotations

import json

import pytest

from buildrunner.engine import sources
from buildrunner.engine.suppression import load_baseline, load_whitelist
from buildrunner.errors import BrError
from tests.engine.scanhelp import project_of, scan_items, token


def _scan(repo):
    return scan_items(repo.root, list(sources.files(project_of(repo.root))))


@pytest.mark.parametrize("text, suppressed", [
    ("T = '{t}'  # br: ignore[testpack.token]\n", True),
    ("# br: ignore[testpack.token]\nT = '{t}'\n", True),
    ("T = '{t}'  # br: ignore[testpack]\n", True),                 # dotted prefix
    ("T = '{t}'  # br: ignore[other.rule, testpack.token]\n", True),  # several ids
    ("T = '{t}'  # br: ignore[testpack.tok]\n", False),            # not a dotted prefix
    ("T = '{t}'  # br: ignore[other.rule]\n", False),
    ("T = '{t}'  # br: ignore\n", False),                          # bare: must name the rule
    ("x = 1  # br: ignore[testpack.token]\nT = '{t}'\n", False),    # line above has code
    ("# br: ignore[testpack.token]\n\nT = '{t}'\n", False),         # two lines above
])
def test_inline_python(repo, text, suppressed):
    repo.write("a.py", text.format(t=token(1)))
    result = _scan(repo)
    assert (len(result.suppressed), len(result.findings)) == ((1, 0) if suppressed else (0, 1))
    if suppressed:
        assert result.suppressed[0].how == "inline"


@pytest.mark.parametrize("text", [
    "const t = '{t}'; // br: ignore[testpack.token]\n",
    "// br: ignore[testpack.token]\nconst t = '{t}';\n",
    "const t = '{t}'; /* br: ignore[testpack.token] */\n",
])
def test_inline_javascript(repo, text):
    repo.write("a.js", text.format(t=token(1)))
    result = _scan(repo)
    assert result.findings == [] and [s.how for s in result.suppressed] == ["inline"]


def test_bare_ignore_carries_a_hint(repo):
    repo.write("a.py", f"T = '{token(1)}'  # br: ignore\n")
    result = _scan(repo)
    assert "br: ignore[testpack.token]" in result.findings[0].extra["hint"]


def test_inline_ignore_only_covers_its_line(repo):
    repo.write("a.py", f"T = '{token(1)}'  # br: ignore[testpack.token]\nU = '{token(2)}'\n")
    result = _scan(repo)
    assert [f.line for f in result.findings] == [2]


def test_whitelist_parsing_warns_on_malformed_lines(tmp_path):
    path = tmp_path / "whitelist.txt"
    path.write_text("# comment\n\n0123456789abcdef:0  # testpack.token a.py:1 ok\nnot-a-fingerprint\n"
                    "0123456789abcdef:1\n")
    wl = load_whitelist(path)
    assert [e.fingerprint for e in wl.entries] == ["0123456789abcdef:0", "0123456789abcdef:1"]
    assert len(wl.warnings) == 1 and f"{path}:4:" in wl.warnings[0]


def test_missing_whitelist_is_empty(tmp_path):
    wl = load_whitelist(tmp_path / "nope.txt")
    assert wl.entries == [] and wl.warnings == []


def test_corrupt_baseline_is_an_input_error(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text('{"findings": [\n  {"fingerprint": "x"\n')
    with pytest.raises(BrError, match=r"baseline.json:\d+: the baseline is not valid JSON"):
        load_baseline(path)
    path.write_text(json.dumps({"something": 1}))
    with pytest.raises(BrError, match="no `findings` list"):
        load_baseline(path)


def test_concurrent_whitelist_appends_keep_every_entry(tmp_path):
    import threading

    from buildrunner.engine.suppression import append_whitelist

    path = tmp_path / ".buildrunner" / "whitelist.txt"

    def worker(n: int) -> None:
        for i in range(40):
            append_whitelist(path, [f"{n:08x}{i:08x}:0  # writer {n} entry {i}"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wl = load_whitelist(path)
    assert wl.warnings == [] and len(wl.entries) == 240
    assert path.read_text().count("# br security whitelist") == 1


def test_whitelist_without_trailing_newline_is_appended_cleanly(tmp_path):
    from buildrunner.engine.suppression import append_whitelist

    path = tmp_path / "whitelist.txt"
    path.write_text("0123456789abcdef:0  # hand-written, no newline")
    append_whitelist(path, ["fedcba9876543210:0  # new"])
    assert [e.fingerprint for e in load_whitelist(path).entries] == ["0123456789abcdef:0", "fedcba9876543210:0"]
