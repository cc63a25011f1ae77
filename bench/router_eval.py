"""Score the router on the labelled set: acceptable % and under-routed % per part, against
always-Sonnet, with per-tier precision/recall.

    .venv/bin/python bench/router_eval.py              # the tune part (what the weights were fitted on)
    .venv/bin/python bench/router_eval.py --dev        # + the dev part (the old held-out part, spent)
    .venv/bin/python bench/router_eval.py --sealed [DIR]   # the sealed set (logged, once per change)

"Acceptable": the routed tier is one the item accepts (the policy's tier; a few borderline items
accept two). "Under-routed": a cheaper tier than the policy's. "Over-routed": a stronger one
(Opus for Sonnet work wastes money and is not acceptable either).

The dev part is bench/_router_data.py's family-hash held-out split: it was scored as a sealed part
six times in earlier rounds, so it is now a development set (scored freely, not logged). The sealed
set is every *.yaml in DIR (default bench/router_data/sealed/, same format, all items, no split; the
training script never reads it): `--sealed` prints it per source against always-Sonnet and
always-Haiku and appends one line to bench/router_data/holdout_log.jsonl (time, git commit,
weights hash, data hash, counts), the audit trail of how often it was looked at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import router_dataset as _router_data  # noqa: E402
import yaml  # noqa: E402
from _router_data import load_file  # noqa: E402

from buildrunner.router.complexity import TaskContext  # noqa: E402
from buildrunner.router.estimator import WEIGHTS_PATH, estimate, load_weights  # noqa: E402

ORDER = {"haiku": 0, "sonnet": 1, "opus": 2}
LOG = ROOT / "bench" / "router_data" / "holdout_log.jsonl"
SEALED = ROOT / "bench" / "router_data" / "sealed"


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


def _print_precision_recall(r: dict) -> None:
    """One line per tier: precision and recall of `evaluate`'s confusion counts."""
    for tier in ORDER:
        tp = r["confusion"][(tier, tier)]
        predicted = sum(v for (_, got), v in r["confusion"].items() if got == tier)
        actual = sum(v for (want, _), v in r["confusion"].items() if want == tier)
        print(f"  {tier:<7} precision {tp / max(predicted, 1):6.1%}  recall {tp / max(actual, 1):6.1%}  "
              f"({actual} labelled, {predicted} routed)")


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
    _print_precision_recall(r)
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


def _rates(result: dict) -> dict:
    n = max(result["n"], 1)
    return {"n": result["n"], **{k: round(result[k] / n, 4) for k in ("acceptable", "under", "over")}}


def load_sealed(directory: Path) -> list:
    """Every item of every *.yaml in `directory` (no split). Raises SealedError naming the file (and
    line) on unreadable input."""
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not paths:
        raise SealedError(f"{directory}: no *.yaml files (a directory of bench/router_data-format sets)")
    items = []
    for path in paths:
        try:
            items += load_file(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise SealedError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
            raise SealedError(f"{path}: not in the bench/router_data format (source, families: "
                              f"[label, text, ...]; label h|s|o or two joined by /): {type(exc).__name__} "
                              f"{exc}") from None
    return items


class SealedError(Exception):
    pass


def score_sealed(directory: Path, log: Path = LOG) -> dict:
    """Score the sealed set per source and overall against always-Sonnet and always-Haiku, print it
    and append one line to `log`. Returns the logged record."""
    items = load_sealed(directory)
    record: dict = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "part": "sealed",
                    "dir": _relative(directory), "git_commit": _git_commit(),
                    "weights_sha256_16": hashlib.sha256(WEIGHTS_PATH.read_bytes()).hexdigest()[:16],
                    "data_sha256_16": hashlib.sha256("\n".join(f"{i.source}\t{i.tier}\t{i.text}"
                                                               for i in items).encode()).hexdigest()[:16]}
    groups = [("all", items)] + [(s, [i for i in items if i.source == s]) for s in sorted({i.source for i in items})]
    print(f"[sealed] {_relative(directory)}: {len(items)} tasks, {len({(i.source, i.family) for i in items})} "
          f"families (scored once per change; logged to {_relative(log)})")
    print(f"  {'source':<14} {'n':>4}  {'router acc / under / over':<27} {'always-Sonnet acc / under':<27} "
          f"always-Haiku acc / under")
    record["counts"] = {}
    routed = {}
    for name, part in groups:
        r, son, hai = evaluate(part), evaluate(part, fixed="sonnet"), evaluate(part, fixed="haiku")
        routed[name] = r
        record["counts"][name] = {"router": _rates(r), "always_sonnet": _rates(son), "always_haiku": _rates(hai)}
        n = len(part)
        print(f"  {name:<14} {n:>4}  {r['acceptable'] / n:6.1%} / {r['under'] / n:5.1%} / {r['over'] / n:5.1%}"
              f"      {son['acceptable'] / n:6.1%} / {son['under'] / n:5.1%}"
              f"             {hai['acceptable'] / n:6.1%} / {hai['under'] / n:5.1%}")
    _print_precision_recall(routed["all"])
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
    return record


def _relative(path: Path) -> str:
    """The set's directory as the log records it: relative to the repository, or only its name when
    it lies outside (the log is committed; a machine's absolute path means nothing elsewhere, and
    `data_sha256_16` identifies the content)."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return path.resolve().name


def _git_commit() -> str:
    """HEAD's hash, with "+dirty" when the router's code or weights differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "buildrunner/router"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def main() -> int:
    return main_args(sys.argv[1:])


def main_args(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dev", "--holdout", action="store_true",
                        help="also score the dev part (the old held-out split; spent, not logged)")
    parser.add_argument("--misses", action="store_true", help="list the misroutes (tune, and dev with --dev)")
    parser.add_argument("--sealed", nargs="?", const=SEALED, type=Path, metavar="DIR",
                        help=f"score only the sealed set in DIR (default {_relative(SEALED)}); logged")
    parser.add_argument("--log", type=Path, default=LOG, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    load_weights()
    if args.sealed is not None:
        try:
            score_sealed(args.sealed, args.log)
        except SealedError as exc:
            print(f"router_eval: {exc}", file=sys.stderr)
            return 2
        return 0
    _report("tune", _router_data.load("tune"), args.misses)
    if args.dev:
        _report("dev (old held-out)", _router_data.load("holdout"), args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
