"""Benchmark SQL injection scanning on a large real tree: br vs Semgrep vs Bandit, same run.

    .venv/bin/python bench/bench_sqli.py [--package django==5.1.4] [--runs 3] [--jobs 0]

Everything lives under bench/.work/ (git-ignored):
- `sqli/<package>/`: the package's source distribution (`pip download --no-binary :all: --no-deps`),
  unpacked and committed to a throwaway git repository (so every tool reads the same file list).
- `venv-semgrep/`, `venv-bandit/`: throwaway venvs with pinned Semgrep and Bandit from PyPI.

Timed (median wall time of N subprocess runs, whole command including start-up):
- `br security check --json` with all built-in rules (secrets + SQL injection), one worker per core
  (the pipeline in buildrunner.engine.scan spreads files over processes), and with SQLi rules only;
- the same SQLi-only scan with one worker, to show the parallel speed-up;
- `semgrep scan --config bench/semgrep-sqli.yaml --metrics=off` (rules equivalent to ours, offline);
- `bandit -r -t B608` (its SQL injection check).
Prints files/s, the ratios, CPU/wall (>1 means more than one core was busy), finding counts and
the machine, then the speed budget of issue #12: br with ALL rules must be >= 20x faster than
Bandit B608 (wall time; the CPU-time ratio is printed beside it).

br has no result cache: every run reads, parses and analyses every file. Its per-user caches
(validated rule packs, the masker's rules, compiled keyword databases) live in a private
XDG_CACHE_HOME under bench/.work, so other br processes on the machine cannot invalidate them
mid-benchmark; the first row is one run with that cache emptied first (what the very first run
after an install or upgrade costs).

br runs as installed: pip compiles an installed package's bytecode once, and every run loads it
(Bandit's venv has its own from its install). A source checkout under PYTHONDONTWRITEBYTECODE=1
would recompile ~100 modules in every run instead (0.1-0.2 s of CPU that no installed br pays), so
br's bytecode is compiled once into bench/.work/pycache (PYTHONPYCACHEPREFIX; the checkout itself is
not written to). `--source-only` times br the other way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
PY = sys.executable
SEMGREP = "semgrep==1.140.0"
SEMGREP_EXTRA = ("pydantic<2.12",)  # semgrep 1.140's mcp module breaks with pydantic 2.12+
BANDIT = "bandit==1.9.4"
ENV = {**os.environ, "BR_TELEMETRY": "0", "NO_COLOR": "1", "SEMGREP_SEND_METRICS": "off",
       "SEMGREP_ENABLE_VERSION_CHECK": "0", "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
SQLI_RULES = "python.sql-injection,javascript.sql-injection"
BR_CACHE = WORK / "br-cache"
ENV["XDG_CACHE_HOME"] = str(BR_CACHE)
BR_ENV = {k: v for k, v in ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}  # br as installed (see above)
BR_ENV["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
BUDGET = 20.0  # issue #12: all rules >= 20x faster than Bandit B608


def sh(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def obtain_tree(spec: str) -> Path:
    """Download and unpack the sdist once; commit it so br, Semgrep and Bandit see the same files."""
    name = spec.split("==")[0].lower()
    tree = WORK / "sqli" / spec.replace("==", "-")
    if (tree / ".git").is_dir():
        return tree
    download = WORK / "sqli" / "downloads"
    download.mkdir(parents=True, exist_ok=True)
    sh(PY, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps", "-d", str(download), spec)
    version = spec.split("==")[1] if "==" in spec else ""
    archive = next(p for p in download.iterdir() if p.name.lower().startswith(name) and version in p.name
                   and p.name.endswith((".tar.gz", ".zip")))
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    # Semgrep's default ignore list skips tests/ directories; scan the same files as the others.
    (tree / ".semgrepignore").write_text(".git/\n")
    sh("git", "init", "-q", cwd=tree)
    sh("git", "add", "-A", cwd=tree)
    sh("git", "commit", "-qm", "sdist", "--no-verify", cwd=tree)
    return tree


def tool_venv(name: str, requirement: str, exe: str, *extra: str) -> Path:
    venv = WORK / f"venv-{name}"
    binary = venv / "bin" / exe
    if not binary.exists():
        shutil.rmtree(venv, ignore_errors=True)
        sh(PY, "-m", "venv", str(venv))
        sh(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", requirement, *extra)
    return binary


def compile_br_bytecode(env: dict) -> None:
    """What `pip install` does for an installed package: compile br's modules once (into the
    PYTHONPYCACHEPREFIX of `env`)."""
    proc = subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "buildrunner")], env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit(f"compileall failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def timed(cmd: list[str], cwd: Path, runs: int, ok=(0, 1), env: dict | None = None
          ) -> tuple[float, float, subprocess.CompletedProcess]:
    """(median wall s, median CPU s of the process tree, last result)."""
    walls, cpus, last = [], [], None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        last = subprocess.run(cmd, cwd=cwd, env=env or ENV, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if last.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} failed ({last.returncode}):\n{last.stderr[-3000:]}")
    return statistics.median(walls), statistics.median(cpus), last


def count_sources(tree: Path) -> dict[str, int]:
    files = sh("git", "ls-files", cwd=tree).stdout.splitlines()
    out = {"all": len(files)}
    for ext in (".py", ".js", ".ts", ".tsx"):
        out[ext] = sum(1 for f in files if f.endswith(ext))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="django==5.1.4", help="sdist to scan (pinned)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="br workers (0 = one per core)")
    ap.add_argument("--no-semgrep", action="store_true")
    ap.add_argument("--no-bandit", action="store_true")
    ap.add_argument("--source-only", action="store_true",
                    help="time br recompiling its modules in every run (PYTHONDONTWRITEBYTECODE=1, no bytecode)")
    args = ap.parse_args()

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} (figures are only comparable on an idle machine)")
    tree = obtain_tree(args.package)
    counts = count_sources(tree)
    print(f"tree: {args.package} — {counts['all']} files ({counts['.py']} .py, {counts['.js']} .js, "
          f"{counts['.ts'] + counts['.tsx']} .ts/.tsx)\n")

    rows = []
    br = [PY, "-m", "buildrunner", "security", "check", "--json", "--no-baseline"]
    br_env = {**ENV, "PYTHONDONTWRITEBYTECODE": "1"} if args.source_only else BR_ENV
    if not args.source_only:
        compile_br_bytecode(br_env)
    print("br: " + ("from source, its modules recompiled in every run (--source-only)" if args.source_only
                    else "as installed, its bytecode compiled once (bench/.work/pycache)") + "\n")

    def br_row(label: str, extra: list[str]):
        wall, cpu, res = timed(br + extra, tree, args.runs, env=br_env)
        data = json.loads(res.stdout)
        sqli = [f for f in data["findings"] if ".sql-injection." in f["rule_id"]]
        rows.append((label, wall, cpu, data["summary"]["files_scanned"], len(sqli), len(data["findings"])))
        return data

    shutil.rmtree(BR_CACHE, ignore_errors=True)
    runs, args.runs = args.runs, 1
    br_row(f"br, all rules, jobs={args.jobs or os.cpu_count()}, empty cache", ["--jobs", str(args.jobs)])
    args.runs = runs
    br_row(f"br, all rules, jobs={args.jobs or os.cpu_count()}", ["--jobs", str(args.jobs)])
    data = br_row(f"br, SQLi rules, jobs={args.jobs or os.cpu_count()}", ["--jobs", str(args.jobs), "--rules", SQLI_RULES])
    br_row("br, SQLi rules, jobs=1", ["--jobs", "1", "--rules", SQLI_RULES])

    if not args.no_semgrep:
        semgrep = tool_venv("semgrep", SEMGREP, "semgrep", *SEMGREP_EXTRA)
        cmd = [str(semgrep), "scan", "--config", str(ROOT / "bench" / "semgrep-sqli.yaml"), "--metrics=off",
               "--disable-version-check", "--jobs", str(args.jobs or os.cpu_count()), "--json", "--quiet", "."]
        wall, cpu, res = timed(cmd, tree, args.runs)
        sg = json.loads(res.stdout)
        rows.append((f"semgrep {SEMGREP.split('==')[1]}, equivalent rules", wall, cpu,
                     len(sg.get("paths", {}).get("scanned", [])), len(sg["results"]), len(sg["results"])))
    if not args.no_bandit:
        bandit = tool_venv("bandit", BANDIT, "bandit")
        wall, cpu, res = timed([str(bandit), "-r", ".", "-t", "B608", "-f", "json", "-q"], tree, args.runs)
        bd = json.loads(res.stdout)
        nfiles = len([k for k in bd.get("metrics", {}) if k != "_totals"])
        rows.append((f"bandit {BANDIT.split('==')[1]}, B608", wall, cpu, nfiles, len(bd["results"]),
                     len(bd["results"])))

    base = rows[2][1]
    print(f"{'tool':44} {'wall s':>8} {'cpu s':>7} {'cpu/wall':>9} {'files':>7} {'files/s':>9} {'SQLi':>6} "
          f"{'vs br':>7}")
    for label, wall, cpu, files, sqli, _total in rows:
        print(f"{label:44} {wall:8.2f} {cpu:7.2f} {cpu / wall:9.2f} {files:7d} {files / wall:9.0f} {sqli:6d} "
              f"{wall / base:6.2f}x")
    print(f"\n(median of {args.runs} runs; 'vs br' = wall time / br SQLi-only wall time; files = what each "
          "tool reports it read; cpu/wall > 1 = more than one core busy, < 1 = waiting for a CPU)")
    by_rule: dict[str, int] = {}
    for f in data["findings"]:
        by_rule[f["rule_id"]] = by_rule.get(f["rule_id"], 0) + 1
    print("br SQLi findings by rule:", json.dumps(by_rule, indent=None, sort_keys=True))
    if not args.no_bandit:
        print_budget(rows[1], rows[-1])


def print_budget(br: tuple, bandit: tuple) -> None:
    """Issue #12's budget: br with all rules >= 20x faster than Bandit B608, in wall time."""
    wall, cpu = bandit[1] / br[1], bandit[2] / br[2]
    verdict = "HOLDS" if wall >= BUDGET else "NOT MET"
    print(f"\nspeed budget (br all rules >= {BUDGET:.0f}x faster than Bandit B608): {verdict} — "
          f"wall {bandit[1]:.2f} s / {br[1]:.2f} s = {wall:.1f}x; "
          f"CPU {bandit[2]:.2f} s / {br[2]:.2f} s = {cpu:.1f}x (br uses every core, Bandit one)")


if __name__ == "__main__":
    main()
