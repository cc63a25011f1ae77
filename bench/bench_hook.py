"""Benchmark the pre-commit hook: `br hook run` with 20 staged files, all three Tier 1 checks.

Builds a throwaway git repository with a 20-module Python/TypeScript project, real coverage data
(coverage.py run through `br coverage run`), and 20 staged modifications, then times
`python -m buildrunner hook run` end to end (a fresh process each time, as git runs it) against the
baseline `python -c pass` in the same run. Prints medians of several runs and the machine.

    .venv/bin/python bench/bench_hook.py [--runs 15]

Budget (DESIGN.md §3): well under 400 ms wall.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import run_timed

PY_MODULE = '''\
"""Module {n}: order handling."""

import os
import sqlite3

TAX_RATE = float(os.environ.get("TAX_RATE", "0.2"))


class Orders{n}:
    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def get(self, order_id: int):
        return self.con.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()

    def by_customer(self, customer: str, limit: int = 10):
        rows = self.con.execute(
            "SELECT id, total FROM orders WHERE customer = ? ORDER BY id LIMIT ?",
            (customer, limit),
        ).fetchall()
        return [dict(id=r[0], total=r[1]) for r in rows]

    def total_with_tax(self, order_id: int) -> float:
        row = self.get(order_id)
        if row is None:
            return 0.0
        return round(row[2] * (1 + TAX_RATE), 2)


def summarize(values: list[float]) -> dict:
    if not values:
        return {{"count": 0, "sum": 0.0, "mean": 0.0}}
    total = sum(values)
    return {{"count": len(values), "sum": total, "mean": total / len(values)}}


def parse_line(line: str) -> tuple[str, float]:
    name, _, amount = line.partition(",")
    try:
        return name.strip(), float(amount)
    except ValueError:
        return name.strip(), 0.0
''' + "".join(f'''

def helper_{{n}}_{i}(x: int) -> int:
    """Helper {i}."""
    if x < 0:
        return -x
    return x * {i} + 1
''' for i in range(12))

TS_MODULE = '''\
import { Pool } from "pg";

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

export async function getUser{n}(id: number) {
  const res = await pool.query("SELECT * FROM users WHERE id = $1", [id]);
  return res.rows[0];
}

export function formatName{n}(first: string, last: string): string {
  return `${first} ${last}`.trim();
}
'''

EDIT_PY = '''

def added_{n}(value: int) -> int:
    """Added in this commit."""
    doubled = value * 2
    return doubled + {n}
'''


def sh(cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def build(root: Path, env: dict) -> None:
    sh(["git", "init", "-q", "-b", "main"], root)
    for k, v in (("user.email", "bench@example.com"), ("user.name", "bench"), ("commit.gpgsign", "false")):
        sh(["git", "config", k, v], root)
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "web").mkdir()
    (root / "tests").mkdir()
    py_count, ts_count = 16, 4
    for n in range(py_count):
        (root / "app" / f"orders_{n}.py").write_text(PY_MODULE.format(n=n))
    for n in range(ts_count):
        (root / "web" / f"users_{n}.ts").write_text(TS_MODULE.replace("{n}", str(n)))
    test = ["import os", "import sys", "",
            "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))",
            *[f"import app.orders_{n} as m{n}" for n in range(py_count)], "",
            "def test_all():"]
    for n in range(py_count):
        test += [f"    assert m{n}.summarize([1.0, 3.0])['mean'] == 2.0",
                 f"    assert m{n}.parse_line('a, 2')[1] == 2.0",
                 *[f"    assert m{n}.helper_{n}_{i}({i}) == {i * i + 1}" for i in range(10)]]
    test += ["", "", 'if __name__ == "__main__":', "    test_all()", ""]
    (root / "tests" / "test_orders.py").write_text("\n".join(test))
    (root / ".gitignore").write_text(".coverage\n.buildrunner/state/\n.env\n")
    sh(["git", "add", "."], root)
    sh(["git", "commit", "-q", "--no-verify", "-m", "init"], root)
    # 20 staged modifications: a new function per Python module, an edit per TS module
    for n in range(py_count):
        path = root / "app" / f"orders_{n}.py"
        path.write_text(path.read_text() + EDIT_PY.format(n=n))
    for n in range(ts_count):
        path = root / "web" / f"users_{n}.ts"
        path.write_text(path.read_text().replace(".trim()", ".trim().toUpperCase()"))
    test_path = root / "tests" / "test_orders.py"
    test_path.write_text(test_path.read_text().replace(
        "def test_all():", "def test_all():\n" + "".join(f"    assert m{n}.added_{n}(1) == {2 + n}\n"
                                                       for n in range(py_count))))
    sh(["git", "add", "app", "web"], root)


CPU: dict[int, list[float]] = {}  # id(times list) → CPU ms (user + sys) of each run


def timed(cmd: list[str], cwd: Path, env: dict, runs: int) -> tuple[list[float], subprocess.CompletedProcess]:
    """Wall-clock ms of each run; the child's CPU time (user + sys, which a loaded machine inflates
    far less than wall time) is kept in CPU for the report."""
    times, cpu, last = run_timed(cmd, cwd=cwd, env=env, runs=runs)
    CPU[id(times)] = cpu
    return times, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="br-bench-hook-"))
    # A normal install has bytecode caches: don't inherit a PYTHONDONTWRITEBYTECODE of the sandbox.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COVERAGE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(BR_TELEMETRY="0", NO_COLOR="1", GIT_CONFIG_NOSYSTEM="1", XDG_CACHE_HOME=str(tmp / "cache"))
    py = sys.executable
    try:
        root = tmp / "repo"
        root.mkdir()
        build(root, env)
        sh([py, "-m", "buildrunner", "coverage", "run", "--", py, "tests/test_orders.py"], root, env)
        staged = sh(["git", "diff", "--cached", "--name-only"], root).stdout.split()
        hook = [py, "-m", "buildrunner", "hook", "run"]
        sh(hook, root, env)  # warm the OS caches, .pyc files and the per-user rule cache once
        base, _ = timed([py, "-c", "pass"], root, env, args.runs)
        warm, out = timed(hook, root, env, args.runs)
        (root / ".buildrunner" / "state" / "coverage-manifest.json").unlink()
        (root / ".buildrunner" / "state" / "coverage-lines.json").unlink()
        plain, _ = timed(hook, root, env, args.runs)

        def row(name, values):
            cpu = CPU.get(id(values), [])
            print(f"  {name:<60} wall median {statistics.median(values):7.1f} ms (min {min(values):6.1f})"
                  + (f"   cpu median {statistics.median(cpu):6.1f} ms" if cpu else ""))

        print(f"machine: {platform.machine()} {os.cpu_count()} cpu(s), {platform.platform()}, "
              f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
        print(f"staged files: {len(staged)} ({sum(s.endswith('.py') for s in staged)} Python, "
              f"{sum(s.endswith('.ts') for s in staged)} TypeScript); runs per figure: {args.runs}")
        row("python -c pass (baseline)", base)
        row("br hook run (data from `br coverage run`: manifest + cache)", warm)
        row("br hook run (plain `coverage run` data, lines cache cleared)", plain)
        no_cache = dict(env, BR_NO_RULE_CACHE="1")
        uncached, _ = timed(hook, root, no_cache, max(3, args.runs // 3))
        row("br hook run (rule cache disabled: BR_NO_RULE_CACHE=1)", uncached)
        med = statistics.median(warm)
        print(f"  hook minus interpreter start (wall): {med - statistics.median(base):.1f} ms; budget 400 ms wall: "
              f"{'OK' if med < 400 else 'OVER'}" + ("  (machine loaded: compare the cpu column)"
                                                   if os.getloadavg()[0] > (os.cpu_count() or 1) else ""))
        print(f"  exit code {out.returncode}; output: {out.stdout.strip()[:160]}")
        import json

        phases = [json.loads(sh(hook + ["--json"], root, env).stdout)["phases_ms"] for _ in range(5)]
        print("  in-process steps (median of 5, ms, after imports): " + ", ".join(
            f"{k.removesuffix('_ms')} {statistics.median(p[k] for p in phases):.1f}" for k in phases[0]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
