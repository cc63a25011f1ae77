"""A minimal process pool for a known list of work, on platforms that fork (engine/scan.py).

`run_forked(fn, work, ranges, jobs)` forks `jobs` workers that inherit `work` (and everything the
parent built before the call: matchers, compiled queries, the rules) and yields `fn(work[a:b])`
for each `(a, b)` of `ranges`, in the order the workers finish them.

Why not `concurrent.futures.ProcessPoolExecutor`: for a full scan it is pure overhead on the
serial path. Importing it costs ~5-10 ms; every chunk's items are pickled by a feeder thread,
go through one shared queue and come back through a manager thread; and a worker waits for the
parent between chunks. Here a task is 16 bytes (an index range into the inherited list), each
worker has its own pipes and always holds its next task (`QUEUED` per worker), and the parent
only waits in `select`. A result is one length-prefixed pickle.

Failures: an exception in `fn` comes back and is raised in the parent (a `BrError` as a plain
`BrError`; anything that does not pickle as a RuntimeError naming it); a worker that dies (OOM
killer, segfault, `os._exit`) closes its result pipe and raises `WorkerDied`. Workers end with
`os._exit` once their task pipe is closed, so they never run the parent's exit handlers nor free
their heap one object at a time.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from buildrunner.errors import BrError

QUEUED = 2  # tasks sent to a worker ahead of its results: it never waits for the parent between two
_TASK = struct.Struct("<QQ")
_SIZE = struct.Struct("<Q")
_OK, _BR_ERROR, _ERROR = 0, 1, 2


class WorkerDied(Exception):
    """A worker ended (killed, crashed) before answering every task it was given."""


def run_forked(fn: Callable[[list], Any], work: list, ranges: Iterable[tuple[int, int]], jobs: int,
               init: Callable[[], None] | None = None) -> Iterator[Any]:
    """`fn(work[a:b])` for every range, computed in `jobs` forked workers (see the module doc).
    `init` runs once in each worker before its first task."""
    pool = _Pool(jobs, work, fn, init)
    try:
        yield from pool.results(iter(ranges))
    except BaseException:  # an error, or the caller stopped early: the workers are killed
        pool.failed = True
        raise
    finally:
        pool.close()


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int):
        self.pid, self.tasks, self.results = pid, tasks, results
        self.pending: deque[tuple[int, int]] = deque()


class _Pool:
    def __init__(self, jobs: int, work: list, fn: Callable[[list], Any], init: Callable[[], None] | None):
        self.workers: list[_Worker] = []
        self.failed = False
        try:
            for _ in range(max(1, jobs)):
                self.workers.append(self._fork(work, fn, init))
        except BaseException:
            self.failed = True
            self.close()
            raise

    def _fork(self, work: list, fn, init) -> _Worker:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow a bare fork)
            code = 0
            try:
                for w in self.workers:  # the other workers' pipes: their EOFs must not wait for us
                    os.close(w.tasks)
                    os.close(w.results)
                os.close(task_w)
                os.close(result_r)
                if init is not None:
                    init()
                _serve(task_r, result_w, work, fn)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(result_w)
        return _Worker(pid, task_w, result_r)

    def results(self, ranges: Iterator[tuple[int, int]]) -> Iterator[Any]:
        exhausted = False

        def feed(worker: _Worker) -> None:
            nonlocal exhausted
            while not exhausted and len(worker.pending) < QUEUED:
                task = next(ranges, None)
                if task is None:
                    exhausted = True
                    return
                worker.pending.append(task)
                try:
                    _write_all(worker.tasks, _TASK.pack(*task))
                except BrokenPipeError:  # it died: its result pipe says so (WorkerDied) next
                    return

        for worker in self.workers:
            feed(worker)
        by_fd = {w.results: w for w in self.workers}
        while any(w.pending for w in self.workers):
            ready, _, _ = select.select([w.results for w in self.workers if w.pending], [], [])
            for fd in ready:
                worker = by_fd[fd]
                status, value = self._receive(worker)
                worker.pending.popleft()
                feed(worker)  # its next task goes out before this result is handled
                if status == _OK:
                    yield value
                elif status == _BR_ERROR:
                    message, hint, exit_code = value
                    raise BrError(message, hint=hint, exit_code=exit_code)
                else:
                    raise value

    @staticmethod
    def _receive(worker: _Worker) -> tuple[int, Any]:
        """One answer of `worker` (blocking until all of it is there)."""
        head = _read_exact(worker.results, _SIZE.size)
        if head is None:
            raise WorkerDied(f"worker {worker.pid} ended with {len(worker.pending)} task(s) unanswered")
        body = _read_exact(worker.results, _SIZE.unpack(head)[0])
        if body is None:
            raise WorkerDied(f"worker {worker.pid} ended in the middle of an answer")
        return pickle.loads(body)

    def close(self) -> None:
        """Closing a worker's task pipe ends it. After an error the workers are killed. A thread
        collects their exits while the parent goes on (to its report); the interpreter waits for it at
        exit, as for ProcessPoolExecutor's workers: a worker is never left a zombie or an orphan, and
        its CPU time counts in the parent's `RUSAGE_CHILDREN` (what the benchmarks measure)."""
        import signal

        for worker in self.workers:
            for fd in (worker.tasks, worker.results):
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self.failed:
                with contextlib.suppress(OSError):
                    os.kill(worker.pid, signal.SIGKILL)
        pids = [w.pid for w in self.workers]
        self.workers = []
        if pids:
            threading.Thread(target=_reap, args=(pids,), name="br-reap-workers").start()


def _reap(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _serve(tasks: int, results: int, work: list, fn) -> None:  # pragma: no cover - in the child
    while True:
        head = _read_exact(tasks, _TASK.size)
        if head is None:
            return
        start, end = _TASK.unpack(head)
        try:
            answer = (_OK, fn(work[start:end]))
        except BrError as exc:  # sent as a plain BrError: a subclass's own arguments may not unpickle
            answer = (_BR_ERROR, (exc.message, exc.hint, exc.exit_code))
        except Exception as exc:
            answer = (_ERROR, exc)
        try:
            body = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            body = pickle.dumps((_ERROR, RuntimeError(repr(answer[1]))), protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(results, _SIZE.pack(len(body)) + body)


def _read_exact(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or None at end of file."""
    parts, missing = [], size
    while missing:
        part = os.read(fd, missing)
        if not part:
            return None
        parts.append(part)
        missing -= len(part)
    return b"".join(parts) if len(parts) != 1 else parts[0]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
