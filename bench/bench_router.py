"""Benchmark the model router: `br model route` latency and routing accuracy on the labelled set.

    .venv/bin/python bench/bench_router.py [--runs 21]

Latency: median wall time of N `python -m buildrunner model route "..."` subprocesses (no API call),
next to the median of `python -c pass` (interpreter start-up), in a temp project with a config file
(so the route is recorded, as in real use), and whether anthropic (or numpy/sklearn) got imported.
Accuracy: acceptable % and under-routed % on the tune part of bench/router_data/, with always-Sonnet
as the baseline (bench/router_eval.py; --dev there for the dev part, --sealed DIR for a sealed set). Budget (DESIGN.md
§3): < 150 ms for route.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import run_timed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _median_ms(cmd: list[str], runs: int, cwd: str) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys of the child) in ms.

    Bytecode caching is on (as in an installed package), kept in a temp dir via PYTHONPYCACHEPREFIX
    so the source tree gets no __pycache__; two warm-up runs fill it first.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"BR_TELEMETRY": "0", "PYTHONPYCACHEPREFIX": str(Path(cwd) / ".pycache")})
    run_timed(cmd, cwd=cwd, env=env, runs=2)
    walls, cpus, _ = run_timed(cmd, cwd=cwd, env=env, runs=runs, ok=(0,))
    return statistics.median(walls), statistics.median(cpus)


def latency(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ".buildrunner").mkdir()
        (Path(tmp) / ".buildrunner" / "config.yaml").write_text("model:\n  routing: auto\n", encoding="utf-8")
        base = _median_ms([sys.executable, "-c", "pass"], runs, tmp)
        route = _median_ms([sys.executable, "-m", "buildrunner", "model", "route",
                            "Refactor the auth flow across the api and web packages", "--files", "12"], runs, tmp)
        out = subprocess.run([sys.executable, "-X", "importtime", "-m", "buildrunner", "model", "route", "x"],
                             cwd=tmp, capture_output=True, text=True)
        imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
        anthropic = "anthropic" in imported
        heavy = sorted(imported & {"numpy", "sklearn", "yaml", "ruamel.yaml", "rich"})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load:.2f}")
    print(f"python -c pass          median wall {base[0]:6.1f} ms, cpu {base[1]:6.1f} ms  ({runs} runs)")
    print(f"br model route          median wall {route[0]:6.1f} ms, cpu {route[1]:6.1f} ms  ({runs} runs; "
          f"budget 150 ms wall)  anthropic imported: {'YES' if anthropic else 'no'}; "
          f"numpy/sklearn/yaml/rich imported: {', '.join(heavy) or 'none'}")
    print(f"route minus interpreter start-up: wall {route[0] - base[0]:.1f} ms, cpu {route[1] - base[1]:.1f} ms")


def accuracy() -> None:
    """Acceptable / under-routed on the tune part (fitted) only; the sealed set is scored by
    `bench/router_eval.py --sealed` (logged, once per change)."""
    import router_eval

    router_eval.main_args(["--quiet"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    latency(args.runs)
    accuracy()


if __name__ == "__main__":
    main()
