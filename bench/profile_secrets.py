"""Where the secret rules spend their CPU on a tree, rule by rule, in one process.

    .venv/bin/python bench/profile_secrets.py [--package sqlalchemy==2.0.36] [--runs 3] [--top 15]
    .venv/bin/python bench/profile_secrets.py --tree DIR     # any directory (a JS project, say)

Reads the tree like `br security check` does (the same file listing and decoding) and times, best
of N, CPU seconds:

- the whole secret stage (`SecretMatcher.scan` over every document), and its keyword pass;
- per rule: the keyword hits it gets, the text ranges a plain search would cover (segments: the hit
  lines, merged) and the time to build them (for information: a rule whose regex is tried only at
  certain places does not build them), the time `SecretMatcher._matches` takes (all the rule's regex
  work), the matches, and the time to judge the candidates (filters, entropy, allowlists);
- the rest (shadowing, line numbers, findings) as the whole minus the parts.

The per-rule loop repeats `SecretMatcher.spans` step by step (it calls the same functions), so the
match and judge times add up to the whole stage minus the keyword pass, give or take the timer's own
cost (judging is memoized across runs: its best-of-N is the warm figure).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sqli import obtain_tree  # noqa: E402 — bench scripts are run as files


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def load_documents(tree: Path):
    from buildrunner import config as config_mod
    from buildrunner.engine import pipeline
    from buildrunner.engine.model import Document
    from buildrunner.engine.sources import FileRef
    from buildrunner.project import discover

    project = discover(tree)
    config = config_mod.load(project)
    rules = pipeline.load_rules(project, ("secret",))
    items = pipeline.documents(project, config)[0]
    docs = [d for d in (i.load() if isinstance(i, FileRef) else i for i in items) if isinstance(d, Document)]
    return rules, docs


def per_rule(matcher, docs) -> dict[str, list[float]]:
    """rule id → [hits, segments, segment bytes, segments s, regex s, matches, judge s]."""
    from buildrunner.engine import secrets
    from buildrunner.engine.secret_filters import is_test_or_doc_path
    from buildrunner.engine.secret_structures import EXTRACTORS

    clock = time.process_time
    stats: dict[str, list[float]] = defaultdict(lambda: [0.0] * 7)
    for doc in docs:
        text = doc.text
        hits = matcher.hits(text)
        path_kind = is_test_or_doc_path(doc.path)
        for index in sorted(hits):
            compiled = matcher.rules[index]
            if compiled.spec["allowlist"]["paths"] and compiled.path_allowed(doc.path):
                continue  # as SecretMatcher.spans: the rule is not run on this path
            row = stats[compiled.rule.id]
            row[0] += len(hits[index])
            if compiled.spec.get("extract"):
                t0 = clock()
                list(EXTRACTORS[compiled.spec["extract"]](text))
                row[4] += clock() - t0
                continue
            t0 = clock()
            segments = [] if compiled.spec["anchored"] else secrets._segments(text, hits[index],
                                                                               compiled.spec["window"])
            t1 = clock()
            matches = list(matcher._matches(compiled, text, hits[index]))
            t2 = clock()
            row[1] += len(segments)
            row[2] += sum(e - s for s, e in segments)
            row[3] += t1 - t0
            row[4] += t2 - t1
            for m in matches:
                if m is None:
                    continue
                s, e = m.span("secret")
                if s < 0 or s == e:
                    continue
                row[5] += 1
                ls = text.rfind("\n", 0, s) + 1
                le = text.find("\n", s)
                candidate = matcher._candidate(m, text, text[ls:le if le >= 0 else len(text)], doc.path)
                compiled.judge(candidate, matcher.claims, path_kind, matcher.providers)
            row[6] += clock() - t2
    return stats


FAST_PATHS = ("run_start", "witness", "leading_hits")  # the _Compiled properties that let a rule's regex skip work


def candidates(rules, docs) -> list[tuple]:
    """Every (path, rule, line start, start, end, verdict) the matcher reports or drops."""
    from buildrunner.engine import secrets

    matcher = secrets.SecretMatcher(rules)
    out = []
    for doc in docs:
        dropped: list = []
        kept = matcher.spans(doc, dropped)
        out += [(doc.path, c.rule.id, ls, s, e, "kept") for c, ls, s, e in kept]
        out += [(doc.path, d.rule_id, d.line_start, d.start, d.end, d.reason) for d in dropped]
    return sorted(out)


def compare(rules, docs) -> int:
    """0 when the fast paths (a rule's regex tried only where a match can start, lines skipped that
    cannot hold one) change no candidate of any rule, else 1."""
    from buildrunner.engine import secrets

    fast = candidates(rules, docs)
    saved = {name: getattr(secrets._Compiled, name) for name in FAST_PATHS}
    for name in FAST_PATHS:
        setattr(secrets._Compiled, name, property(lambda self: None))
    try:
        plain = candidates(rules, docs)
    finally:
        for name, value in saved.items():
            setattr(secrets._Compiled, name, value)
    same = fast == plain
    print(f"{len(docs)} documents: {len(fast)} candidates with the fast paths, {len(plain)} without: "
          f"{'IDENTICAL' if same else 'DIFFERENT'}")
    for row in sorted(set(fast) ^ set(plain))[:20]:
        print("  only " + ("fast" if row in fast else "plain"), row)
    return 0 if same else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--package", default="sqlalchemy==2.0.36")
    ap.add_argument("--tree", type=Path, help="profile this directory instead of a pinned sdist")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--top", type=int, default=15, help="rules shown, most expensive first")
    ap.add_argument("--dump", type=Path, metavar="FILE",
                    help="only write every candidate (path, rule, offsets, verdict) as JSON, to compare two "
                         "checkouts (run with PYTHONPATH set to each)")
    ap.add_argument("--compare", action="store_true",
                    help="only check that every candidate (reported or dropped) is the same with the rules' "
                         "fast paths off (every hit line searched): exit 1 on a difference")
    args = ap.parse_args()
    os.environ["BR_TELEMETRY"] = "0"
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="br-profile-cache-")
    tree = args.tree.resolve() if args.tree else obtain_tree(args.package)

    from buildrunner.engine import secrets

    rules, docs = load_documents(tree)
    if args.dump:
        import json

        args.dump.write_text(json.dumps(candidates(rules, docs)))
        return
    if args.compare:
        sys.exit(compare(rules, docs))
    matcher = secrets.SecretMatcher(rules)
    matcher.prepare()
    matcher.scan(docs[0]) if docs else None
    size = sum(len(d.text) for d in docs)
    whole = best(lambda: [matcher.scan(d) for d in docs], args.runs)
    keyword = best(lambda: [matcher.hits(d.text) for d in docs], args.runs)
    runs = [per_rule(matcher, docs) for _ in range(args.runs)]
    stats = {rule: [min(r[rule][i] for r in runs) if i in (3, 4, 6) else runs[0][rule][i] for i in range(7)]
             for rule in runs[0]}

    label = args.tree or args.package
    print(f"{label}: {len(docs)} documents, {size / 1e6:.1f} MB; CPU s, best of {args.runs}, "
          f"one process, load average {os.getloadavg()[0]:.1f}")
    print(f"  secret stage (SecretMatcher.scan)     {whole:7.3f}")
    print(f"  of which the keyword pass             {keyword:7.3f}")
    parts = sum(r[4] + r[6] for r in stats.values())
    print(f"  of which the rules (sum below)        {parts:7.3f}")
    print(f"  rest (shadowing, lines, findings)     {whole - keyword - parts:7.3f}")
    print(f"  {len(stats)} rules hit\n")
    print(f"  {'rule':44} {'hits':>7} {'segs':>6} {'seg MB':>7} {'seg s':>6} {'match s':>7} {'match':>6} "
          f"{'judge s':>7}")
    order = sorted(stats.items(), key=lambda kv: -(kv[1][4] + kv[1][6]))
    for rule, (hits, segs, seg_bytes, seg_s, rx_s, nmatch, judge_s) in order[:args.top]:
        print(f"  {rule:44} {int(hits):7} {int(segs):6} {seg_bytes / 1e6:7.2f} {seg_s:6.3f} {rx_s:7.3f} "
              f"{int(nmatch):6} {judge_s:7.3f}")


if __name__ == "__main__":
    main()
