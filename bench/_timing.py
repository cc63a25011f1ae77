"""Subprocess timing shared by the bench scripts: wall and CPU milliseconds of each run.

CPU time is the child's user + sys (with any workers it waited for): on a loaded machine it is the
steadier figure, wall time is what a user feels.
"""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path


def run_timed(cmd: list[str], *, cwd: Path | str, env: dict, runs: int,
              ok: tuple[int, ...] | None = None) -> tuple[list[float], list[float], subprocess.CompletedProcess]:
    """Run `cmd` `runs` times; return (wall ms per run, CPU ms per run, the last result).

    With `ok`, an exit code outside it stops the benchmark with the command's stderr."""
    walls: list[float] = []
    cpus: list[float] = []
    last = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        last = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        walls.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        if ok is not None and last.returncode not in ok:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({last.returncode}): {last.stderr[-2000:]}")
    return walls, cpus, last
