"""Scan real code nobody here wrote, with every rule pack: the false-alarm benchmark.

    .venv/bin/python bench/bench_real_code.py [--rules secrets] [--show] [--history] [--only django]

Downloads source distributions (never wheels: tests, docs and CI files are where false alarms live)
into a cache directory outside the repository (`$BR_BENCH_CACHE`, default
`~/.cache/buildrunner-bench`), extracts each into its own git repository (one commit), and runs
`br security check --format json` over the tree with ALL rule packs (secrets and SQL injection).
Prints the findings per project and per rule; `--show` lists every finding (values masked, as br
prints them); `--rules PREFIX` keeps the rules under a prefix (`secrets`, `python.sql-injection`).

`--history` also builds a git history from successive versions of one project (one commit per
version, the way a release history looks) and scans it with `br security check --history`.

Every secret finding here is a false alarm: these are popular, reviewed packages whose secrets are
documentation DSNs, test fixtures and sample values. The goal is zero.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

PY = sys.executable
PYPI = [("SQLAlchemy", "2.0.36"), ("Django", "5.1.4")]
NPM = [("express", "4.21.2"), ("lodash", "4.17.21"), ("axios", "1.7.9"), ("react-dom", "18.3.1"),
       ("moment", "2.30.1")]
HISTORY = ("SQLAlchemy", ["2.0.30", "2.0.32", "2.0.34", "2.0.36"])
ENV = {**os.environ, "BR_TELEMETRY": "0", "NO_COLOR": "1", "GIT_AUTHOR_NAME": "bench",
       "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com"}


def cache_dir() -> Path:
    path = Path(os.environ.get("BR_BENCH_CACHE") or Path.home() / ".cache" / "buildrunner-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(*cmd: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=check)


def download_python(cache: Path) -> str:
    """A throwaway venv with the build tools pip needs to read an sdist's metadata.

    `pip download --no-binary :all:` prepares each sdist's metadata; with build isolation it would
    first build the build requirements (Cython) from source too, so it runs without isolation
    here, with setuptools and wheel preinstalled once.
    """
    venv = cache / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        run(PY, "-m", "venv", str(venv), cwd=cache)
        run(str(python), "-m", "pip", "install", "-q", "setuptools>=61,<69.3", "wheel", cwd=cache)
    return str(python)


def fetch_pypi(name: str, version: str, dest: Path) -> Path:
    """The sdist of name==version (downloaded once)."""
    found = [p for p in dest.glob("*.tar.gz") if p.name.lower().startswith(f"{name.lower()}-{version}")]
    if not found:
        run(download_python(dest.parent), "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "--no-build-isolation", "-q", "-d", str(dest), f"{name}=={version}", cwd=dest)
        found = [p for p in dest.glob("*.tar.gz") if p.name.lower().startswith(f"{name.lower()}-{version}")]
    if not found:
        raise SystemExit(f"no sdist for {name}=={version}")
    return found[0]


def fetch_npm(name: str, version: str, dest: Path) -> Path:
    tarball = dest / f"{name}-{version}.tgz"
    if not tarball.exists():
        run("npm", "pack", "--silent", f"{name}@{version}", cwd=dest)
    return tarball


def extract(archive: Path, dest: Path) -> Path:
    """`archive` unpacked into `dest` (a fresh directory), its single top folder returned."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    tops = list(dest.iterdir())
    return tops[0] if len(tops) == 1 and tops[0].is_dir() else dest


def as_repo(tree: Path) -> None:
    """A one-commit git repository of `tree` (br scans projects; .gitignore'd build output stays out)."""
    if (tree / ".git").exists():
        return
    run("git", "init", "-q", cwd=tree)
    run("git", "add", "-A", "-f", ".", cwd=tree)
    run("git", "commit", "-q", "-m", "import", "--no-verify", cwd=tree)


def build_history(cache: Path) -> Path:
    """One repository whose commits are successive releases of HISTORY's project."""
    name, versions = HISTORY
    repo = cache / "history" / name
    marker = repo / ".git" / "bench-versions"
    if marker.exists() and marker.read_text() == ",".join(versions):
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run("git", "init", "-q", cwd=repo)
    for version in versions:
        tree = extract(fetch_pypi(name, version, cache / "dist"), cache / "tmp")
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for child in tree.iterdir():
            shutil.move(str(child), repo / child.name)
        run("git", "add", "-A", "-f", ".", cwd=repo)
        run("git", "commit", "-q", "-m", f"{name} {version}", "--no-verify", cwd=repo)
    marker.write_text(",".join(versions))
    return repo


def scan(repo: Path, rules: list[str], *, history: bool = False) -> tuple[list[dict], float]:
    cmd = [PY, "-m", "buildrunner", "security", "check", "--format", "json", "--no-baseline"]
    cmd += ["--history"] if history else []
    for prefix in rules:
        cmd += ["--rules", prefix]
    start = time.perf_counter()
    done = run(*cmd, cwd=repo, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed in {repo}: {done.stderr[-2000:]}")
    return json.loads(done.stdout).get("findings", []), elapsed


def report(label: str, findings: list[dict], elapsed: float, show: bool) -> None:
    by_rule = Counter(f["rule_id"] for f in findings)
    secrets = sum(n for r, n in by_rule.items() if r.startswith("secrets."))
    print(f"{label:<28} {len(findings):>5} findings ({secrets} secrets) in {elapsed:.1f} s")
    for rule_id, count in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {count:>5}  {rule_id}")
    if show:
        for f in sorted(findings, key=lambda f: (f["rule_id"], f["path"], f["line"])):
            print(f"      {f['rule_id']}  {f['path']}:{f['line']}  {f.get('snippet', '').strip()[:160]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", action="append", default=[], metavar="PREFIX",
                        help="only rules under this id prefix (repeatable); default: every pack")
    parser.add_argument("--show", action="store_true", help="list every finding (masked)")
    parser.add_argument("--history", action="store_true", help=f"also scan a history of {HISTORY[0]} releases")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="only these projects")
    args = parser.parse_args(argv)

    cache = cache_dir()
    (cache / "dist").mkdir(exist_ok=True)
    projects: list[tuple[str, Path]] = []
    for name, version in PYPI:
        projects.append((f"{name} {version}", fetch_pypi(name, version, cache / "dist")))
    for name, version in NPM:
        if shutil.which("npm"):
            projects.append((f"npm:{name} {version}", fetch_npm(name, version, cache / "dist")))
        else:
            print(f"npm not found: skipping {name}", file=sys.stderr)
    if args.only:
        wanted = {o.lower() for o in args.only}
        projects = [p for p in projects if any(w in p[0].lower() for w in wanted)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cache: {cache}   load average: {load:.2f}   rules: {', '.join(args.rules) or 'all packs'}")
    total: Counter = Counter()
    for label, archive in projects:
        tree = cache / "trees" / archive.name.removesuffix(".tar.gz").removesuffix(".tgz")
        marker = tree / ".bench-source"
        if not marker.exists():
            root = extract(archive, tree)
            if root != tree:  # keep one level: trees/<name>/<files>
                staging = tree.with_suffix(".tmp")
                shutil.rmtree(staging, ignore_errors=True)
                root.rename(staging)
                shutil.rmtree(tree)
                staging.rename(tree)
            as_repo(tree)
            marker.write_text(archive.name)
        findings, elapsed = scan(tree, args.rules)
        total.update(f["rule_id"] for f in findings)
        report(label, findings, elapsed, args.show)
    if args.history:
        repo = build_history(cache)
        findings, elapsed = scan(repo, args.rules or ["secrets"], history=True)
        total.update(f["rule_id"] for f in findings)
        report(f"{HISTORY[0]} history ({len(HISTORY[1])} releases)", findings, elapsed, args.show)
    secrets = sum(n for r, n in total.items() if r.startswith("secrets."))
    print(f"total: {sum(total.values())} findings, {secrets} from secret rules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
