"""The files the orchestrator and its workers share, and how they are read and written.

Every file is JSON, written atomically (temp file in the same directory + `os.replace`), so a
reader never sees half a file and a killed writer leaves the previous version intact. Readers never
raise on a bad file: `read_json` returns the error text instead, so one malformed status file shows
as an error on its stream instead of crashing the orchestrator or the dashboard.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buildrunner.errors import BrError
from buildrunner.fsutil import utc_now_iso

STREAM_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
STATE_VERSION = 1

# Worker status values (the `status` field of .buildrunner/status/<stream>.json)
IDLE, READY, RUNNING, COMPLETE, FAILED, INTERRUPTED = "idle", "ready", "running", "complete", "failed", "interrupted"


def now_iso() -> str:
    return utc_now_iso()  # the one timestamp format (fsutil)


def parse_iso(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        return None


def validate_stream_name(name: str) -> str:
    """Stream names become file names and branch names: lowercase letters, digits, `-`, `_`."""
    if not isinstance(name, str) or not STREAM_NAME_RE.match(name):
        raise BrError(f"invalid stream name {name!r}",
                      hint="use 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit "
                           "(no '/', '..' or spaces)")
    return name


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON so that readers see either the old or the new file, never a torn one."""
    from buildrunner import fsutil

    try:
        fsutil.atomic_write_json(path, data, fsync=True)
    except OSError as exc:
        raise BrError(f"cannot write {path}: {exc.strerror or exc}",
                      hint="check that .buildrunner/ is a writable directory") from None


def read_json(path: Path) -> tuple[Any, str | None]:
    """(data, None) or (None, error message). A missing file is (None, None)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name}: cannot read: {exc}"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"{path.name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"


@dataclass(frozen=True)
class Paths:
    """Where everything lives under a project's `.buildrunner/` directory."""

    br_dir: Path

    @property
    def commands_dir(self) -> Path:
        return self.br_dir / "commands"

    @property
    def status_dir(self) -> Path:
        return self.br_dir / "status"

    @property
    def orch_dir(self) -> Path:
        return self.br_dir / "orchestration"

    @property
    def state_file(self) -> Path:
        return self.orch_dir / "state.json"

    @property
    def decisions_file(self) -> Path:
        return self.br_dir / "decisions.json"

    @property
    def prompts_dir(self) -> Path:
        return self.orch_dir / "prompts"

    @property
    def logs_dir(self) -> Path:
        return self.orch_dir / "logs"

    @property
    def worktrees_dir(self) -> Path:
        return self.br_dir / "worktrees"

    def command_file(self, stream: str) -> Path:
        return self.commands_dir / f"{validate_stream_name(stream)}.json"

    def status_file(self, stream: str) -> Path:
        return self.status_dir / f"{validate_stream_name(stream)}.json"

    def watched(self) -> list[Path]:
        """Files whose changes the dashboard pushes to the page."""
        files = [self.state_file, self.decisions_file]
        for folder in (self.status_dir, self.commands_dir):
            with contextlib.suppress(OSError):  # not created yet
                files.extend(sorted(p for p in folder.iterdir() if p.suffix == ".json"))
        return files


def fingerprint(paths: list[Path]) -> tuple:
    """Cheap change detector: (name, mtime_ns, size) of every file (used by the SSE loop)."""
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def pid_alive(pid: Any, host: str | None = None) -> bool | None:
    """True/False for a process on this host; None when it cannot be told (other host, no pid)."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    if host and host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_status(paths: Paths, stream: str) -> dict:
    """A stream's status, interpreted: malformed files and dead workers become explicit states.

    A worker killed with SIGKILL cannot update its file; its last status says `running` with its
    pid, so a running status whose pid is gone is reported as `interrupted`.
    """
    data, error = read_json(paths.status_file(stream))
    if error:
        return {"stream": stream, "status": "error", "error": error}
    if data is None:
        return {"stream": stream, "status": IDLE}
    if not isinstance(data, dict):
        return {"stream": stream, "status": "error", "error": "status file does not hold a JSON object"}
    data = dict(data)
    data["stream"] = stream
    if data.get("status") == RUNNING and pid_alive(data.get("pid"), data.get("host")) is False:
        data["status"] = INTERRUPTED
        data["error"] = data.get("error") or f"worker (pid {data.get('pid')}) stopped during the batch"
    return data


def write_status(paths: Paths, stream: str, **fields: Any) -> dict:
    """Merge `fields` into the stream's status file (atomically) and return the new status."""
    current, error = read_json(paths.status_file(stream))
    data = current if isinstance(current, dict) and not error else {}
    data.update(fields)
    data["stream"] = stream
    data["updated_at"] = now_iso()
    atomic_write_json(paths.status_file(stream), data)
    return data


def load_state(paths: Paths) -> dict | None:
    data, error = read_json(paths.state_file)
    if error:
        raise BrError(f"{paths.state_file}: {error}",
                      hint="fix or delete the file; `br orchestrate --parallel --restart` starts over")
    if data is not None and (not isinstance(data, dict) or data.get("version") != STATE_VERSION):
        raise BrError(f"{paths.state_file}: unknown state format",
                      hint="`br orchestrate --parallel --restart` starts over")
    return data


def save_state(paths: Paths, state: dict) -> None:
    state["version"] = STATE_VERSION
    state["updated_at"] = now_iso()
    atomic_write_json(paths.state_file, state)


def elapsed_seconds(status: dict) -> float | None:
    start = parse_iso(status.get("started_at"))
    if start is None:
        return None
    end = parse_iso(status.get("finished_at")) if status.get("status") != RUNNING else None
    return max(0.0, (end or time.time()) - start)
