"""engine/forkpool.py: a full scan's process pool (forked workers, index ranges, one pipe pair each)."""

from __future__ import annotations

import os
import time

import pytest

from buildrunner.engine import forkpool, sources
from buildrunner.engine import scan as scan_mod
from buildrunner.errors import BrError
from tests.engine.scanhelp import project_of, scan_items, token

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="a platform that forks")


def _ranges(n: int, step: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + step)) for a in range(0, n, step)]


def _gone(pid: int, timeout: float = 10.0) -> bool:
    """The process has ended and been reaped (by the pool's reaper thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def _pids_file(tmp_path):
    path = tmp_path / "pids"

    def init():
        with open(path, "a") as fh:
            fh.write(f"{os.getpid()}\n")

    return path, init


def test_every_range_is_computed_once_by_the_workers_from_the_inherited_list(tmp_path):
    work = [f"item-{i}" for i in range(1000)]  # built before the fork: never sent to a worker
    path, init = _pids_file(tmp_path)
    out = list(forkpool.run_forked(lambda items: (os.getpid(), items), work, _ranges(len(work), 37), jobs=3,
                                   init=init))
    assert sorted(i for _pid, items in out for i in items) == sorted(work)
    assert len(out) == len(_ranges(len(work), 37))
    workers = {int(p) for p in path.read_text().split()}
    assert len(workers) == 3 and os.getpid() not in workers  # each ran `init` once, none is the parent
    assert {pid for pid, _items in out} <= workers
    assert all(_gone(pid) for pid in workers)  # every worker ended once its task pipe closed


def test_an_exception_in_a_worker_is_raised_in_the_parent_and_the_workers_are_killed(tmp_path):
    path, init = _pids_file(tmp_path)

    def fn(items):
        if 0 in items:
            time.sleep(60)  # a worker busy with a long task is killed, not waited for
        if 13 in items:
            raise ValueError(f"bad item {items}")
        return len(items)

    with pytest.raises(ValueError, match=r"bad item \[13\]"):
        list(forkpool.run_forked(fn, list(range(40)), _ranges(40, 1), jobs=2, init=init))
    assert all(_gone(int(p)) for p in path.read_text().split())


def test_a_brerror_keeps_its_hint_and_exit_code():
    def fn(items):
        raise BrError("no good", hint="try again", exit_code=3)

    with pytest.raises(BrError) as info:
        list(forkpool.run_forked(fn, [1, 2], [(0, 2)], jobs=2))
    assert (info.value.message, info.value.hint, info.value.exit_code) == ("no good", "try again", 3)


def test_an_exception_that_does_not_pickle_still_names_itself():
    class Local(Exception):  # a local class: pickle cannot find it by name
        pass

    def fn(items):
        raise Local("odd failure")

    with pytest.raises(RuntimeError, match="odd failure"):
        list(forkpool.run_forked(fn, [1], [(0, 1)], jobs=1))


def test_a_worker_that_dies_is_an_error_not_a_hang():
    def fn(items):
        if 5 in items:
            os._exit(9)
        return items

    with pytest.raises(forkpool.WorkerDied):
        list(forkpool.run_forked(fn, list(range(20)), _ranges(20, 1), jobs=2))


def test_a_consumer_that_stops_early_ends_the_workers(tmp_path):
    path, init = _pids_file(tmp_path)
    results = forkpool.run_forked(lambda items: time.sleep(0.01) or items, list(range(100)), _ranges(100, 1),
                                  jobs=2, init=init)
    next(results)
    results.close()
    assert all(_gone(int(p)) for p in path.read_text().split())


def test_large_results_come_back_whole():
    big = ["x" * 100_000, "y" * 300_000]  # more than a pipe buffer holds: read in several parts
    out = list(forkpool.run_forked(lambda items: items * 3, big, [(0, 1), (1, 2)], jobs=2))
    assert sorted(map(len, (s for o in out for s in o))) == [100_000] * 3 + [300_000] * 3


def test_a_full_scan_goes_through_the_fork_pool_and_a_stream_through_the_executor(repo, monkeypatch):
    for i in range(230):
        repo.write(f"h/f{i}.py", f"v = {i}\n" + (f"K = '{token(i)}'\n" if i % 40 == 0 else ""))
    used: list[str] = []
    real = forkpool.run_forked
    monkeypatch.setattr(forkpool, "run_forked", lambda *a, **k: used.append("fork") or real(*a, **k))
    items = list(sources.files(project_of(repo.root)))
    serial = scan_items(repo.root, items, jobs=1)
    full = scan_items(repo.root, items, jobs=2)
    assert used == ["fork"]
    streamed = scan_items(repo.root, iter(items), jobs=2)
    assert used == ["fork"]
    keys = [[(f.path, f.line, f.rule_id, f.fingerprint) for f in r.findings] for r in (serial, full, streamed)]
    assert keys[0] == keys[1] == keys[2] and len(keys[0]) == 6
    assert full.files_scanned == serial.files_scanned == 230


def test_the_scan_maps_a_dead_worker_to_exit_2(repo, monkeypatch):
    for i in range(230):
        repo.write(f"f{i}.py", "x = 1\n")

    def die(items):
        os._exit(17)

    monkeypatch.setattr(scan_mod, "_run_chunk", die)
    with pytest.raises(BrError, match="worker process died") as info:
        scan_mod.scan(project_of(repo.root), list(sources.files(project_of(repo.root))), [], jobs=2)
    assert info.value.exit_code == 2


def test_the_interpreter_waits_for_the_workers_exits(monkeypatch):
    """The reaper is not a daemon thread: at exit the parent collects every worker (no orphan, and
    their CPU counts in the parent's RUSAGE_CHILDREN, which the benchmarks read)."""
    import threading

    started: list[threading.Thread] = []

    class Recorded(threading.Thread):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(forkpool.threading, "Thread", Recorded)
    assert list(forkpool.run_forked(len, [1, 2, 3], [(0, 3)], jobs=2)) == [3]
    assert [t.daemon for t in started] == [False]
    started[0].join(10)
    assert not started[0].is_alive()
