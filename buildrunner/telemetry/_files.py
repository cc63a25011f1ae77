"""Small file primitives shared by the telemetry modules: locks, atomic JSON, the user data dir.

Everything here is cheap to import (no platformdirs, no hashlib): it sits on the path every `br`
command takes. Locks are advisory `fcntl.flock` locks on a sibling `.lock` file, taken with a
deadline so that telemetry can never make a command hang.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from buildrunner.errors import BrError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, best effort
    fcntl = None  # type: ignore[assignment]

APP_NAME = "buildrunner"


class LockTimeout(BrError):
    """The lock stayed busy past its deadline (telemetry gives up instead of waiting).

    Recording code catches it and moves on; a command that must have the lock (`br telemetry
    clear`) lets it end the command with a message, never a traceback.
    """

    def __init__(self, path: str):
        super().__init__(f"{path} is locked by another br process",
                         hint="try again in a moment (a long-running br command may be writing telemetry)")
        self.path = path


@contextmanager
def file_lock(path: Path, timeout: float = 0.5, *, shared: bool = False) -> Iterator[int]:
    """Hold a flock on `path` (created if missing), exclusive unless `shared`; LockTimeout after
    `timeout` seconds."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            delay = 0.0002
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(str(path)) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.005)
        yield fd
    finally:
        os.close(fd)  # closing releases the flock


def read_json(path: Path, default: Any = None) -> Any:
    """Parsed JSON from `path`, or `default` when it is missing or unreadable/corrupt."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, ValueError):
        return default


def write_json_atomic(path: Path, data: Any, *, indent: int | None = None) -> None:
    """Write JSON through a temp file + rename, so readers never see half a file."""
    from buildrunner.fsutil import atomic_write_json

    atomic_write_json(path, data, indent=indent)


def update_json(path: Path, mutate: Callable[[Any], Any], default: Callable[[], Any] = dict,
                *, timeout: float = 0.5, indent: int | None = 2) -> Any:
    """Locked read-modify-write of a JSON file; `mutate(data)` edits `data` in place (its return
    value is ignored). Returns the stored data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path.with_name(f".{path.name}.lock"), timeout):
        data = read_json(path, None)
        if data is None:
            data = default()
        mutate(data)
        write_json_atomic(path, data, indent=indent)
        return data


def user_data_dir() -> Path:
    """The platform user data dir for br (same answer as `platformdirs.user_data_dir`).

    On Linux and other XDG systems it is computed directly: importing platformdirs costs ~15 ms,
    more than the whole per-command telemetry budget. `BR_USER_DATA_DIR` overrides it.
    """
    override = os.environ.get("BR_USER_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.expanduser("~/.local/share")
        return Path(base) / APP_NAME
    import platformdirs  # macOS, Windows

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def utc_now_iso(t: float | None = None) -> str:
    """UTC ISO 8601 with milliseconds and a `Z`, e.g. `2026-11-23T23:15:49.123Z`."""
    t = time.time() if t is None else t
    ms = int((t % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{ms:03d}Z"


def parse_iso(ts: str) -> float:
    """Seconds since the epoch for a timestamp written by `utc_now_iso` (or any ISO 8601 form)."""
    from datetime import datetime, timezone

    text = ts.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
