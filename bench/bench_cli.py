"""Startup cost of the CLI: `br --version` and `br --help` against `python -c pass` (budget < 100 ms wall).

Run: .venv/bin/python bench/bench_cli.py [--runs N]
Prints the median and spread of N runs of each command, interleaved so machine load affects all equally.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BR = [sys.executable, "-m", "buildrunner"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "br --version": BR + ["--version"],
    "br --help": BR + ["--help"],
    "br config list": BR + ["config", "list"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    env = {**os.environ, "BR_TELEMETRY": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caching, as users run it
    cwd = Path(__file__).resolve().parent.parent
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            samples[name].append((time.perf_counter() - t0) * 1000)
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"{args.runs} runs each, interleaved")
    base = statistics.median(samples["python -c pass"])
    for name, values in samples.items():
        med = statistics.median(values)
        q = statistics.quantiles(values, n=10)
        extra = "" if name == "python -c pass" else f"  (+{med - base:.0f} ms over the interpreter)"
        print(f"{name:<18} median {med:6.1f} ms   p10 {q[0]:6.1f}   p90 {q[-1]:6.1f}{extra}")
    over = {n: statistics.median(v) for n, v in samples.items() if n in ("br --version", "br --help")}
    verdict = all(v < 100 for v in over.values())
    print(f"budget (< 100 ms for --version/--help): {'met' if verdict else 'MISSED'}")


if __name__ == "__main__":
    main()
