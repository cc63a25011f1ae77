"""The JSON report: a stable, versioned schema for scripts."""

from __future__ import annotations

import json

from buildrunner.engine.reporters import render

from .conftest import RAW_VALUES


def test_schema(findings_result):
    doc = json.loads(render("json", findings_result))
    assert list(doc) == ["version", "tool", "mode", "summary", "findings", "skipped", "suppressed",
                         "unused_suppressions"]
    assert doc["version"] == 1 and doc["tool"] == {"name": "br", "version": "9.9.9-test"}
    assert doc["mode"] == "files"
    assert doc["summary"] == {
        "findings": 5, "by_severity": {"critical": 1, "high": 2, "medium": 1, "low": 1, "info": 0},
        "files_scanned": 42, "skipped": 3,
        "skipped_by_reason": {"binary": 1, "invalid-utf8": 1, "too-large": 1},
        "suppressed": 2, "suppressed_by": {"inline": 1, "whitelist": 1}, "unused_suppressions": 1,
        "rules": 5, "duration_s": 0.432, "exit_code": 1,
    }
    assert [f["path"] for f in doc["findings"]] == sorted(f["path"] for f in doc["findings"])
    assert doc["skipped"][1] == {"path": "data/dump.sql", "reason": "too-large", "detail": "12.0 MB > 2.0 MB"}
    assert {s["how"] for s in doc["suppressed"]} == {"inline", "whitelist"}
    assert doc["unused_suppressions"] == ["0badc0ffee000000:0"]


def test_findings_are_finding_to_dict(findings_result):
    doc = json.loads(render("json", findings_result))
    by_path = {f.path: f for f in findings_result.findings}
    for item in doc["findings"]:
        assert item == json.loads(json.dumps(by_path[item["path"]].to_dict()))
    sqli = next(f for f in doc["findings"] if f["rule_id"].startswith("python.sql"))
    assert sqli["trace"][0] == {"line": 12, "message": "query built with f-string from `user_id`", "column": 5}
    assert sqli["autofix"]["safe"] is True
    history = next(f for f in doc["findings"] if f["origin"]["kind"] == "history")
    assert history["origin"]["commit"].startswith("3f2a9c1e")


def test_clean_result(clean_result):
    doc = json.loads(render("json", clean_result))
    assert doc["findings"] == [] and doc["summary"]["exit_code"] == 0 and doc["suppressed"] == []


def test_unicode_kept_and_no_raw_values(findings_result):
    out = render("json", findings_result)
    assert "rapport été, 100%:v2.ts" in out and "café" in out
    for raw in RAW_VALUES:
        assert raw not in out


def test_undecodable_path_does_not_crash(findings_result):
    findings_result.findings[0].path = "caf\udce9.py"
    out = render("json", findings_result)
    out.encode("utf-8")  # writable as UTF-8
    assert '"caf\\udce9.py"' in out  # a JSON escape: lossless, os.fsencode gives b"caf\xe9.py" back
    assert "caf\udce9.py" in [f["path"] for f in json.loads(out)["findings"]]
