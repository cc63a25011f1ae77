"""Last-scan state: written atomically, never holds values, tolerant of bad files."""

from __future__ import annotations

from buildrunner.engine.model import Finding, ScanResult, Severity, Skipped
from buildrunner.engine.state import read_last_scan, record_last_scan
from tests.engine.scanhelp import project_of


def _result():
    f = Finding(rule_id="x.y", severity=Severity.CRITICAL, message="m", path="a.py", line=1,
                snippet="KEY = 'sk-a…zzzz'", masked_value="sk-a…zzzz")
    return ScanResult(findings=[f], skipped=[Skipped("b.bin", "binary")], files_scanned=3, mode="staged")


def test_round_trip(tmp_path):
    project = project_of(tmp_path)
    assert not record_last_scan(project, _result(), 1)  # no .buildrunner/: a scan writes nothing
    (tmp_path / ".buildrunner").mkdir()
    assert record_last_scan(project, _result(), 1)
    state = read_last_scan(project)
    assert state["mode"] == "staged" and state["exit_code"] == 1 and state["findings"] == 1
    assert state["by_severity"]["critical"] == 1 and state["skipped"] == {"binary": 1}
    assert "sk-a" not in (tmp_path / ".buildrunner" / "state" / "last_scan.json").read_text()


def test_corrupt_or_missing_state_reads_as_none(tmp_path):
    project = project_of(tmp_path)
    assert read_last_scan(project) is None
    (tmp_path / ".buildrunner" / "state").mkdir(parents=True)
    (tmp_path / ".buildrunner" / "state" / "last_scan.json").write_text("{torn")
    assert read_last_scan(project) is None


def test_unwritable_state_is_ignored(tmp_path):
    (tmp_path / ".buildrunner").write_text("a file, not a directory")
    assert record_last_scan(project_of(tmp_path), _result()) is False
