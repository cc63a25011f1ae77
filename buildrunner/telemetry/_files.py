"""Telemetry's file primitives: they live in `buildrunner.fsutil` (shared by every layer).

Kept as a module so the telemetry code reads `from buildrunner.telemetry._files import …` as
before; `write_json_atomic` is `fsutil.atomic_write_json` with telemetry's compact default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from buildrunner.fsutil import (
    APP_NAME,
    LockTimeout,
    atomic_write_json,
    file_lock,
    parse_iso,
    read_json,
    update_json,
    user_data_dir,
    utc_now_iso,
)

__all__ = ["APP_NAME", "LockTimeout", "file_lock", "parse_iso", "read_json", "update_json", "user_data_dir",
           "spawn_detached", "utc_now_iso", "write_json_atomic"]


def write_json_atomic(path: Path, data: Any, *, indent: int | None = None) -> None:
    """Write JSON through a temp file + rename, so readers never see half a file."""
    atomic_write_json(path, data, indent=indent)


def spawn_detached(module: str, *args: str, cwd: Path) -> None:
    """Run `python -m MODULE ARGS` in a detached session with telemetry off, so the command that
    asked for it (alert delivery, OTLP export) never waits for the network. OSError propagates."""
    import os
    import subprocess
    import sys

    kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                              "stderr": subprocess.DEVNULL, "close_fds": True, "cwd": str(cwd)}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:  # pragma: no cover
        kwargs["creationflags"] = getattr(subprocess, "DETACHED_PROCESS", 0)
    subprocess.Popen([sys.executable, "-m", module, *args], env={**os.environ, "BR_TELEMETRY": "0"}, **kwargs)
