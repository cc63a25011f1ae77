"""Telemetry budgets (DESIGN.md §3): per-command overhead < 5 ms; threshold check with 100,000 events
on disk < 20 ms. Prints medians and the machine.

    .venv/bin/python bench/bench_telemetry.py [--runs 30] [--events 100000]

Each figure is measured in fresh processes, as a user's `br` runs. Bytecode caching is switched on
(into a temporary PYTHONPYCACHEPREFIX) because installed packages always have .pyc files; set
BENCH_NO_PYC=1 to measure without them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HOOK_SNIPPET = r"""
import json, sys, time
import buildrunner.cli.main as m, buildrunner.cli.feature, buildrunner.cli.output  # what `br feature list` imports
command = sys.argv[1:] or ["feature", "list"]
t, c = time.perf_counter(), time.process_time()
m.after_command(command, 0, t)
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "cpu": (time.process_time() - c) * 1000,
                  "threshold_modules": "buildrunner.telemetry.thresholds" in sys.modules}))
"""

CHECK_SNIPPET = r"""
import json, statistics, sys, time
from buildrunner.project import Project
t, c = time.perf_counter(), time.process_time()
from buildrunner.telemetry.collector import TelemetryCollector
from buildrunner.telemetry.thresholds import ThresholdMonitor
project = Project(__import__("pathlib").Path(sys.argv[1]))

def check():
    summary = TelemetryCollector(project).summary()
    monitor = ThresholdMonitor(project, summary)
    monitor.check()
    monitor.report()
    monitor.banners_due("feature list")
    return summary

summary = check()
cold, cold_cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
warm = []
for _ in range(20):
    t = time.perf_counter()
    check()
    warm.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": cold, "cpu": cold_cpu, "warm": statistics.median(warm), "events": summary["events"]}))
"""


def env_for(home: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "share"), "NO_COLOR": "1"}
    env.pop("BR_TELEMETRY", None)
    env.pop("DO_NOT_TRACK", None)
    if not os.environ.get("BENCH_NO_PYC"):
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def run_json(code: str, args: list[str], cwd: Path, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def wall(args: list[str], cwd: Path, env: dict) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "buildrunner", *args], cwd=cwd, env=env, capture_output=True, check=True)
    return (time.perf_counter() - t) * 1000


def make_project(base: Path, name: str) -> Path:
    root = base / name
    (root / ".buildrunner").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q",
                    "--allow-empty", "-m", "x"], check=True)
    return root


def bench_overhead(base: Path, env: dict, runs: int) -> None:
    root = make_project(base, "overhead")
    for _ in range(3):  # warm: identity, caches, .pyc
        run_json(HOOK_SNIPPET, [], root, env)
    hook = [run_json(HOOK_SNIPPET, [], root, env) for _ in range(runs)]
    ms = [h["ms"] for h in hook]
    cpu = [h["cpu"] for h in hook]
    print(f"after-command hook, fresh process (imports + event + append + summary): "
          f"median {statistics.median(ms):.2f} ms wall / {statistics.median(cpu):.2f} ms CPU, "
          f"p90 {sorted(ms)[int(len(ms) * 0.9) - 1]:.2f} ms wall "
          f"(n={runs}; threshold check ran in {sum(h['threshold_modules'] for h in hook)} of them)")
    off = {**env, "BR_TELEMETRY": "0"}
    on_ms, off_ms = [], []
    for _ in range(runs):
        off_ms.append(wall(["feature", "list"], root, off))
        on_ms.append(wall(["feature", "list"], root, env))
    print(f"`br feature list` wall: telemetry off median {statistics.median(off_ms):.1f} ms, "
          f"on {statistics.median(on_ms):.1f} ms, difference {statistics.median(on_ms) - statistics.median(off_ms):+.1f} ms")


def bench_threshold(base: Path, env: dict, n_events: int, runs: int) -> None:
    root = make_project(base, "history")
    code = r"""
import sys, time
from pathlib import Path
from buildrunner.project import Project
from buildrunner.telemetry.collector import TelemetryCollector
from buildrunner.telemetry.events import make_event
n = int(sys.argv[1]); project = Project(Path(sys.argv[2]))
c = TelemetryCollector(project, max_bytes=50_000, max_archives=10_000)
t0 = time.time() - 200 * 86400
batch = []
for i in range(n):
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t0 + i * 170))
    if i % 7 == 0:
        data = ("feature", {"action": "completed", "feature_id": f"F{i}", "complexity": "medium", "duration_hours": 2.5})
    elif i % 11 == 0:
        data = ("build_run", {"action": "completed", "build_id": f"B{i}", "success": i % 3 > 0, "duration_hours": 1.0})
    elif i % 13 == 0:
        data = ("model_usage", {"model": "claude-sonnet-4-5", "tier": "sonnet", "input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.0081})
    else:
        data = ("command", {"command": "security check", "args": ["--staged"], "duration_ms": 40.0, "success": True, "exit_code": 0})
    batch.append(make_event(data[0], data[1], ts=ts, project="p_" + "0" * 16, user="u_" + "0" * 16, br="0.1.0", commit=""))
    if len(batch) == 250:
        c.append_many(batch); batch = []
if batch:
    c.append_many(batch)
print(c.summary()["events"], len(c.archives()))
"""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(n_events), str(root)], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    print(f"history: {int(out[0]):,} events written through the collector in {time.perf_counter() - t:.1f} s "
          f"({out[1]} gzip archives + live log)")
    tdir = root / ".buildrunner" / "telemetry"
    disk = sum(p.stat().st_size for p in tdir.rglob("*") if p.is_file())
    print(f"on disk: {disk / 1024:.0f} KiB in total; events.jsonl {(tdir / 'events.jsonl').stat().st_size:,} bytes")
    for _ in range(3):
        run_json(CHECK_SNIPPET, [str(root)], root, env)
    results = [run_json(CHECK_SNIPPET, [str(root)], root, env) for _ in range(runs)]
    cold = [r["ms"] for r in results]
    cold_cpu = [r["cpu"] for r in results]
    warm = [r["warm"] for r in results]
    print(f"threshold check (summary + registry + 3 phases + alert history): in a fresh process incl. its "
          f"imports median {statistics.median(cold):.2f} ms wall / {statistics.median(cold_cpu):.2f} ms CPU; "
          f"repeated in-process median {statistics.median(warm):.2f} ms (n={runs})")
    hook = [run_json(HOOK_SNIPPET, ["status"], root, env) for _ in range(runs)]
    print(f"whole after-command hook on `br status` (always checks) with this history: "
          f"median {statistics.median(h['ms'] for h in hook):.2f} ms wall / "
          f"{statistics.median(h['cpu'] for h in hook):.2f} ms CPU")
    recount_code = ("import sys,time; from pathlib import Path; from buildrunner.project import Project;"
                    "from buildrunner.telemetry.collector import TelemetryCollector as C;"
                    "t=time.perf_counter(); s=C(Project(Path(sys.argv[1]))).rebuild_summary(save=False);"
                    "print((time.perf_counter()-t)*1000, s['events'])")
    out = subprocess.run([sys.executable, "-c", recount_code, str(root)], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    print(f"for comparison, a full recount of all {int(out[1]):,} events: {float(out[0]):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {load[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="br-bench-telemetry-") as tmp:
        base = Path(tmp)
        env = env_for(base / "home")
        bench_overhead(base, env, args.runs)
        bench_threshold(base, env, args.events, args.runs)


if __name__ == "__main__":
    main()
