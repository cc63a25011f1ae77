"""Shared files: atomic writes, malformed input, concurrent writers, decisions and topics."""

from __future__ import annotations

import os
import threading

import pytest

from buildrunner.errors import BrError
from buildrunner.orchestration import decisions as dec
from buildrunner.orchestration.state import (
    Paths,
    atomic_write_json,
    load_state,
    read_json,
    read_status,
    validate_stream_name,
    write_status,
)


@pytest.fixture
def paths(tmp_path):
    return Paths(tmp_path / ".buildrunner")


def test_atomic_write_never_exposes_a_torn_file(paths):
    target = paths.status_file("core")
    stop = threading.Event()
    bad: list[str] = []

    def reader():
        while not stop.is_set():
            data, error = read_json(target)
            if error:
                bad.append(error)

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(100):
            atomic_write_json(target, {"i": i, "pad": "x" * (i * 50)})
    finally:
        stop.set()
        t.join()
    assert bad == []
    assert read_json(target)[0]["i"] == 99
    assert [p.name for p in target.parent.iterdir()] == ["core.json"]  # no temp files left


def test_a_failed_write_keeps_the_previous_file(paths):
    target = paths.status_file("core")
    atomic_write_json(target, {"status": "complete"})
    with pytest.raises(TypeError):
        atomic_write_json(target, {"status": "running", "x": _Unserializable()})
    assert read_json(target)[0] == {"status": "complete"}
    assert len(list(target.parent.iterdir())) == 1


class _Unserializable:
    def __repr__(self):
        raise TypeError("cannot serialize")


def test_malformed_and_odd_status_files_become_errors_not_crashes(paths):
    paths.status_dir.mkdir(parents=True)
    (paths.status_dir / "a.json").write_text("{not json")
    (paths.status_dir / "b.json").write_text("[1, 2]")
    (paths.status_dir / "c.json").write_bytes(b"\xff\xfe")
    assert read_status(paths, "a")["status"] == "error" and "malformed JSON at line 1" in read_status(paths, "a")["error"]
    assert read_status(paths, "b")["error"] == "status file does not hold a JSON object"
    assert read_status(paths, "c")["status"] == "error"
    assert read_status(paths, "missing")["status"] == "idle"
    # writing over a malformed file replaces it with a valid one
    write_status(paths, "a", status="running", pid=os.getpid())
    assert read_status(paths, "a")["status"] == "running"


def test_running_status_of_a_dead_pid_reads_as_interrupted(paths):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    write_status(paths, "core", status="running", pid=proc.pid)
    st = read_status(paths, "core")
    assert st["status"] == "interrupted" and f"pid {proc.pid}" in st["error"]
    write_status(paths, "core", status="running", pid=proc.pid, host="another-machine")
    assert read_status(paths, "core")["status"] == "running"  # cannot tell for another host


@pytest.mark.parametrize("name", ["../x", "a/b", "..", "", "A", "a b", "-a", "a" * 41, "a\0b", "con.json"])
def test_stream_names_cannot_escape_their_directories(paths, name):
    with pytest.raises(BrError, match="invalid stream name"):
        validate_stream_name(name)
    with pytest.raises(BrError):
        paths.status_file(name)


def test_corrupt_state_file_is_a_clear_error(paths):
    paths.orch_dir.mkdir(parents=True)
    paths.state_file.write_text('{"version": 1, ')
    with pytest.raises(BrError) as err:
        load_state(paths)
    assert "malformed JSON" in err.value.message and "--restart" in err.value.hint
    paths.state_file.write_text('{"version": 99}')
    with pytest.raises(BrError, match="unknown state format"):
        load_state(paths)


def test_decisions_topics_and_flags(paths):
    a = dec.record(paths, "Auth: sessions use JWT cookies", stream="api")
    assert a["topic"] == "auth"
    dec.record(paths, "auth: server-side sessions in Redis", stream="web")
    dec.record(paths, "auth: refresh tokens rotate daily", stream="api")  # same stream: no flag
    dec.record(paths, "Money is stored as integer cents", stream="core")
    dec.record(paths, "Store money amounts as integer cents everywhere", stream="api")  # similar wording
    dec.record(paths, "Logging goes to stderr", topic="Logging", stream="web")
    items, error = dec.load(paths)
    assert error is None and len(items) == 6
    flags = dec.topic_conflicts(items)
    pairs = sorted(tuple(sorted(f["streams"])) for f in flags)
    assert pairs == [("api", "core"), ("api", "web"), ("api", "web")]
    topics = {f["topic"] for f in flags}
    assert "auth" in topics


def test_decisions_from_many_writers_are_all_kept(paths):
    threads = [threading.Thread(target=dec.record, args=(paths, f"decision number {i}"), kwargs={"stream": "api"})
               for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items, _ = dec.load(paths)
    assert sorted(d["text"] for d in items) == sorted(f"decision number {i}" for i in range(20))


def test_a_malformed_decisions_file_is_never_overwritten(paths):
    paths.decisions_file.parent.mkdir(parents=True)
    paths.decisions_file.write_text("{broken")
    with pytest.raises(BrError, match="malformed JSON"):
        dec.record(paths, "x: y")
    assert paths.decisions_file.read_text() == "{broken"
    with pytest.raises(BrError, match="needs some text"):
        dec.record(paths, "   ")


def test_hand_written_decisions_are_kept_and_odd_entries_refused(paths):
    paths.decisions_file.parent.mkdir(parents=True)
    # without ids (written by hand): listed and flagged without a KeyError, kept by the next record
    paths.decisions_file.write_text('{"decisions": [{"text": "money: cents", "stream": "a", "topic": "money"},'
                                    ' {"text": "money: floats", "stream": "b", "topic": "money"}]}')
    items, error = dec.load(paths)
    assert error is None and [d["id"] for d in items] == ["entry-1", "entry-2"]
    assert dec.topic_conflicts(items)[0]["decisions"] == ["entry-1", "entry-2"]
    dec.record(paths, "auth: jwt", stream="a")
    assert [d["text"] for d in dec.load(paths)[0]] == ["money: cents", "money: floats", "auth: jwt"]
    # an entry that is not a decision is an error, never silently dropped on the next write
    odd = '{"decisions": [{"text": "ok"}, 5]}'
    paths.decisions_file.write_text(odd)
    with pytest.raises(BrError, match="entry 2 is not a decision"):
        dec.record(paths, "x: y")
    assert paths.decisions_file.read_text() == odd


def test_an_unwritable_state_directory_is_a_clear_error(paths):
    paths.br_dir.mkdir(parents=True)
    (paths.br_dir / "status").write_text("not a directory")
    with pytest.raises(BrError) as err:
        write_status(paths, "core", status="running")
    assert "cannot write" in err.value.message and "status/core.json" in err.value.message


def test_prompts_mark_contradictory_decisions(paths):
    from buildrunner.orchestration.prompts import build_prompt

    dec.record(paths, "auth: sessions use JWT cookies", stream="api")
    dec.record(paths, "auth: server-side sessions in Redis", stream="ui")
    dec.record(paths, "money: amounts are integer cents", stream="core")
    items, _ = dec.load(paths)
    command = {"stream": "core", "tasks": [{"id": "t1", "title": "x", "files": ["a.py"], "model": "claude-haiku-5-5"}],
               "context": {"completed": [], "shared_decisions": items}}
    text = build_prompt(command)
    assert "- **CONTRADICTED** auth: sessions use JWT cookies (from api)" in text
    assert "- **CONTRADICTED** auth: server-side sessions in Redis (from ui)" in text
    assert "- money: amounts are integer cents (from core)" in text
    assert "Contradictory decisions on 'auth': api says" in text
    assert "Model: `claude-haiku-5-5`" in text
