"""File primitives shared by every layer: atomic writes, JSON reads, locks, user dirs, timestamps,
path globs.

Readers (other `br` processes, the dashboard, editors) must see the old file or the new one, never
half of either: write a temp file in the same directory, then `os.replace` it over the target.
Locks are advisory `fcntl.flock` locks on a sibling `.lock` file, taken with a deadline so that
telemetry can never make a command hang. Dependency-free and cheap to import (no platformdirs on
XDG systems, no hashlib): it sits on the path every `br` command takes, the pre-commit hook's too.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, best effort
    fcntl = None  # type: ignore[assignment]

APP_NAME = "buildrunner"
_XDG = ("linux", "freebsd", "openbsd", "netbsd")

_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return _UMASK


def atomic_write_bytes(path: Path | str, data: bytes, *, fsync: bool = False, mode: int | None = None) -> None:
    """Replace `path` with `data` in one step. An existing file keeps its permissions, a new one gets
    what open() would give it, unless `mode` is given (e.g. 0o600 for a private cache file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is None:
            try:
                mode = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()  # what open() would have given a new file (mkstemp uses 0600)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path | str, text: str, *, fsync: bool = False) -> None:
    """Replace `path` with `text` (UTF-8, newlines as given) in one step; see `atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)


def atomic_write_json(path: Path | str, data: Any, *, indent: int | None = 2, fsync: bool = False) -> None:
    """`atomic_write_json(path, data)`: pretty JSON (or compact with indent=None) plus a newline."""
    separators = None if indent else (",", ":")
    text = json.dumps(data, indent=indent, ensure_ascii=False, separators=separators, default=str)
    atomic_write_text(path, text + "\n", fsync=fsync)


class LockTimeout(Exception):
    """The lock stayed busy past its deadline (telemetry gives up instead of waiting).

    Recording code catches it and moves on; a command that must have the lock (`br telemetry
    clear`) lets it end the command: the CLI prints it as a message, never a traceback.
    """

    def __init__(self, path: str):
        super().__init__(f"{path} is locked by another br process")
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
        atomic_write_json(path, data, indent=indent)
        return data


def user_data_dir() -> Path:
    """The platform user data dir for br (same answer as `platformdirs.user_data_dir`).

    On Linux and other XDG systems it is computed directly: importing platformdirs costs ~15 ms,
    more than the whole per-command telemetry budget. `BR_USER_DATA_DIR` overrides it.
    """
    override = os.environ.get("BR_USER_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform.startswith(_XDG):
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
    from datetime import datetime

    text = ts.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def user_cache_dir() -> Path:
    """The platform user cache dir for br (same answer as `platformdirs.user_cache_dir`), computed
    directly on XDG systems for the same reason as `user_data_dir`."""
    if sys.platform.startswith(_XDG):
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / APP_NAME
    import platformdirs  # macOS, Windows

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def escape_undecodable(text: str) -> str:
    """Text holding a file name that is not valid UTF-8 (os.fsdecode's surrogate escapes), as it is
    shown: each undecodable byte as `\\xe9`, as gitleaks and git's quoting do. Other text is
    returned unchanged."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@functools.lru_cache(maxsize=256)
def glob_matcher(globs: tuple[str, ...], *, normcase: bool = False) -> Callable[[str], bool]:
    """`lambda s: any(fnmatch.fnmatchcase(s, g) for g in globs)` (`fnmatch.fnmatch`, which applies
    `os.path.normcase` to both sides, when `normcase`), compiled once per glob list into one regex:
    a full scan asks it for every file and every rule, and one match beats a Python loop of them."""
    import fnmatch
    import re

    if not globs:
        return lambda _s: False
    norm = os.path.normcase if normcase else str
    try:
        match = re.compile("|".join(f"(?:{fnmatch.translate(norm(g))})" for g in globs)).match
    except re.error:  # pragma: no cover - every fnmatch translation compiles; kept as the plain form
        test = fnmatch.fnmatch if normcase else fnmatch.fnmatchcase
        return lambda s: any(test(s, g) for g in globs)
    return lambda s: match(norm(s)) is not None
