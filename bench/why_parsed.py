"""Why does each file reach tree-sitter, and did its analysis find anything to work on?

    .venv/bin/python bench/why_parsed.py [--package sqlalchemy==2.0.36] [--list N] [--json FILE]

Scans the pinned sdist tree of bench/bench_sqli.py in-process with the code rules only and, for
every document the code rules parse, records what admitted it (the sink-name prefilter, with the
names it hit, and/or the built-sql prefilter) and what the analysis then had to work on:

* `sink calls`: calls the sink query matched around the prefilter's hits;
* the value of each sink's SQL argument (const / unknown / param / dynamic);
* `helpers`: functions found to forward a parameter to a sink;
* `built`: built-sql candidates;
* findings.

A file whose analysis ends with no dynamic or parameter sink argument, no helper and no built-sql
candidate is "idle": parsing it could not have produced a finding. The table says how many parsed
files (and bytes, and seconds of parsing) are idle, per admission reason, and why they are idle:
no sink call at all (every hit in a string, a comment or a `def`), only constant arguments, or
unknown ones (a call result, an attribute, a name bound to one).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sqli import obtain_tree  # noqa: E402 — bench scripts are run as files

REASONS = ("sink only", "built only", "sink+built")


def load(package: str):
    """(documents, a code-rules-only engine) for the package's tree."""
    return load_tree(obtain_tree(package))


def load_tree(tree: Path):
    """(documents, a code-rules-only engine) for a checked-out tree (bench/parse_cost.py uses it too)."""
    from buildrunner import config as config_mod
    from buildrunner.engine import pipeline
    from buildrunner.engine.model import Document
    from buildrunner.engine.parsing import language_for_path
    from buildrunner.engine.scan import Engine
    from buildrunner.engine.sources import FileRef
    from buildrunner.project import discover

    project = discover(tree)
    config = config_mod.load(project)
    rules = pipeline.load_rules(project, pipeline.TIER1_KINDS)
    items = pipeline.documents(project, config)[0]
    docs = [d for d in (i.load() if isinstance(i, FileRef) else i for i in items) if isinstance(d, Document)]
    engine = Engine([r for r in rules if r.kind == "code"], "bench")
    engine.prepare({language_for_path(d.path) for d in docs})
    return docs, engine


def collect(docs, engine) -> tuple[dict[str, dict], float]:
    """Scan every document with the code rules, recording per parsed document what it held."""
    from buildrunner.engine import code
    from buildrunner.engine.analysis import built as built_mod

    stats: dict[str, dict] = {}
    current: list[dict] = []
    real = {name: getattr(code._Scan, name) for name in ("run", "_sink", "_check", "_add_forwarder")}
    real_candidates = built_mod.candidates

    def run(self, hits, built=()):
        text = self.doc.text
        s = stats[self.doc.path] = {
            "bytes": len(text.encode("utf-8", "surrogatepass")), "language": self.language,
            "sink_names": Counter(text[a:a + n] for a, n in hits), "built_rules": len(built),
            "sink_calls": 0, "values": Counter(), "helpers": 0, "candidates": 0, "findings": 0}
        current.append(s)
        try:
            out = real["run"](self, hits, built)
        finally:
            current.pop()
        s["findings"] = len(out)
        return out

    def sink(self, call, name_node, recv, args):
        current[-1]["sink_calls"] += 1
        return real["_sink"](self, call, name_node, recv, args)

    def check(self, rule, call, target, recv=None, value=None):
        current[-1]["values"][(value or self.an.value_of(target)).kind] += 1
        return real["_check"](self, rule, call, target, recv, value)

    def add_forwarder(self, *args, **kwargs):
        added = real["_add_forwarder"](self, *args, **kwargs)
        current[-1]["helpers"] += bool(added)
        return added

    def candidates(root, language="python"):
        for node in real_candidates(root, language):
            current[-1]["candidates"] += 1
            yield node

    code._Scan.run, code._Scan._sink, code._Scan._check = run, sink, check
    code._Scan._add_forwarder, built_mod.candidates = add_forwarder, candidates
    try:
        start = time.process_time()
        for d in docs:
            engine.scan_document(d)
        return stats, time.process_time() - start
    finally:
        for name, fn in real.items():
            setattr(code._Scan, name, fn)
        built_mod.candidates = real_candidates


def idle(s: dict) -> bool:
    return not (s["findings"] or s["helpers"] or s["values"]["dynamic"] or s["values"]["param"] or s["candidates"])


def idle_kind(s: dict) -> str:
    if not s["sink_calls"] and not s["built_rules"]:
        return "no sink call"
    if set(s["values"]) == {"const"}:
        return "const args"
    return "unknown args" if s["sink_calls"] else "built, no candidate"


def reason(s: dict) -> str:
    sink, built = bool(s["sink_names"]), bool(s["built_rules"])
    return "sink+built" if sink and built else "sink only" if sink else "built only"


def report(args, stats: dict[str, dict], scan_cpu: float, by_path: dict) -> None:
    from buildrunner.engine.parsing import parse

    def parse_cpu(paths) -> float:
        start = time.process_time()
        for p in paths:
            parse(by_path[p].text, stats[p]["language"])
        return time.process_time() - start

    def mb(paths) -> float:
        return sum(stats[p]["bytes"] for p in paths) / 1e6

    print(f"{args.package}: {len(by_path)} documents, {len(stats)} parsed by the code rules ({mb(stats):.2f} MB), "
          f"code-rule scan CPU {scan_cpu:.2f} s")
    groups: dict[str, list[str]] = defaultdict(list)
    for path, s in stats.items():
        groups[reason(s)].append(path)
    print(f"  {'admitted by':12} {'files':>6} {'MB':>6} {'idle':>6} {'idle MB':>8} {'idle parse s':>13} {'findings':>8}")
    for name in REASONS:
        paths = groups.get(name, [])
        idle_paths = [p for p in paths if idle(stats[p])]
        print(f"  {name:12} {len(paths):6} {mb(paths):6.2f} {len(idle_paths):6} {mb(idle_paths):8.2f} "
              f"{parse_cpu(idle_paths):13.3f} {sum(stats[p]['findings'] for p in paths):8}")
    kinds: dict[str, list[str]] = defaultdict(list)
    for path, s in stats.items():
        if idle(s):
            kinds[idle_kind(s)].append(path)
    print("  idle files by why: " + "; ".join(f"{k} {len(v)} ({mb(v):.2f} MB)" for k, v in sorted(kinds.items())))
    values = sum((s["values"] for s in stats.values()), Counter())
    print(f"  sink arguments by value: {dict(values)}; helpers {sum(s['helpers'] for s in stats.values())}; "
          f"built-sql candidates {sum(s['candidates'] for s in stats.values())}")
    names = sum((s["sink_names"] for s in stats.values() if idle(s)), Counter())
    print(f"  sink names hit in idle files (top 12): {names.most_common(12)}")
    if args.list:
        for name, paths in groups.items():
            print(f"  -- {name}: largest idle files")
            for p in sorted((p for p in paths if idle(stats[p])), key=lambda p: -stats[p]["bytes"])[:args.list]:
                s = stats[p]
                print(f"     {s['bytes']:8} {p}  names={dict(s['sink_names'])} calls={s['sink_calls']} "
                      f"values={dict(s['values'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="sqlalchemy==2.0.36")
    ap.add_argument("--list", type=int, default=0, help="print the N largest idle files of each admission reason")
    ap.add_argument("--json", metavar="FILE", help="also write the per-file records to FILE")
    args = ap.parse_args()
    os.environ["BR_TELEMETRY"] = "0"
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="br-why-cache-")
    docs, engine = load(args.package)
    stats, scan_cpu = collect(docs, engine)
    report(args, stats, scan_cpu, {d.path: d for d in docs})
    if args.json:
        import json

        with open(args.json, "w") as fh:
            json.dump({p: {**s, "idle": idle(s), "reason": reason(s)} for p, s in stats.items()}, fh, indent=1)


if __name__ == "__main__":
    main()
