"""Atomic file replacement, shared by every writer of user-visible files.

Readers (other `br` processes, the dashboard, editors) must see the old file or the new one, never
half of either: write a temp file in the same directory, then `os.replace` it over the target.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return _UMASK


def atomic_write_text(path: Path | str, text: str, *, fsync: bool = False) -> None:
    """Replace `path` with `text` (UTF-8) in one step; an existing file keeps its permissions."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()  # what open() would have given a new file (mkstemp uses 0600)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path | str, data: Any, *, indent: int | None = 2, fsync: bool = False) -> None:
    """`atomic_write_json(path, data)`: pretty JSON (or compact with indent=None) plus a newline."""
    separators = None if indent else (",", ":")
    text = json.dumps(data, indent=indent, ensure_ascii=False, separators=separators, default=str)
    atomic_write_text(path, text + "\n", fsync=fsync)


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
