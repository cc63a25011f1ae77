"""Where the wall and CPU time of one `br security check` go, process by process (issue #12's account).

    .venv/bin/python bench/scan_timeline.py [--package sqlalchemy==2.0.36] [--runs 3] [--jobs 0] [-- BR ARGS]

Runs `br security check --json --no-baseline` on the pinned tree of bench/bench_sqli.py, as the
bench does (a subprocess, br's bytecode compiled once, its own user cache), with timers wrapped
around the stages from the outside (nothing in br is changed): the parent's start-up and imports,
configuration, rule loading, file listing, ordering, `Engine.prepare` (per matcher), the fork, the
results coming back, the report (document, JSON, masking of the output) and the exit; in each
worker, every chunk (wall and CPU), the gaps between chunks, and the CPU of reading files, the
secret matcher, the code matcher and the rest of `scan_items`, plus the size of the pickled
results. The timers cost a little themselves (~1 ms a run); compare runs of this script with each
other, not with bench_sqli.py's figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

STAGES = (  # (label, module, attribute): wrapped in the parent, logged as label> and label<
    ("run_scan", "buildrunner.cli.security", "run_scan"),
    ("load_suppressions", "buildrunner.engine.suppression", "load_suppressions"),
    ("config.load", "buildrunner.config", "load"),
    ("load_rules", "buildrunner.engine.pipeline", "load_rules"),
    ("list files", "buildrunner.engine.pipeline", "documents"),
    ("git ls-files", "buildrunner.engine.sources", "_git_listing"),
    ("largest first", "buildrunner.engine.scan", "_largest_first"),
    ("scan (parallel part)", "buildrunner.engine.scan", "_scan_parallel"),
    ("Engine.prepare", "buildrunner.engine.scan:Engine", "prepare"),
    ("report", "buildrunner.cli.security", "_emit"),
    ("report: document", "buildrunner.engine.reporters.json_report", "document"),
    ("report: JSON text", "buildrunner.engine.reporters.json_report", "json_dumps_lossless"),
    ("report: mask output", "buildrunner.cli.masked_streams", "mask_text"),
    ("telemetry record_scan", "buildrunner.telemetry.scans", "record_scan"),
    ("record_last_scan", "buildrunner.engine.state", "record_last_scan"),
    ("exit", "buildrunner.cli.main", "_exit_now"),
)
TALLIES = (  # worker CPU per kind of work: (label, module, class, method)
    ("read files", "buildrunner.engine.sources", "FileRef", "load"),
    ("secret matcher", "buildrunner.engine.secrets", "SecretMatcher", "scan"),
    ("code matcher", "buildrunner.engine.code", "CodeMatcher", "scan"),
    ("scan_document", "buildrunner.engine.scan", "Engine", "scan_document"),
)


# -- the child: br with timers ------------------------------------------------------------------
def _child(events: str, argv: list[str]) -> None:
    import importlib
    import pickle

    def log(name: str, **info) -> None:
        line = f"{os.getpid()}\t{time.time():.6f}\t{time.process_time():.6f}\t{name}\t{info!r}\n"
        fd = os.open(events, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, line.encode())
        os.close(fd)

    log("python started")
    import buildrunner.cli.main as cli_main  # what br imports first; the rest comes as it runs

    log("cli imported")

    def wrap(owner, attr: str, label: str) -> None:
        real = getattr(owner, attr)

        def timed(*args, **kwargs):
            log(label + ">")
            try:
                return real(*args, **kwargs)
            finally:
                log(label + "<")

        setattr(owner, attr, timed)

    def target(spec: str):
        module, _, cls = spec.partition(":")
        mod = importlib.import_module(module)
        return getattr(mod, cls) if cls else mod

    for label, spec, attr in STAGES:
        wrap(target(spec), attr, label)
    log("timers set")
    cpu: dict[str, list[float]] = {}
    for label, module, cls, method in TALLIES:
        owner = getattr(importlib.import_module(module), cls)
        real = getattr(owner, method)

        def tally(*args, _real=real, _label=label, **kwargs):
            start = time.process_time()
            try:
                return _real(*args, **kwargs)
            finally:
                slot = cpu.setdefault(_label, [0.0, 0])
                slot[0] += time.process_time() - start
                slot[1] += 1

        setattr(owner, method, tally)
    scan = importlib.import_module("buildrunner.engine.scan")
    run_chunk = scan._run_chunk

    def chunk(items):
        log("chunk>", files=len(items))
        out = run_chunk(items)
        log("chunk<", pickled=len(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)),
            cpu={k: round(v[0], 4) for k, v in cpu.items()})
        return out

    # the pool sends the function by name: the wrapper must be found as `scan._run_chunk`
    chunk.__module__, chunk.__qualname__ = scan.__name__, "_run_chunk"
    scan._run_chunk = chunk
    def log_results(owner, attr: str, wrap_static: bool = False) -> None:
        real = getattr(owner, attr)

        def logged(*args, **kwargs):
            out = real(*args, **kwargs)
            log("result")
            return out

        setattr(owner, attr, staticmethod(logged) if wrap_static else logged)

    # A result coming back: through concurrent.futures' `wait` (a stream's pool) or the fork pool of a
    # full scan. concurrent.futures is wrapped when br imports it, not here: importing it is part of
    # what br's own path costs (a full scan does not).
    on_import(sys, "concurrent.futures", lambda mod: log_results(mod, "wait"))
    on_import(sys, "buildrunner.engine.forkpool", lambda mod: log_results(mod._Pool, "_receive", True))
    sys.argv = ["br", *argv]
    cli_main.main()


def on_import(sys_mod, name: str, patch) -> None:
    """Call `patch(module)` once `name` has been imported (now, if it already is)."""
    import importlib.abc
    import importlib.machinery

    if name in sys_mod.modules:
        patch(sys_mod.modules[name])
        return

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                execute = spec.loader.exec_module

                def exec_module(module):
                    execute(module)
                    patch(module)

                spec.loader.exec_module = exec_module
            return spec

    sys_mod.meta_path.insert(0, Finder())


# -- the driver: run, read the events, print the account --------------------------------------
def _events(path: Path) -> list[tuple[int, float, float, str, dict]]:
    out = []
    for line in path.read_text().splitlines():
        pid, wall, cpu, name, info = line.split("\t")
        out.append((int(pid), float(wall), float(cpu), name, eval(info)))  # noqa: S307 — our own repr
    return out


def _account(events, spawned: float, ended: float, cpu_total: float) -> dict[str, float]:  # noqa: C901
    parent = events[0][0]
    mine = [e for e in events if e[0] == parent]
    at = {}
    for _pid, wall, cpu, name, _info in mine:
        at.setdefault(name, (wall - spawned, cpu))
    row = {"wall": ended - spawned, "cpu (process tree)": cpu_total,
           "start-up (python, site)": at["python started"][0],
           "imports to the CLI": at["cli imported"][0] - at["python started"][0]}
    for label, *_ in STAGES:
        if label + ">" in at and label + "<" in at:
            row[label] = max(w for p, w, c, n, i in mine if n == label + "<") - spawned - at[label + ">"][0]
    results = [w - spawned for p, w, c, n, i in mine if n == "result"]
    workers = sorted({e[0] for e in events if e[0] != parent})
    starts, ends, gaps, busy, wcpu = [], [], [], [], []
    kinds: dict[str, float] = {}
    pickled = 0
    for pid in workers:
        mine_w = [e for e in events if e[0] == pid]
        opened = [e for e in mine_w if e[3] == "chunk>"]
        closed = [e for e in mine_w if e[3] == "chunk<"]
        if not closed:
            continue
        starts.append(opened[0][1] - spawned)
        ends.append(closed[-1][1] - spawned)
        work = sum(b[1] - a[1] for a, b in zip(opened, closed, strict=True))
        busy.append(work)
        gaps.append(closed[-1][1] - opened[0][1] - work)
        wcpu.append(closed[-1][2])
        pickled += sum(e[4]["pickled"] for e in closed)
        for k, v in closed[-1][4]["cpu"].items():
            kinds[k] = kinds.get(k, 0.0) + v
    if starts:
        fork = at["Engine.prepare<"][0] if "Engine.prepare<" in at else min(starts)
        row["before the first chunk"] = min(starts)
        row["prepare end -> first chunk"] = min(starts) - fork
        row["workers: busy (each, mean)"] = statistics.mean(busy)
        row["workers: gaps between chunks (each)"] = statistics.mean(gaps)
        row["workers: CPU (each, mean)"] = statistics.mean(wcpu)
        row["tail: first worker idle -> last"] = max(ends) - min(ends)
        row["chunks"] = len(results)
        row["last result -> exit"] = ended - spawned - max(results)
        row["parent CPU before the fork"] = at["Engine.prepare<"][1] if "Engine.prepare<" in at else 0.0
        after = [c for p, w, c, n, i in mine if n == "scan (parallel part)<"]
        row["parent CPU while the workers run"] = after[0] - row["parent CPU before the fork"] if after else 0.0
        row["parent CPU after the scan"] = mine[-1][2] - (after[0] if after else 0.0)
        row["results pickled (KB)"] = pickled / 1000
        scanned = kinds.get("scan_document", 0.0)
        for label in ("read files", "secret matcher", "code matcher"):
            row[f"workers' CPU: {label}"] = kinds.get(label, 0.0)
        row["workers' CPU: scan_document rest (fingerprints, suppressions)"] = \
            scanned - kinds.get("secret matcher", 0.0) - kinds.get("code matcher", 0.0)
        row["workers' CPU: outside the timed calls"] = sum(wcpu) - scanned - kinds.get("read files", 0.0)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="sqlalchemy==2.0.36")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("br_args", nargs="*", help="more `br security check` arguments (after --)")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.br_args)
        return

    import resource
    import tempfile

    from bench_sqli import BR_ENV, WORK, compile_br_bytecode, obtain_tree

    tree = obtain_tree(args.package)
    env = {**BR_ENV, "XDG_CACHE_HOME": str(WORK / "timeline-cache")}
    compile_br_bytecode(env)
    br = ["security", "check", "--json", "--no-baseline", "--jobs", str(args.jobs), *args.br_args]
    rows = []
    for run in range(args.runs + 1):  # the first run fills the user cache (rules, keyword databases)
        with tempfile.NamedTemporaryFile(suffix=".events") as fh:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            spawned = time.time()
            proc = subprocess.run([sys.executable, __file__, "--child", fh.name, "--", *br], cwd=tree, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            ended = time.time()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"br failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
            if run:
                cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                rows.append(_account(_events(Path(fh.name)), spawned, ended, cpu))
    print(f"{args.package}: br {' '.join(br)}; {args.runs} runs (after one that fills the cache), "
          f"load average {os.getloadavg()[0]:.1f}; seconds from the spawn (stages: duration)")
    for key in rows[0]:
        values = [r.get(key, 0.0) for r in rows]
        print(f"  {key:64} " + "  ".join(f"{v:7.3f}" for v in values) + f"   median {statistics.median(values):7.3f}")


if __name__ == "__main__":
    main()
