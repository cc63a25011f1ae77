"""Where a full `br security check` spends its CPU, stage by stage, in one process.

    .venv/bin/python bench/profile_scan.py [--package sqlalchemy==2.0.36] [--runs 3]

Scans the pinned sdist tree of bench/bench_sqli.py in-process (no worker pool: the pool spreads
the same work over the cores) and prints the CPU time (best of N) of each stage: loading the rules
(from an emptied and from a warm user cache), listing and reading the files, the secret rules'
keyword pass and the rest of the secret matching, the code rules' prefilter, tree-sitter parsing of
the files that pass it, and the analysis. The stages add up to what one worker process would spend
on the whole tree; the bench's wall time is roughly that divided by the cores, plus the parent's
start-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sqli import obtain_tree  # noqa: E402 — bench scripts are run as files


def best(fn, runs: int) -> tuple[float, object]:
    out, times = None, []
    for _ in range(runs):
        start = time.process_time()
        out = fn()
        times.append(time.process_time() - start)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="sqlalchemy==2.0.36")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ["BR_TELEMETRY"] = "0"
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="br-profile-cache-")
    tree = obtain_tree(args.package)

    from buildrunner import config as config_mod
    from buildrunner.engine import code, pipeline, secrets
    from buildrunner.engine.model import Document
    from buildrunner.engine.parsing import language_for_path, parse
    from buildrunner.engine.scan import Engine
    from buildrunner.engine.sources import FileRef
    from buildrunner.project import discover

    project = discover(tree)
    config = config_mod.load(project)
    rows: list[tuple[str, float]] = []
    cold, rules = best(lambda: pipeline.load_rules(project, pipeline.TIER1_KINDS), 1)
    rows.append(("load rules, empty user cache (YAML + validation)", cold))
    rows.append(("load rules, warm user cache", best(lambda: pipeline.load_rules(project, pipeline.TIER1_KINDS),
                                                     args.runs)[0]))
    t, items = best(lambda: pipeline.documents(project, config)[0], args.runs)
    rows.append((f"list files ({len(items)})", t))
    t, docs = best(lambda: [d for d in (i.load() if isinstance(i, FileRef) else i for i in items)
                            if isinstance(d, Document)], args.runs)
    rows.append((f"read + decode ({sum(len(d.text) for d in docs) / 1e6:.0f} MB)", t))

    matcher = secrets.SecretMatcher([r for r in rules if r.kind == "secret"])
    matcher.prepare()
    keyword = best(lambda: [matcher.hits(d.text) for d in docs], args.runs)[0]
    whole = best(lambda: [matcher.scan(d) for d in docs], args.runs)[0]
    rows.append(("secrets: keyword pass (engine/literals.py)", keyword))
    rows.append(("secrets: regexes and filters around the hits", whole - keyword))

    engine = Engine([r for r in rules if r.kind == "code"], "bench")
    engine.prepare({language_for_path(d.path) for d in docs})
    parsed: list[Document] = []
    real_run = code._Scan.run

    def spy(self, hits, built=()):
        parsed.append(self.doc)
        return real_run(self, hits, built)

    code._Scan.run = spy
    whole = best(lambda: parsed.clear() or [engine.scan_document(d) for d in docs], args.runs)[0]
    code._Scan.run = real_run
    not_parsed = engine.drain_skipped()  # minified / over security.code_max_file_size (once per run)
    plans = {lang: engine.matcher("code", lang)._plan(lang) for lang in ("python", "javascript")}

    def prefilter():
        for d in docs:
            lang = language_for_path(d.path)
            plan = plans.get(code.FAMILY.get(lang or "", ""))
            if plan is not None and plan.prefilter is not None:
                plan.prefilter.hits(d.text)
            if lang == "python":
                from buildrunner.engine.analysis.built import might_build

                might_build(d.text)

    pre = best(prefilter, args.runs)[0]
    parse_t = best(lambda: [parse(d.text, language_for_path(d.path)) for d in parsed], args.runs)[0]
    rows.append(("code: prefilters (sink names, built-sql literals)", pre))
    rows.append((f"code: tree-sitter parse ({len(parsed)} files, "
                 f"{sum(len(d.text) for d in parsed) / 1e6:.1f} MB)", parse_t))
    skips = ", ".join(dict.fromkeys(f"{s.path.rsplit('/', 1)[-1]} ({s.reason})" for s in not_parsed
                                    if s.reason in ("minified", "code-too-large")))
    rows.append(("code: analysis (sink queries, def-use, helpers, report)", whole - pre - parse_t))

    print(f"{args.package}: CPU seconds, best of {args.runs}, one process, load average "
          f"{os.getloadavg()[0]:.1f}")
    for label, seconds in rows:
        print(f"  {label:62} {seconds:7.3f}")
    if skips:
        print(f"  (not parsed by the code rules: {skips})")
    scan_total = sum(s for label, s in rows[2:])
    print(f"  {'files → findings (all but rule loading)':62} {scan_total:7.3f}")


if __name__ == "__main__":
    main()
