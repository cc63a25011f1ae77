"""`TelemetryCollector`: append-only JSONL log with rotation, torn-line tolerance and a summary index.

Layout under `.buildrunner/telemetry/`::

    events.jsonl                 live log, one JSON event per line, capped at telemetry.max_bytes
    archive/events-000001_20261101-20261123.jsonl.gz   rotated logs (sequence, first/last day)
    summary.json                 running totals + the byte offset of events.jsonl already counted;
                                 its descriptor carries the flock for append, summary and rotation

Appending: the whole line is written with one `os.write` on an `O_APPEND` descriptor while holding
the flock on `summary.json`, then the summary catches up from its offset and, past `max_bytes`, the log is gzipped into
`archive/` and truncated — all in one short critical section, so concurrent processes never
interleave, lose or double-count a line. If the lock stays busy past `LOCK_TIMEOUT` the line is still
appended (an `O_APPEND` write of a small line is atomic on local filesystems) and the next locked
append counts it. A line torn by a crash is isolated: the next append first terminates it with a
newline, readers skip it and the summary counts it as `corrupt`. A damaged summary (a crash
mid-write) is recounted from the archives and the log.

No method of the collector raises on I/O problems: telemetry must never change a command's result.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from buildrunner.telemetry import summary as summ
from buildrunner.telemetry._files import LockTimeout, file_lock, read_json
from buildrunner.telemetry.events import from_line, to_line

LOCK_TIMEOUT = 1.0  # seconds; only heavy concurrency ever waits (a lone command takes the lock at once)
MAX_ARCHIVES = 200
ARCHIVE_PATTERN = r"^events-(\d{6})_(\d{8})-(\d{8})\.jsonl\.gz$"  # compiled on use (re's cache)


class TelemetryCollector:
    def __init__(self, project, *, max_bytes: int | None = None, max_archives: int = MAX_ARCHIVES):
        self.project = project
        self.dir: Path = project.telemetry_dir
        self.path = self.dir / "events.jsonl"
        self.summary_path = self.dir / "summary.json"  # its descriptor is also the lock
        self.archive_dir = self.dir / "archive"
        self.rotate_lock_path = self.dir / ".rotate.lock"  # shared by unlocked appenders, exclusive to rotation
        self.max_bytes = max_bytes or 50_000
        self.max_archives = max_archives
        self.last_error: str | None = None

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: dict[str, Any], before_save=None) -> dict[str, Any] | None:
        """Append one event; returns the updated summary (None if not written or not locked).

        `before_save(summary)` runs under the lock just before the summary is stored, so a caller
        can keep its own bookkeeping in the summary atomically (the hook's threshold signature).
        """
        return self.append_many([event], before_save)

    def append_many(self, events: list[dict[str, Any]], before_save=None) -> dict[str, Any] | None:
        self.last_error = None
        try:
            payload = b"".join(to_line(e) for e in events)
            return self._append(payload, before_save)
        except Exception as exc:  # noqa: BLE001 — unwritable dir, full disk, anything
            self.last_error = f"{type(exc).__name__}: {exc}"
            return None

    def _append(self, payload: bytes, before_save=None) -> dict[str, Any] | None:
        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, exist_ok=True)
        try:
            with file_lock(self.summary_path, LOCK_TIMEOUT) as lock_fd:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        payload = b"\n" + payload  # isolate a torn last line
                    _write_all(fd, payload)
                    return self._catch_up(lock_fd, fd, rotate=True, before_save=before_save)
                finally:
                    os.close(fd)
        except LockTimeout:
            # the summary lock is busy: append anyway (the next locked append counts the line), but
            # never while a rotation copies and truncates the log
            with file_lock(self.rotate_lock_path, LOCK_TIMEOUT, shared=True):
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    _write_all(fd, payload)
                finally:
                    os.close(fd)
            return None

    def _catch_up(self, lock_fd: int, fd: int, *, rotate: bool, before_save=None) -> dict[str, Any]:
        """Count the log bytes past the summary's offset (lock held); rotate when too big."""
        st = os.fstat(fd)
        summary = self._read_summary_fd(lock_fd)
        if summary["ino"] != st.st_ino or summary["offset"] > st.st_size:
            summary["ino"], summary["offset"] = st.st_ino, 0  # a replaced or truncated log
        if st.st_size > summary["offset"]:
            chunk = os.pread(fd, st.st_size - summary["offset"], summary["offset"])
            end = chunk.rfind(b"\n") + 1  # an unterminated tail is counted once it is terminated
            summ.apply_lines(summary, chunk[:end].split(b"\n"))
            summary["offset"] += end
        if rotate and st.st_size > self.max_bytes:
            try:
                with file_lock(self.rotate_lock_path, LOCK_TIMEOUT):
                    self._rotate(fd, summary)
            except LockTimeout:
                pass  # unlocked appenders are busy: rotate on a later append
        if before_save is not None:
            before_save(summary)
        _write_in_place(lock_fd, summary)
        return summary

    def _read_summary_fd(self, lock_fd: int) -> dict[str, Any]:
        """The summary under the lock; a damaged one is rebuilt from the archives and the log."""
        raw = _read_fd(lock_fd)
        if not raw:
            return summ.empty() if not self.archives() else self._recount()
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("version") != summ.SUMMARY_VERSION:
            return self._recount()
        base = summ.empty()
        base.update(data)
        return base

    def _rotate(self, fd: int, summary: dict[str, Any]) -> None:
        """Gzip the counted part of the log into archive/ and truncate it (lock held)."""
        counted = summary["offset"]
        data = os.pread(fd, counted, 0)
        tail = os.pread(fd, os.fstat(fd).st_size - counted, counted)
        first = last = None
        for line in data.split(b"\n"):
            event = from_line(line) if line.strip() else None
            if event:
                first = first or event["ts"][:10]
                last = event["ts"][:10]
        first = (first or "00000000").replace("-", "")
        last = (last or first).replace("-", "")
        self.archive_dir.mkdir(exist_ok=True)
        seq = summary["rotations"] + 1
        target = self.archive_dir / f"events-{seq:06d}_{first}-{last}.jsonl.gz"
        tmp = target.with_name("." + target.name + ".tmp")
        import gzip  # only when rotating (saves ~2 ms on every other command)

        with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            gz.write(data)
        os.replace(tmp, target)
        os.ftruncate(fd, 0)
        if tail:
            os.write(fd, tail)
        summary["rotations"] = seq
        summary["offset"] = 0
        self._prune_archives()

    def _prune_archives(self) -> None:
        archives = self.archives()
        for old in archives[: max(0, len(archives) - self.max_archives)]:
            with contextlib.suppress(OSError):  # already gone
                old.unlink()

    # -- summary ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Current totals from the index (taking the lock, catching up unlocked appends)."""
        if not self.summary_path.exists() and not self.path.exists():
            return summ.empty()
        try:
            with file_lock(self.summary_path, LOCK_TIMEOUT) as lock_fd:
                try:
                    fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
                except FileNotFoundError:
                    return self._read_summary_fd(lock_fd)
                try:
                    return self._catch_up(lock_fd, fd, rotate=False)
                finally:
                    os.close(fd)
        except (OSError, LockTimeout):
            return self._unlocked_summary()

    def _unlocked_summary(self) -> dict[str, Any]:
        data = read_json(self.summary_path)
        base = summ.empty()
        if isinstance(data, dict) and data.get("version") == summ.SUMMARY_VERSION:
            base.update(data)
        return base

    def _recount(self) -> dict[str, Any]:
        """Every event in the archives and the live log, counted from scratch."""
        fresh = summ.empty()
        seqs = [int(re.match(ARCHIVE_PATTERN, a.name).group(1)) for a in self.archives()]
        fresh["rotations"] = max(seqs, default=0)
        for archive in self.archives():
            summ.apply_lines(fresh, _gunzip_lines(archive))
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
                fresh["ino"] = os.fstat(fh.fileno()).st_ino
        except OSError:
            data = b""
        end = data.rfind(b"\n") + 1
        summ.apply_lines(fresh, data[:end].split(b"\n"))
        fresh["offset"] = end
        return fresh

    def rebuild_summary(self, *, save: bool = True) -> dict[str, Any]:
        """Recount everything (slow; for repair and tests); stores the result when `save`."""
        if not save:
            return self._recount()
        self.dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.summary_path, 5.0) as lock_fd:
            fresh = self._recount()
            _write_in_place(lock_fd, fresh)
        return fresh

    # -- reading ---------------------------------------------------------------------------

    def archives(self) -> list[Path]:
        try:
            return sorted(p for p in self.archive_dir.iterdir() if re.match(ARCHIVE_PATTERN, p.name))
        except OSError:
            return []

    def iter_events(self, *, since: str | None = None, until: str | None = None,
                    include_archives: bool = True, include_log: bool = True) -> Iterator[dict[str, Any]]:
        """Every readable event, oldest first; torn or corrupt lines are skipped.

        `since`/`until` (ISO dates or timestamps, inclusive) also skip whole archives by their name.
        """
        lo = since[:10].replace("-", "") if since else None
        hi = until[:10].replace("-", "") if until else None
        sources: list[Iterator[bytes]] = []
        if include_archives:
            for archive in self.archives():
                m = re.match(ARCHIVE_PATTERN, archive.name)
                if (lo and m.group(3) < lo) or (hi and m.group(2) > hi):
                    continue
                sources.append(_gunzip_lines(archive))
        if include_log:
            sources.append(_file_lines(self.path))
        for lines in sources:
            for line in lines:
                if not line.strip():
                    continue
                event = from_line(line)
                if event is None:
                    continue
                ts = event["ts"]
                if since and ts < since:
                    continue
                if until and ts[: len(until)] > until:
                    continue
                yield event

    def stats(self) -> dict[str, Any]:
        archives = self.archives()

        def size(p: Path) -> int:
            try:
                return p.stat().st_size
            except OSError:
                return 0

        return {"path": str(self.path), "bytes": size(self.path), "archives": len(archives),
                "archive_bytes": sum(size(a) for a in archives), "max_bytes": self.max_bytes}

    def clear(self) -> int:
        """Delete the log, archives and summary; returns the number of files removed."""
        removed = 0
        try:
            with file_lock(self.summary_path, 2.0) as lock_fd:
                os.ftruncate(lock_fd, 0)
                for path in [self.path, *self.archives()]:
                    try:
                        path.unlink()
                        removed += 1
                    except FileNotFoundError:
                        pass
        except FileNotFoundError:
            pass
        return removed


def _read_fd(fd: int) -> bytes:
    chunks, offset = [], 0
    while True:
        chunk = os.pread(fd, 65536, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _write_in_place(fd: int, data: dict[str, Any]) -> None:
    """Rewrite the summary through its (locked) descriptor: no temp file + rename (~3 ms on
    overlay filesystems); readers take the lock, and a torn write is detected and recounted."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    os.pwrite(fd, payload, 0)
    os.ftruncate(fd, len(payload))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _file_lines(path: Path) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            yield from fh
    except OSError:
        return


def _gunzip_lines(path: Path) -> Iterator[bytes]:
    import gzip

    try:
        with gzip.open(path, "rb") as fh:
            yield from fh
    except (OSError, EOFError):  # a damaged archive: keep what could be read
        return
