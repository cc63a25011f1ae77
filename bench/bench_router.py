"""Benchmark the model router: `br model route` latency and routing accuracy on the labeled set.

    .venv/bin/python bench/bench_router.py [--runs 21]

Latency: median wall time of N `python -m buildrunner model route "..."` subprocesses (no API call),
next to the median of `python -c pass` (interpreter start-up), in a temp project with a config file.
Accuracy: exact-level accuracy, tier accuracy (the model actually chosen) and the share of hard
tasks (complex/planning) routed to a cheaper tier than their label, on both the tuning set and the
held-out set of tests/data/routing_tasks.yaml. The budget (DESIGN.md §3) is < 150 ms for route.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from _timing import run_timed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "routing_tasks.yaml"


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
        anthropic = any(line.rstrip().endswith(" anthropic") for line in out.stderr.splitlines())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load:.2f}")
    print(f"python -c pass          median wall {base[0]:6.1f} ms, cpu {base[1]:6.1f} ms  ({runs} runs)")
    print(f"br model route          median wall {route[0]:6.1f} ms, cpu {route[1]:6.1f} ms  ({runs} runs; "
          f"budget 150 ms wall)  anthropic imported: {'YES' if anthropic else 'no'}")
    print(f"route minus interpreter start-up: wall {route[0] - base[0]:.1f} ms, cpu {route[1] - base[1]:.1f} ms")


def accuracy() -> None:
    import yaml

    from buildrunner.router.catalog import load_catalog
    from buildrunner.router.complexity import TaskContext, estimate_complexity

    catalog = load_catalog()
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for name in ("tasks", "holdout"):
        rows = data.get(name) or []
        exact = tier_ok = hard = too_low = misleading = misleading_ok = 0
        confusion: Counter = Counter()
        for row in rows:
            ctx = TaskContext(files=row.get("files", 0),
                              languages=tuple(f"lang{i}" for i in range(row.get("languages", 0))))
            got = estimate_complexity(row["task"], ctx).level
            want = row["label"]
            confusion[(want, got)] += 1
            exact += got == want
            got_tier, want_tier = catalog.tier_for_level(got), catalog.tier_for_level(want)
            tier_ok += got_tier == want_tier
            if row.get("note") == "misleading":
                misleading += 1
                misleading_ok += got == want
            if want in ("complex", "planning"):
                hard += 1
                too_low += catalog.level_rank(catalog.tiers[got_tier].ceiling) < catalog.level_rank(
                    catalog.tiers[want_tier].ceiling)
        n = len(rows)
        print(f"\n[{name}] {n} tasks: level accuracy {exact / n:.1%}, tier accuracy {tier_ok / n:.1%}, "
              f"hard tasks routed too low {too_low}/{hard} ({too_low / max(hard, 1):.1%})"
              + (f", misleading wording {misleading_ok}/{misleading}" if misleading else ""))
        levels = ("simple", "medium", "complex", "planning")
        print("  label \\ got  " + " ".join(f"{lv:>8}" for lv in levels))
        for want in levels:
            print(f"  {want:<12} " + " ".join(f"{confusion[(want, got)]:>8}" for got in levels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    latency(args.runs)
    accuracy()


if __name__ == "__main__":
    main()
