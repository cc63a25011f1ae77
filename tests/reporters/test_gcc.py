"""gcc-style lines, and the shipped problem matcher that turns them into editor/CI diagnostics."""

from __future__ import annotations

import json
import re
from importlib.resources import files

from buildrunner.engine.reporters import render


def matcher() -> dict:
    data = json.loads((files("buildrunner") / "data" / "problem-matchers.json").read_text(encoding="utf-8"))
    (entry,) = data["problemMatcher"]
    return entry


def test_problem_matcher_is_package_data_with_owner_br():
    entry = matcher()
    assert entry["owner"] == "br"
    (pattern,) = entry["pattern"]
    assert {k: pattern[k] for k in ("file", "line", "column", "severity", "message", "code")} == {
        "file": 1, "line": 2, "column": 3, "severity": 4, "message": 5, "code": 6}


def test_matcher_regexp_parses_every_gcc_line(findings_result):
    (pattern,) = matcher()["pattern"]
    regexp = re.compile(pattern["regexp"])
    lines = render("gcc", findings_result).splitlines()
    assert len(lines) == len(findings_result.findings)
    expected = sorted(findings_result.findings, key=lambda f: f.sort_key)
    for line, f in zip(lines, expected, strict=True):
        m = regexp.match(line)
        assert m, line
        g = lambda key, m=m: m.group(pattern[key])  # noqa: E731
        assert g("file") == f.path
        assert (int(g("line")), int(g("column"))) == (f.line, f.column)
        assert g("severity") == f.severity.editor_level
        assert g("code") == f.rule_id
        assert g("message").startswith(f.message.split("\n")[0])


def test_lines(findings_result):
    lines = render("gcc", findings_result).splitlines()
    assert lines[0] == ("app/db.py:14:5: error: SQL text built from runtime values reaches cursor.execute. "
                        "[python.sql-injection.dbapi-execute]")
    assert "(in commit 3f2a9c1e5b7d by Dev Eloper <dev@example.com>, 2024-03-01T10:15:00+02:00) [secrets.aws-access-key-id]" in lines[1]
    # a multi-line message stays on its line; low severity is a warning
    assert lines[4].startswith("web/rapport été, 100%:v2.ts:7:3: warning: A template literal")
    assert lines[4].endswith("Second line: 50% sure, a:b [typescript.sql-injection.template-query]")


def test_clean_result_prints_nothing(clean_result):
    assert render("gcc", clean_result) == ""
