"""Score the router on the labelled set: acceptable % and under-routed % per part, against
always-Sonnet, with per-tier precision/recall.

    .venv/bin/python bench/router_eval.py              # the tune part (what the weights were fitted on)
    .venv/bin/python bench/router_eval.py --holdout    # + the sealed held-out part (logged, once per change)

"Acceptable": the routed tier is one the item accepts (the policy's tier; a few borderline items
accept two). "Under-routed": a cheaper tier than the policy's. "Over-routed": a stronger one
(Opus for Sonnet work wastes money and is not acceptable either). Each held-out scoring appends
a line to bench/router_data/holdout_log.jsonl with the weights' hash, so it shows how often the
held-out part was looked at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import router_dataset as _router_data  # noqa: E402

from buildrunner.router.complexity import TaskContext  # noqa: E402
from buildrunner.router.estimator import WEIGHTS_PATH, estimate, load_weights  # noqa: E402

ORDER = {"haiku": 0, "sonnet": 1, "opus": 2}
LOG = ROOT / "bench" / "router_data" / "holdout_log.jsonl"


def context_of(item) -> TaskContext | None:
    c = item.context
    if not c:
        return None
    return TaskContext(files=c.get("files", 0), languages=tuple(f"lang{i}" for i in range(c.get("languages", 0))),
                       packages=tuple(f"pkg{i}" for i in range(c.get("packages", 0))),
                       changed_lines=c.get("lines", 0))


_FEATURES: dict = {}  # text -> Features, filled by the training script (extraction is the slow part)


def evaluate(items, weights=None, risk=None, fixed: str | None = None) -> dict:
    """Counts for `items` routed by the estimator (or always `fixed`)."""
    out = Counter(n=len(items), acceptable=0, under=0, over=0)
    confusion: Counter = Counter()
    misses = []
    for item in items:
        got = fixed or estimate(item.text, context_of(item), weights=weights, risk=risk,
                                features=_FEATURES.get(item.text)).tier
        confusion[(item.tier, got)] += 1
        if got in item.accept:
            out["acceptable"] += 1
        elif ORDER[got] < ORDER[item.tier]:
            out["under"] += 1
            misses.append(("under", item, got))
        else:
            out["over"] += 1
            misses.append(("over", item, got))
    return {**out, "confusion": confusion, "misses": misses}


def _report(name: str, items, show_misses: bool) -> dict:
    r = evaluate(items)
    base = evaluate(items, fixed="sonnet")
    n = r["n"]
    print(f"[{name}] {n} tasks, {len({i.family for i in items})} families, "
          f"sources: {', '.join(f'{s} {c}' for s, c in sorted(Counter(i.source for i in items).items()))}")
    print(f"  router        acceptable {r['acceptable'] / n:6.1%}   under-routed {r['under'] / n:5.1%}   "
          f"over-routed {r['over'] / n:5.1%}")
    print(f"  always-Sonnet acceptable {base['acceptable'] / n:6.1%}   under-routed {base['under'] / n:5.1%}   "
          f"over-routed {base['over'] / n:5.1%}")
    for tier in ORDER:
        tp = r["confusion"][(tier, tier)]
        predicted = sum(v for (_, got), v in r["confusion"].items() if got == tier)
        actual = sum(v for (want, _), v in r["confusion"].items() if want == tier)
        print(f"  {tier:<7} precision {tp / max(predicted, 1):6.1%}  recall {tp / max(actual, 1):6.1%}  "
              f"({actual} labelled, {predicted} routed)")
    for source in sorted({i.source for i in items}):
        part = [i for i in items if i.source == source]
        rs, bs = evaluate(part), evaluate(part, fixed="sonnet")
        print(f"  source {source:<12} n={len(part):<4} router acceptable {rs['acceptable'] / len(part):6.1%} "
              f"under {rs['under'] / len(part):5.1%}   always-Sonnet {bs['acceptable'] / len(part):6.1%} "
              f"under {bs['under'] / len(part):5.1%}")
    if show_misses:
        for kind, item, got in r["misses"]:
            print(f"    {kind:<5} {item.tier}->{got} [{item.family}] {' '.join(item.text.split())[:110]}")
    return {"n": n, "acceptable": r["acceptable"] / n, "under": r["under"] / n, "over": r["over"] / n}


def main() -> int:
    return main_args(sys.argv[1:])


def main_args(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--holdout", action="store_true", help="also score the sealed held-out part (logged)")
    parser.add_argument("--misses", action="store_true", help="list the tune part's misroutes")
    args = parser.parse_args(argv)
    load_weights()
    _report("tune", _router_data.load("tune"), args.misses)
    if args.holdout:
        result = _report("held-out", _router_data.load("holdout"), False)
        digest = hashlib.sha256(WEIGHTS_PATH.read_bytes()).hexdigest()[:16]
        with LOG.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "weights_sha256_16": digest, **{k: round(v, 4) if isinstance(v, float) else v
                                                                 for k, v in result.items()}}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
