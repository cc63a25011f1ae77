"""Keeping an agent from outliving its worker.

An agent runs under a small guard process that leads its own process group (its own session), so
the worker can stop the agent together with everything it started. On Linux the guard gets a
parent-death signal (`prctl(PR_SET_PDEATHSIG)`): when the worker dies — even by SIGKILL, which runs
no cleanup — the guard is sent SIGTERM and stops its whole group (the shell, the agent, whatever
the agent started). The signal reaches only the direct child, hence the guard: `sh -c` does not
always exec the agent. What even that cannot cover (no prctl, a guard killed outright) is handled
when a worker starts: the agent group recorded in the stream's status file is stopped if its worker
is gone.

A recorded group is only signalled when its leader is still the process that was started (same pid
*and* same start time from /proc), so a reused pid is never hit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
_prctl = None
if sys.platform.startswith("linux"):
    try:
        import ctypes

        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        _prctl = None


# The guard: runs the agent command through the shell, passes its exit code on, and on SIGTERM
# (the parent-death signal, or a stop) ends its whole process group: TERM first, KILL after 3 s.
GUARD = """
import os, signal, subprocess, sys, time
def stop(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)
    deadline = time.monotonic() + 3
    c = globals().get("child")
    while time.monotonic() < deadline and c is not None and c.poll() is None:
        time.sleep(0.05)
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)
child = subprocess.Popen(sys.argv[1], shell=True)
code = child.wait()
sys.exit(128 - code if code < 0 else code)
"""


def guarded(cmdline: str) -> list[str]:
    """argv that runs `cmdline` (a shell command) under the guard."""
    return [sys.executable, "-c", GUARD, cmdline]


def child_setup(parent_pid: int):
    """A `preexec_fn` for the guard: get SIGTERM when the worker dies (Linux).

    The libc function is looked up before forking: the child only makes the call. A worker that
    died between fork and prctl is caught by comparing the parent pid afterwards. None where
    there is no prctl (the guard's own group handling and the start-up check still apply)."""
    if _prctl is None:
        return None

    def setup() -> None:  # pragma: no cover - runs in the forked child
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)
    return setup


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:  # the command name (field 2) may contain spaces and parentheses: split after the last ')'
        return int(data[data.rindex(b")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_recorded_agent(pid: int, ticks: int | None) -> bool:
    """Is `pid` (a group leader we started) still that same process?"""
    if ticks is None:
        return True  # no /proc: the group id is all we have
    return start_ticks(pid) == ticks


def stop_group(pgid: int, *, grace: float = 3.0, reap=None) -> bool:
    """SIGTERM the group, then SIGKILL what is left after `grace` seconds. True when it is gone.

    `reap` collects the leader when it is our own child (`Popen.poll`): a zombie leader still
    counts as a member of its group."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if reap is not None:
                reap()
            if not group_alive(pgid):
                return True
            time.sleep(0.05)
    return not group_alive(pgid)


def stop_popen(proc: subprocess.Popen) -> None:
    """Stop an agent started by this worker and everything it started."""
    if proc.poll() is None or group_alive(proc.pid):
        stop_group(proc.pid, reap=proc.poll)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=2)
