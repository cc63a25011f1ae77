"""What tree-sitter parsing costs on exactly the files the code rules parse, and on which versions.

    .venv/bin/python bench/parse_cost.py [--package sqlalchemy==2.0.36 | --tree DIR]
                                         [--runs 3] [--rounds 2] [--python OTHER_PYTHON ...]

Scans the tree in-process with the code rules (as bench/profile_scan.py does) and keeps the documents
the code rules hand to tree-sitter, as the bytes `parsing.parse` gives it. Then it times, in a fresh
process per interpreter, parsing those bytes with one reused parser per language and freeing each
tree, as a worker does, and prints the CPU seconds (best of `--runs`) of each step per language, with
the minor page faults of the parse loop.

`--python` adds interpreters (e.g. scratch venvs with other `tree-sitter` / `tree-sitter-python`
releases installed; they need nothing else) to compare. The interpreters take turns for `--rounds`
rounds so that a change in the machine's load hits each of them alike; the table shows each one's best.
Versions are compared on the same bytes: a grammar release that parses faster must still pass the test
suite and `bench/findings_diff.py` before it is worth anything (node types and fields can change).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def parsed_documents(tree: Path) -> list[tuple[str, str, bytes]]:
    """(path, language, bytes) of every document a full scan's code rules parse, in scan order."""
    from buildrunner.engine import code

    sys.path.insert(0, str(HERE.parent))
    from why_parsed import load_tree

    docs, engine = load_tree(tree)
    parsed: list[tuple[str, str, bytes]] = []
    real_run = code._Scan.run

    def spy(self, hits, built=()):
        text = self.doc.text  # the conversion parsing.parse makes
        parsed.append((self.doc.path, self.language, text.encode("utf-8", "surrogatepass")))
        return real_run(self, hits, built)

    code._Scan.run = spy
    try:
        for d in docs:
            engine.scan_document(d)
    finally:
        code._Scan.run = real_run
    return parsed


def measure(payload: dict, runs: int) -> dict:
    """Run in the interpreter under test: only `tree_sitter` and the grammar modules are imported."""
    import importlib
    import importlib.metadata as metadata
    import resource

    from tree_sitter import Language, Parser

    by_language: dict[str, list[bytes]] = {}
    for language, data in payload["documents"]:
        by_language.setdefault(language, []).append(data)
    parsers = {}
    for language in by_language:
        module_name, func = payload["grammars"][language]
        parsers[language] = Parser(Language(getattr(importlib.import_module(module_name), func)()))
    rows = {}
    for language, datas in by_language.items():
        parser = parsers[language]
        best_parse = best_free = float("inf")
        faults = 0
        for _ in range(runs):
            parse_s = free_s = 0.0
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for data in datas:
                start = time.process_time()
                tree = parser.parse(data)
                parsed = time.process_time()
                del tree
                free_s += time.process_time() - parsed
                parse_s += parsed - start
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
            best_parse, best_free = min(best_parse, parse_s), min(best_free, free_s)
        rows[language] = {"files": len(datas), "bytes": sum(map(len, datas)), "parse": best_parse,
                          "free": best_free, "faults": faults}
    packages = sorted({"tree-sitter"} | {payload["grammars"][lang][0].replace("_", "-") for lang in by_language})
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "?"
    return {"versions": versions, "languages": rows}


def compare(documents: list[tuple[str, str, bytes]], pythons: list[str], runs: int, rounds: int) -> dict:
    """Each interpreter's best figures per language over `rounds` interleaved rounds."""
    from buildrunner.engine.parsing import _GRAMMARS

    payload = {"grammars": {lang: _GRAMMARS[lang] for lang in {d[1] for d in documents}},
               "documents": [(language, data) for _, language, data in documents]}
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="parse-cost-") as tmp:
        path = Path(tmp) / "payload.pickle"
        path.write_bytes(pickle.dumps(payload, protocol=4))
        for _ in range(rounds):
            for python in pythons:
                done = subprocess.run([python, str(HERE), "--measure", str(path), "--runs", str(runs)],
                                      capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
                if done.returncode != 0:
                    raise SystemExit(f"parse_cost: {python} failed:\n{done.stderr.strip()[-800:]}")
                result = json.loads(done.stdout)
                seen = best.setdefault(python, result)
                for language, row in result["languages"].items():
                    for key in ("parse", "free"):
                        seen["languages"][language][key] = min(seen["languages"][language][key], row[key])
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = ap.add_mutually_exclusive_group()
    source.add_argument("--package", default="sqlalchemy==2.0.36")
    source.add_argument("--tree", type=Path, help="a checked-out project instead of the pinned sdist")
    ap.add_argument("--runs", type=int, default=3, help="passes over the files per process (best is kept)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds over the interpreters")
    ap.add_argument("--python", action="append", default=[], metavar="EXE",
                    help="another interpreter to compare (repeatable); this one always runs first")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--measure", metavar="PAYLOAD", help=argparse.SUPPRESS)  # the timing child
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(pickle.loads(Path(args.measure).read_bytes()), args.runs)))
        return 0
    os.environ["BR_TELEMETRY"] = "0"
    os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="br-parse-cost-cache-"))
    if args.tree is not None:
        tree, label = args.tree.resolve(), str(args.tree)
    else:
        sys.path.insert(0, str(HERE.parent))
        from bench_sqli import obtain_tree

        tree, label = obtain_tree(args.package), args.package
    documents = parsed_documents(tree)
    best = compare(documents, [sys.executable, *args.python], args.runs, args.rounds)
    if args.json:
        print(json.dumps({"tree": label, "results": best}, indent=2))
        return 0
    print(f"{label}: {len(documents)} files parsed by the code rules "
          f"({sum(len(d[2]) for d in documents) / 1e6:.2f} MB); CPU s, best of {args.runs} x {args.rounds} "
          f"interleaved rounds; load average {os.getloadavg()[0]:.1f}")
    for python, result in best.items():
        versions = " ".join(f"{k} {v}" for k, v in result["versions"].items())
        print(f"  {versions}  ({python})")
        for language, row in sorted(result["languages"].items()):
            print(f"    {language:11} {row['files']:4} files {row['bytes'] / 1e6:6.2f} MB  parse {row['parse']:6.3f}"
                  f"  free {row['free']:6.3f}  page faults {row['faults']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
