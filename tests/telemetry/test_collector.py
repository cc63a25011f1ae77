"""The JSONL log under stress: concurrent writers, torn lines, rotation, broken disks and configs."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import resource
import subprocess
import sys

import pytest

from buildrunner.project import Project
from buildrunner.telemetry import summary as summ
from buildrunner.telemetry.collector import TelemetryCollector
from buildrunner.telemetry.events import make_event, validate_event
from tests.conftest import uninstrumented_env


def _event(i: int, writer: int = 0, etype: str = "command", ts: str = "2026-11-20T10:00:00.000Z") -> dict:
    data = {"command": "status", "args": [], "duration_ms": 1.5, "success": i % 3 != 0, "exit_code": 0 if i % 3 else 1,
            "writer": writer, "seq": i}
    if etype == "feature":
        data = {"action": "completed", "feature_id": f"F{i}", "complexity": "simple", "duration_hours": 0.25,
                "writer": writer, "seq": i}
    return make_event(etype, data, ts=ts, project="p_" + "1" * 16, user="u_" + "2" * 16, br="0.1.0", commit="")


def _writer(root: str, writer: int, count: int, max_bytes: int) -> None:
    collector = TelemetryCollector(Project(__import__("pathlib").Path(root)), max_bytes=max_bytes)
    for i in range(count):
        collector.append(_event(i, writer, "feature" if i % 10 == 0 else "command"))
        assert collector.last_error is None, collector.last_error


@pytest.mark.slow
@pytest.mark.parametrize("max_bytes", [50_000_000, 60_000], ids=["no-rotation", "rotating"])
def test_concurrent_writers_lose_and_interleave_nothing(tmp_path, max_bytes):
    (tmp_path / ".buildrunner").mkdir()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 500, max_bytes)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    collector = TelemetryCollector(Project(tmp_path), max_bytes=max_bytes)
    raw = b"".join(gzip.decompress(a.read_bytes()) for a in collector.archives()) + collector.path.read_bytes()
    lines = raw.split(b"\n")
    assert lines[-1] == b""
    events = [validate_event(json.loads(line)) for line in lines[:-1]]  # every line is whole, valid JSON
    seen = {(e["data"]["writer"], e["data"]["seq"]) for e in events}
    assert len(events) == 4000 and seen == {(w, i) for w in range(8) for i in range(500)}
    if max_bytes < 1_000_000:
        assert len(collector.archives()) >= 10 and collector.path.stat().st_size <= max_bytes + 1000
    stored = collector.summary()
    assert stored["events"] == 4000 and stored["corrupt"] == 0
    assert stored["features"]["completed"] == 8 * 50
    assert summ.counters(stored) == summ.counters(collector.rebuild_summary(save=False))


def test_torn_last_line_is_skipped_and_isolated(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    collector = TelemetryCollector(Project(tmp_path))
    collector.append(_event(1))
    with open(collector.path, "ab") as fh:  # a writer killed mid-line
        fh.write(b'{"schema":1,"type":"command","ts":"2026-11-20T1')
    assert [e["data"]["seq"] for e in collector.iter_events()] == [1]
    collector.append(_event(2))
    collector.append(_event(3))
    assert [e["data"]["seq"] for e in collector.iter_events()] == [1, 2, 3]
    lines = collector.path.read_bytes().split(b"\n")
    assert lines[1].startswith(b'{"schema":1,"type":"command","ts":"2026-11-20T1') and len(lines) == 5
    s = collector.summary()
    assert s["events"] == 3 and s["corrupt"] == 1
    assert summ.counters(s) == summ.counters(collector.rebuild_summary(save=False))


def test_garbage_lines_and_damaged_summary_are_recovered(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    collector = TelemetryCollector(Project(tmp_path), max_bytes=2000)
    for i in range(30):
        collector.append(_event(i))
    assert collector.archives()
    with open(collector.path, "ab") as fh:
        fh.write(b"\x00\xff not json\n[1,2]\n")
    collector.summary_path.write_bytes(b'{"version":1,"events":')  # crash while writing the summary
    collector.append(_event(99))
    s = collector.summary()
    assert s["events"] == 31 and s["corrupt"] == 2
    assert [e["data"]["seq"] for e in collector.iter_events()][-1] == 99


def test_hand_edited_lines_never_stop_the_index(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    collector = TelemetryCollector(Project(tmp_path))
    collector.append(_event(1))
    junk = [
        {"schema": 1, "type": "feature", "ts": "yesterday", "data": {}},
        {"schema": 1, "type": "feature", "ts": "2026-13-45T00:00:00.000Z", "data": {"action": "added"}},
        {"schema": 1, "type": "feature", "ts": "2026-11-20T10:00:00.000Z",
         "data": {"action": "added", "complexity": ["x"], "duration_hours": "long"}},
        {"schema": 1, "type": "security", "ts": "2026-11-20T10:00:00.000Z", "data": {"counts": {"r.x": "many"}}},
        {"schema": 1, "type": ["command"], "ts": "2026-11-20T10:00:00.000Z", "data": {}},
    ]
    with open(collector.path, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(j) + "\n" for j in junk))
    collector.append(_event(2))
    s = collector.summary()
    assert s["events"] == 4 and s["corrupt"] == 3
    assert summ.counters(s) == summ.counters(collector.rebuild_summary(save=False))
    collector.append(_event(3))
    assert collector.summary()["events"] == 5


def test_rotation_keeps_the_log_small_and_every_event_readable(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    collector = TelemetryCollector(Project(tmp_path), max_bytes=4096, max_archives=1000)
    for i in range(400):
        day = 1 + i // 40
        collector.append(_event(i, ts=f"2026-11-{day:02d}T10:00:00.000Z"))
        assert collector.path.stat().st_size <= 4096 + 400
    archives = collector.archives()
    assert len(archives) > 10
    assert archives[0].name.startswith("events-000001_20261101-")
    assert [e["data"]["seq"] for e in collector.iter_events()] == list(range(400))
    # archives outside a date range are skipped by name; the range itself is exact
    window = [e["data"]["seq"] for e in collector.iter_events(since="2026-11-03", until="2026-11-04")]
    assert window == list(range(80, 160))
    total = sum(a.stat().st_size for a in archives)
    raw = sum(len(gzip.decompress(a.read_bytes())) for a in archives)
    assert total < raw / 4  # compressed
    assert collector.summary()["events"] == 400


def test_old_archives_are_pruned_but_totals_kept(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    collector = TelemetryCollector(Project(tmp_path), max_bytes=1024, max_archives=3)
    for i in range(120):
        collector.append(_event(i))
    assert len(collector.archives()) == 3
    assert collector.summary()["events"] == 120


def test_unwritable_directory_never_raises(tmp_path, tele):
    br_dir = tmp_path / ".buildrunner"
    br_dir.mkdir()
    with tele.unwritable(br_dir):
        collector = TelemetryCollector(Project(tmp_path))
        assert collector.append(_event(1)) is None
        assert collector.last_error.startswith("PermissionError")
        assert collector.summary()["events"] == 0


def test_a_file_where_the_directory_should_be_never_raises(tmp_path):
    (tmp_path / ".buildrunner").mkdir()
    (tmp_path / ".buildrunner" / "telemetry").write_text("not a directory")
    collector = TelemetryCollector(Project(tmp_path))
    assert collector.append(_event(1)) is None and collector.last_error


def _run_br(args, cwd, env, limit_bytes=None):
    def limit():
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "buildrunner", *args], cwd=cwd, capture_output=True, text=True,
                          env=uninstrumented_env(**env), preexec_fn=limit, timeout=60)


def test_full_disk_does_not_change_the_command_result(project, br):
    assert br("feature", "add", "Search", cwd=project.root).exit_code == 0
    log = project.telemetry_dir / "events.jsonl"
    size = log.stat().st_size
    # the process may not grow any file past the log's current size: every telemetry write fails (EFBIG)
    res = _run_br(["feature", "list", "--json"], project.root, {}, limit_bytes=size)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["name"] == "Search"
    assert "Traceback" not in res.stderr
    assert log.stat().st_size == size
    assert _run_br(["feature", "list", "--json"], project.root, {}).returncode == 0
    assert log.stat().st_size > size  # without the limit the same command is recorded


def test_unwritable_telemetry_dir_does_not_change_the_command_result(project, br, tele):
    import shutil

    br("feature", "add", "Search", cwd=project.root)
    shutil.rmtree(project.telemetry_dir)
    with tele.unwritable(project.br_dir):  # the telemetry directory cannot be created
        res = br("feature", "list", "--json", cwd=project.root)
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["name"] == "Search"
    assert "Traceback" not in res.stderr
    assert not project.telemetry_dir.exists()


def test_corrupt_config_disables_collection_without_failing_the_command(project, br, tele):
    br("feature", "add", "Search", cwd=project.root)
    before = len(tele.read_events(project))
    tele.write_config(project, "telemetry:\n  enabled: [oops\n")
    res = br("feature", "list", cwd=project.root)
    assert res.exit_code == 0 and "Search" in res.stdout
    assert len(tele.read_events(project)) == before
    assert project.config_path.read_text() == "telemetry:\n  enabled: [oops\n"  # never rewritten
