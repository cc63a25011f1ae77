"""Benchmark `br security check`: the pre-commit path (20 staged files) and a full scan of a large tree.

    .venv/bin/python bench/bench_security.py [--runs 11] [--files 3000] [--mb 30] [--no-detect-secrets]

Builds throwaway repositories under bench/.work/ (git-ignored):
- `staged/`: a repository with some history and 20 staged files of realistic sizes (1–30 KB of
  Python/JS/YAML), three of them with planted secrets. Times `br security check --staged --quiet`
  (median of N subprocess runs) next to `python -c pass` measured in the same run.
- `tree/`: ~3,000 files / ~30 MB of real Python copied from this venv's site-packages (under
  `src/`, so no vendored-directory pruning applies), committed. Times a full `br security check`
  with one worker and with one per core, secrets only and secrets + SQL injection, and
  detect-secrets (installed into a throwaway venv under bench/.work/) on the same files.
Prints medians, finding counts, the machine and its load average (other work on the machine
inflates every figure: compare rows of the same run, not runs of different days).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
from pathlib import Path

from _timing import run_timed

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
PY = sys.executable
ENV = {**os.environ, "BR_TELEMETRY": "0", "NO_COLOR": "1", "GIT_AUTHOR_NAME": "bench",
       "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com"}
# Fake credentials in the formats real scanners know (not live keys).
SECRETS = [
    'AWS_ACCESS_KEY_ID = "AKIAZ7QW3RT5YUI8OPL2"\nAWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8w3k9LmN"\n',  # br: ignore[secrets]
    'GITHUB_TOKEN = "ghp_R8aZ3kL0pQ7wX2vN5mC9tY4bH6jD1sF8gE3u"\n',  # br: ignore[secrets]
    'const stripe = "sk_live_51HqLyjWDarjtT1zdp7dcXvLbF3mKq9zR2tY8uI0oP4aS6dF";\n',  # br: ignore[secrets]
]


def sh(*cmd: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=check)


CPU_MS: dict[str, float] = {}  # label → median CPU time (user+sys, all processes) of the last measurement


def median_ms(cmd: list[str], runs: int, cwd: Path, ok=(0, 1)) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time in ms; the median CPU time (user + sys of the command and its workers)
    goes to CPU_MS["last"]: on a busy machine, CPU time is the steadier figure."""
    times, cpus, last = run_timed(cmd, cwd=cwd, env=ENV, runs=runs, ok=ok)
    CPU_MS["last"] = statistics.median(cpus)
    return statistics.median(times), last


def _py_file(i: int, size: int) -> str:
    lines = [f'"""Module {i}: generated for the benchmark."""\n', "import os\n", "import json\n\n"]
    n = 0
    while sum(map(len, lines)) < size:
        lines.append(f"def handler_{i}_{n}(request, db):\n"
                     f"    user = request.args.get('user_{n}')\n"
                     f"    rows = db.execute('SELECT * FROM t WHERE id = ?', (user,))\n"
                     f"    return json.dumps([dict(r) for r in rows])  # {n}\n\n")
        n += 1
    return "".join(lines)


def build_staged(runs: int) -> Path:
    repo = WORK / "staged"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    sh("git", "init", "-q", cwd=repo)
    for i in range(40):  # some history and unchanged files
        (repo / f"pkg/base_{i}.py").parent.mkdir(parents=True, exist_ok=True)
        (repo / f"pkg/base_{i}.py").write_text(_py_file(i, 4000))
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", "base", cwd=repo)
    sizes = [1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000, 16_000, 24_000, 30_000]
    for i in range(20):
        ext = (".py", ".py", ".js", ".yaml")[i % 4]
        body = _py_file(100 + i, sizes[i % len(sizes)])
        if ext == ".yaml":
            body = "".join(f"key_{n}: value-{n}\n" for n in range(sizes[i % len(sizes)] // 16))
        if i in (3, 9, 14):
            body += SECRETS[(3, 9, 14).index(i)]
        if i < 10:  # modify existing files: only changed lines count
            path = repo / f"pkg/base_{i}.py"
            path.write_text(path.read_text() + body)
        else:
            (repo / f"app/new_{i}{ext}").parent.mkdir(parents=True, exist_ok=True)
            (repo / f"app/new_{i}{ext}").write_text(body)
    sh("git", "add", "-A", cwd=repo)
    return repo


def build_tree(n_files: int, megabytes: int) -> Path:
    repo = WORK / "tree"
    marker = repo / ".bench-complete"
    if marker.exists() and marker.read_text() == f"{n_files}/{megabytes}":
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "src").mkdir(parents=True)
    site = Path(sysconfig.get_paths()["purelib"])
    budget = megabytes * 1_000_000
    total = count = 0
    for path in sorted(site.rglob("*.py")):
        if count >= n_files or total >= budget:
            break
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if not 1_000 <= size <= 400_000 or "/buildrunner" in str(path):  # realistic source files
            continue
        rel = path.relative_to(site)
        dest = repo / "src" / Path(*(p.replace("site-packages", "sp") for p in rel.parts))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        total += size
        count += 1
    for i, secret in enumerate(SECRETS):
        (repo / "src" / f"planted_{i}.py").write_text(f"# config\n{secret}")
    sh("git", "init", "-q", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", "tree", cwd=repo)
    marker.write_text(f"{n_files}/{megabytes}")
    return repo


def detect_secrets_bin() -> Path | None:
    venv = WORK / "ds-venv"
    exe = venv / "bin" / "detect-secrets"
    if not exe.exists():
        subprocess.run([PY, "-m", "venv", str(venv)], check=True)
        proc = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "detect-secrets==1.5.0"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"(detect-secrets could not be installed: {proc.stderr.strip()[-300:]})")
            return None
    return exe


def tree_stats(repo: Path) -> tuple[int, float]:
    files = [p for p in (repo / "src").rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=11, help="runs per measurement for the hook path")
    ap.add_argument("--full-runs", type=int, default=3, help="runs per measurement for full scans")
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--mb", type=int, default=30)
    ap.add_argument("--ds-runs", type=int, default=1, help="runs for detect-secrets (it takes minutes)")
    ap.add_argument("--no-detect-secrets", action="store_true")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    br = [PY, "-m", "buildrunner"]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} cores (nproc), Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}, load average {os.getloadavg()[0]:.1f}")

    staged = build_staged(args.runs)
    base, _ = median_ms([PY, "-c", "pass"], args.runs, staged)
    base_cpu = CPU_MS["last"]
    hook, out = median_ms([*br, "security", "check", "--staged", "--quiet"], args.runs, staged)
    print(f"\n[pre-commit path] 20 staged files ({args.runs} runs each; wall / CPU medians)")
    print(f"  python -c pass                        {base:7.1f} ms / {base_cpu:6.1f} ms cpu")
    print(f"  br security check --staged --quiet    {hook:7.1f} ms / {CPU_MS['last']:6.1f} ms cpu   "
          f"exit {out.returncode}, {out.stdout.count('whitelist:')} findings (budget 400 ms)")

    tree = build_tree(args.files, args.mb)
    n, mb = tree_stats(tree)
    print(f"\n[full scan] {n} files, {mb:.1f} MB of site-packages Python ({args.full_runs} runs each; medians)")
    rows = [
        ("br security check --rules secrets -j1", [*br, "security", "check", "--json", "--rules", "secrets", "-j", "1"]),
        ("br security check --rules secrets", [*br, "security", "check", "--json", "--rules", "secrets"]),
        ("br security check (secrets+SQLi) -j1", [*br, "security", "check", "--json", "-j", "1"]),
        ("br security check (secrets+SQLi)", [*br, "security", "check", "--json"]),
    ]
    import json

    for label, cmd in rows:
        ms, proc = median_ms(cmd, args.full_runs, tree)
        data = json.loads(proc.stdout)
        print(f"  {label:40s} {ms / 1000:7.2f} s wall / {CPU_MS['last'] / 1000:6.2f} s cpu   "
              f"{data['summary']['findings']} findings, {data['summary']['files_scanned']} files scanned")
    if not args.no_detect_secrets:
        exe = detect_secrets_bin()
        if exe:
            ms, proc = median_ms([str(exe), "scan", "--all-files", "src"], args.ds_runs, tree, ok=(0,))
            found = sum(len(v) for v in json.loads(proc.stdout)["results"].values())
            version = sh(str(exe), "--version", cwd=tree).stdout.strip()
            print(f"  {'detect-secrets ' + version + ' scan --all-files':40s} {ms / 1000:7.2f} s wall / "
                  f"{CPU_MS['last'] / 1000:6.2f} s cpu   {found} findings ({args.ds_runs} run(s))")


if __name__ == "__main__":
    main()
