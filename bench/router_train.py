"""Fit the routing estimator on the *tune* part of bench/router_data/ and write its data to
buildrunner/router/data/: weights.json (the phrase model and the ensemble settings) and
neighbours.json (the nearest-neighbour component's index).

    .venv/bin/python bench/router_train.py [--check] [--loso] [--table N] [--jobs N]

Pure Python (no numpy): two L2-regularised logistic regressions over the sparse features of
buildrunner/router/features.py, by full-batch gradient descent with Nesterov momentum, and a
TF-IDF index of the training tasks (router/neighbours.py) whose neighbour vote is added to each
decision's logit. Selection, on the tune part only (the held-out part is never read here):
- the L2 strength by 5-fold cross-validation *grouped by paraphrase family* (by repository for the
  real issues), phrase model alone: under-routing <= 3 % overall and on the real issues, then the
  best mean acceptable rate;
- the ensemble scales (the neighbour vote's weight per decision) and the over-route penalties by
  *leave-one-source-out* CV (each source scored by a model and an index built without it: the
  closest proxy of text by a new writer): under-routing <= 2.75 % (a margin under the 3 % target),
  then the most acceptable.
`--check` refits and fails if the shipped data differ (they are built from the set). `--jobs N`
fits the cross-validation folds in N forked processes: the same figures and files, sooner.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import router_dataset as _router_data  # noqa: E402
from router_eval import _FEATURES, ORDER, context_of  # noqa: E402

from buildrunner.router import lazyre  # noqa: E402
from buildrunner.router.estimator import decide, has_context, score, thresholds  # noqa: E402
from buildrunner.router.features import STOPWORDS, extract  # noqa: E402
from buildrunner.router.neighbours import INDEX_PATH, NeighbourIndex, tokens  # noqa: E402

OUT = ROOT / "buildrunner" / "router" / "data" / "weights.json"
# risk stays at the config's default (buildrunner/config.py `model.risk`, pinned equal by a test); the
# policy's over-route penalties move each threshold up from there (risk moves both down together)
RISKS = (2.0,)
PENALTIES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)  # over-route penalty per decision, in Sonnet prices
REAL = "real-issues"
L2S = (0.0003, 0.001, 0.003)
# the nearest-neighbour component (router/neighbours.py): its vote settings, and the ensemble scales
# (weight of its vote logit next to the phrase model's) tried by leave-one-source-out CV
NEIGHBOURS = {"k": 20, "power": 2.0, "alpha": 0.5}
SCALES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
WORD_SCALES = (0.5, 1.0)  # bag-of-words features regularised 1/scale^2 as hard as the classes
REFERENCE_PRICES = {"haiku": 0.6, "sonnet": 12.0, "opus": 24.0}  # input + output $/MTok, catalog 2026-11-23


def _targets(item) -> dict[str, float | None]:
    """Label per decision; None where the item accepts both answers of that decision."""
    need_sonnet = 0.0 if item.tier == "haiku" else 1.0
    need_opus = 1.0 if item.tier == "opus" else 0.0
    if "haiku" in item.accept and "sonnet" in item.accept:
        need_sonnet = None
    if "sonnet" in item.accept and "opus" in item.accept:
        need_opus = None
    return {"sonnet": need_sonnet, "opus": need_opus}


def fit(rows: list[tuple[dict[str, float], float]], l2: float, iters: int = 600, lr: float = 1.0,
        momentum: float = 0.9) -> dict:
    """Logistic regression, full-batch gradient descent with Nesterov momentum and L2 on the
    weights (not the bias). Sparse rows as index lists: the pure-Python inner loop is the cost."""
    names = sorted({k for x, _ in rows for k in x})
    index = {k: i for i, k in enumerate(names)}
    data = [([index[k] for k in x], list(x.values()), y) for x, y in rows]
    size, n = len(names), len(rows)
    w, vw = [0.0] * size, [0.0] * size
    b = vb = 0.0
    for _ in range(iters):
        look = [wj + momentum * vj for wj, vj in zip(w, vw, strict=True)]
        lb = b + momentum * vb
        gw = [0.0] * size
        gb = 0.0
        for idx, vals, y in data:
            z = lb + sum(look[j] * v for j, v in zip(idx, vals, strict=True))
            err = 1.0 / (1.0 + math.exp(-max(-40, min(40, z)))) - y
            gb += err
            for j, v in zip(idx, vals, strict=True):
                gw[j] += err * v
        vb = momentum * vb - lr * gb / n
        b += vb
        for j in range(size):
            vw[j] = momentum * vw[j] - lr * (gw[j] / n + l2 * look[j])
            w[j] += vw[j]
    return {"bias": round(b, 4), "weights": {k: round(v, 4) for k, v in zip(names, w, strict=True) if abs(v) >= 1e-4}}


def _features(item):
    if item.text not in _FEATURES:
        _FEATURES[item.text] = extract(item.text, context_of(item))
    return _FEATURES[item.text]


def train(items, l2: float, word_scale: float = 1.0) -> dict:
    """Both decisions fitted on `items`. The bag-of-words features (`w:`) are scaled by `word_scale`
    while fitting (a smaller value regularises them harder than the explainable classes) and the
    scale is folded back into their weights, so inference reads every feature as 1.0."""
    feats = [{k: v * word_scale if k.startswith("w:") else v for k, v in _features(i).values.items()}
             for i in items]
    decisions = {}
    for name in ("sonnet", "opus"):
        rows = [(x, _targets(i)[name]) for x, i in zip(feats, items, strict=True) if _targets(i)[name] is not None]
        model = fit(rows, l2)
        model["weights"] = {k: round(v * word_scale, 4) if k.startswith("w:") else v
                            for k, v in model["weights"].items()}
        decisions[name] = model
    return {"decisions": decisions}


def _folds(items, k: int = 5):
    families = sorted({i.family for i in items}, key=lambda f: hashlib.sha256(f.encode()).hexdigest())
    for fold in range(k):
        held = set(families[fold::k])
        yield [i for i in items if i.family not in held], [i for i in items if i.family in held]


def _by_source(items):
    """Leave-one-source-out folds: train on every other source, test on the one left out (the
    closest the labelled set gets to text written by someone else)."""
    for source in sorted({i.source for i in items}):
        yield source, [i for i in items if i.source != source], [i for i in items if i.source == source]


def _label(item) -> str:
    return "/".join(tier[0] for tier in item.accept)  # accept[0] is the policy's tier


def _tokens(item) -> list[str]:
    return tokens(_features(item).normalized.text, STOPWORDS)


def build_index(items) -> NeighbourIndex:
    """The nearest-neighbour component's index over `items` (router/neighbours.py). Tasks labelled
    with a file/diff context are left out: the vote reads words only, and their label depends on
    the context ("rename foo to bar" across 9 files is Sonnet work, in one file Haiku work)."""
    return NeighbourIndex.build((_tokens(i), i.family, _label(i), i.text) for i in items if not i.context)


NO_SCALES = {"sonnet": 0.0, "opus": 0.0}


def out_of_fold(folds) -> list[tuple]:
    """Per test item of each (train, test) fold: the phrase model's logits and the neighbour vote
    logits, both from the fold's training part only, and the tier for each pair of decisions (the
    floors applied), so settings can be tried without refitting."""
    rows = []
    for model, index, test_items in folds:
        for item in test_items:
            f = _features(item)
            linear = {d: score(f, d, model)[0] for d in ("sonnet", "opus")}
            votes = NO_SCALES if has_context(f) else index.vote(_tokens(item), **NEIGHBOURS)[0]
            tiers = {(a, b): decide(f, a, b)[0] for a in (False, True) for b in (False, True)}
            rows.append((item, linear, votes, tiers))
    return rows


def _one_fold(train_items, test_items, l2: tuple[float, float]) -> list[tuple]:
    """`out_of_fold` rows of one fold: the model and the index fitted on `train_items`, scoring `test_items`."""
    return out_of_fold([(train(train_items, *l2), build_index(train_items), test_items)])


# The (train items, test items, L2 setting) tasks of the running `fold_rows` call: forked workers
# inherit them (and the feature cache), so a task travels as its index and nothing but rows is pickled.
_TASKS: list[tuple[list, list, tuple[float, float]]] = []


def _task_rows(k: int) -> list[tuple]:
    return [row[1:] for row in _one_fold(*_TASKS[k])]


def fold_rows(tasks: list[tuple[list, list, tuple[float, float]]], jobs: int = 1) -> list[list[tuple]]:
    """`out_of_fold` rows of each (train, test, l2) task, one list per task in order. With jobs > 1 the
    tasks are fitted in that many forked processes; the fit is deterministic, so the rows are the
    ones a serial run gives (a test holds them equal)."""
    global _TASKS
    for train_items, test_items, _ in tasks:
        for item in (*train_items, *test_items):
            _features(item)  # filled before the fork, so every worker inherits the cache
    if jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_one_fold(*task) for task in tasks]
    _TASKS = tasks
    try:
        # an executor, not a Pool: a worker that dies raises BrokenProcessPool instead of hanging the fit
        with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_task_rows, range(len(tasks))))
    finally:
        _TASKS = []
    return [[(item, *rest) for item, rest in zip(test_items, part, strict=True)]
            for (_, test_items, _), part in zip(tasks, parts, strict=True)]


def _source_tasks(items, l2: tuple[float, float]) -> list[tuple[list, list, tuple[float, float]]]:
    return [(train_items, test_items, l2) for _, train_items, test_items in _by_source(items)]


def _loso_rows(items, l2: tuple[float, float], jobs: int) -> list[tuple]:
    """Out-of-fold rows of every source, each scored by the setting fitted on the other sources."""
    return [row for part in fold_rows(_source_tasks(items, l2), jobs) for row in part]


def tally(rows, risk: float, penalties: dict[str, float], scales: dict[str, float]) -> Counter:
    """Acceptable / under / over counts of `out_of_fold` rows, overall and on the real issues."""
    limits = {d: _logit(t) for d, t in thresholds(REFERENCE_PRICES, risk, penalties).items()}
    c: Counter = Counter()
    for item, linear, votes, tiers in rows:
        yes = [linear[d] + scales[d] * votes[d] > limits[d] for d in ("sonnet", "opus")]
        tier = tiers[tuple(yes)]
        kind = "ok" if tier in item.accept else "under" if ORDER[tier] < ORDER[item.tier] else "over"
        c["n"] += 1
        c[kind] += 1
        if item.source == REAL:
            c["n_real"] += 1
            c[kind + "_real"] += 1
    return c


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _row(c: Counter) -> tuple[float, float, float, float]:
    return (c["ok"] / c["n"], c["under"] / c["n"], c["ok_real"] / max(c["n_real"], 1),
            c["under_real"] / max(c["n_real"], 1))


def leave_one_source_out(items, l2: tuple[float, float], risk: float, penalties: dict[str, float],
                         scales: dict[str, float] | None = None, jobs: int = 1) -> dict:
    """Per left-out source: (n, acceptable, under) of the setting fitted on the other sources."""
    return _per_source(_loso_rows(items, l2, jobs), risk, penalties, scales or NO_SCALES)


def _per_source(rows, risk, penalties, scales) -> dict:
    out = {}
    for source in sorted({row[0].source for row in rows}):
        c = tally([row for row in rows if row[0].source == source], risk, penalties, scales)
        out[source] = (c["n"], c["ok"], c["under"])
    return out


def _print_loso(per_source: dict) -> None:
    n = sum(c[0] for c in per_source.values())
    ok, under = sum(c[1] for c in per_source.values()), sum(c[2] for c in per_source.values())
    macro = sum(c[1] / c[0] for c in per_source.values()) / len(per_source)
    print(f"leave-one-source-out: acceptable {ok / n:.1%} under {under / n:.1%} (mean over sources {macro:.1%})")
    for source, (size, good, low) in per_source.items():
        print(f"  {source:<12} n={size:<4} acceptable {good / size:6.1%} under {low / size:5.1%}")


def _eligible_best(table, key):
    """The best row by `key` among those with under-routing <= 3 % overall and on the real issues;
    if none meets the bound, the least under-routing one."""
    eligible = [row for row in table if row[5] <= 0.03 and row[7] <= 0.03]
    if not eligible:
        return min(table, key=lambda row: (row[5], row[7], -(row[4] + row[6]) / 2))
    return max(eligible, key=key)


def cross_validate(items, jobs: int = 1) -> tuple[tuple[float, float], float, dict[str, float], list, list]:
    """Grouped 5-fold CV of the phrase model alone over L2, risk and the over-route penalties.
    Chosen: under-routing <= 3 % on the whole tune part and on its real-issue part, then the best
    mean of the two acceptable rates (so neither the hand-written tasks nor the real issues are
    traded away for the other). Returns the chosen setting, the table and the chosen L2's
    out-of-fold rows (with the neighbour votes, for the ensemble's CV figure)."""
    table, oof = [], {}
    combos = [(risk, ps, po) for risk in RISKS for ps in PENALTIES for po in PENALTIES]
    folds = list(_folds(items))
    settings = [(a, b) for a in L2S for b in WORD_SCALES]
    parts = iter(fold_rows([(tr, te, l2) for l2 in settings for tr, te in folds], jobs))
    for l2 in settings:
        oof[l2] = [row for _ in folds for row in next(parts)]
        for risk, ps, po in combos:
            table.append((l2, risk, ps, po, *_row(tally(oof[l2], risk, {"sonnet": ps, "opus": po}, NO_SCALES))))
    best = _eligible_best(table, lambda row: ((row[4] + row[6]) / 2, -row[5], -row[1]))
    return best[0], best[1], {"sonnet": best[2], "opus": best[3]}, table, oof[best[0]]


ENSEMBLE_PENALTIES = (0.0, 0.25, 0.5, 1.0)


# The ensemble's bound on leave-one-source-out under-routing: a margin under the 3 % target. Chosen at
# exactly 3 %, round 7b's weights came out at 3.5 % under-routed on dev; with the round-8 data and
# features, 2.75 % gave dev 92.3 % / 3.0 % against 92.0 % / 3.4 % (docs/MULTI_MODEL_ROUTING.md, Round 8).
LOSO_UNDER_BOUND = 0.0275


def choose_ensemble(rows, risk: float) -> tuple[dict[str, float], dict[str, float], list]:
    """The ensemble scales and over-route penalties by leave-one-source-out CV (`rows` from
    `out_of_fold` over the source folds): under-routing <= LOSO_UNDER_BOUND overall, then the most acceptable;
    ties go to less under-routing, then to smaller scales and penalties. (The real issues' own
    <= 3 % bound stays with the grouped CV, which picks the L2: left out as a whole source, their
    153 tasks swing by 0.7 points per task.)"""
    table = []
    for ss in SCALES:
        for so in SCALES:
            for ps in ENSEMBLE_PENALTIES:
                for po in ENSEMBLE_PENALTIES:
                    scales, penalties = {"sonnet": ss, "opus": so}, {"sonnet": ps, "opus": po}
                    table.append(((ss, so), risk, ps, po, *_row(tally(rows, risk, penalties, scales))))
    eligible = [row for row in table if row[5] <= LOSO_UNDER_BOUND] or [min(table, key=lambda row: row[5])]
    best = max(eligible, key=lambda row: (row[4], -row[5], -sum(row[0]), -row[2] - row[3]))
    return {"sonnet": best[2], "opus": best[3]}, {"sonnet": best[0][0], "opus": best[0][1]}, table


def _print_cv_table(table, n: int) -> None:
    for row in sorted(table, key=lambda r: -(r[4] + r[6]))[:n]:
        print(f"  cv l2,word_scale={row[0]} risk={row[1]:<4} W(sonnet)={row[2]:<3} W(opus)={row[3]:<3} "
              f"all: acceptable {row[4]:6.1%} under {row[5]:5.1%}   real issues: acceptable {row[6]:6.1%} "
              f"under {row[7]:5.1%}")


def _print_misses(rows, risk, penalties, scales) -> None:
    limits = {d: _logit(t) for d, t in thresholds(REFERENCE_PRICES, risk, penalties).items()}
    for item, linear, votes, tiers in rows:
        got = tiers[tuple(linear[d] + scales[d] * votes[d] > limits[d] for d in ("sonnet", "opus"))]
        if got not in item.accept:
            kind = "under" if ORDER[got] < ORDER[item.tier] else "over"
            print(f"{kind:<5} {item.tier}->{got} [{item.family}] {' '.join(item.text.split())[:120]}")


def select(items, table_rows: int = 0, jobs: int = 1) -> dict:
    """Grouped CV picks the phrase model's L2; leave-one-source-out CV then picks the ensemble scales
    and the over-route penalties. Prints both figures for the chosen setting."""
    l2, risk, cv_penalties, table, cv_rows = cross_validate(items, jobs)
    if table_rows:
        _print_cv_table(table, table_rows)
    chosen = next(r for r in table if r[:4] == (l2, risk, cv_penalties["sonnet"], cv_penalties["opus"]))
    print(f"phrase model alone: l2={l2[0]} word_scale={l2[1]} risk={risk} over_route_penalty={cv_penalties}: "
          f"grouped 5-fold CV acceptable {chosen[4]:.1%} under {chosen[5]:.1%} (real issues {chosen[6]:.1%} / "
          f"{chosen[7]:.1%})")
    loso_rows = _loso_rows(items, l2, jobs)
    penalties, scales, _ = choose_ensemble(loso_rows, risk)
    cv = _row(tally(cv_rows, risk, penalties, scales))
    loso = _row(tally(loso_rows, risk, penalties, scales))
    print(f"chosen by leave-one-source-out: neighbour scales {scales}, over_route_penalty {penalties}")
    print(f"  grouped 5-fold CV acceptable {cv[0]:.1%} under {cv[1]:.1%} (real issues {cv[2]:.1%} / {cv[3]:.1%})")
    print(f"  leave-one-source-out acceptable {loso[0]:.1%} under {loso[1]:.1%} (real issues {loso[2]:.1%} / "
          f"{loso[3]:.1%})")
    return {"l2": l2, "risk": risk, "penalties": penalties, "scales": scales, "cv_rows": cv_rows,
            "loso_rows": loso_rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-misses", action="store_true", help="list cross-validation misroutes and stop")
    parser.add_argument("--check", action="store_true", help="fail if the shipped weights are not these")
    parser.add_argument("--table", type=int, default=0, metavar="N", help="print the N best CV settings")
    parser.add_argument("--dry-run", action="store_true", help="cross-validate and report, write nothing")
    parser.add_argument("--loso", action="store_true",
                        help="also report leave-one-source-out CV of the chosen setting, per source")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help=f"fit the cross-validation folds in N processes (this machine: {os.cpu_count()})")
    args = parser.parse_args()
    items = _router_data.load("tune")
    chosen = select(items, args.table, args.jobs)
    l2, risk, penalties, scales = chosen["l2"], chosen["risk"], chosen["penalties"], chosen["scales"]
    if args.cv_misses:
        _print_misses(chosen["cv_rows"], risk, penalties, scales)
        return 0
    if args.loso:
        _print_loso(_per_source(chosen["loso_rows"], risk, penalties, scales))
    if args.dry_run:
        return 0
    model = train(items, *l2)
    index = build_index(items)
    digest = hashlib.sha256("\n".join(f"{i.family}\t{i.tier}\t{i.text}" for i in items).encode()).hexdigest()[:16]
    weights = {"schema_version": 1, "trained_on": {"items": len(items), "families": len({i.family for i in items}),
                                                  "part": "tune", "data_sha256_16": digest},
               "l2": l2[0], "word_scale": l2[1], "default_risk": risk, "over_route_penalty": penalties,
               "neighbours": {**NEIGHBOURS, "scale": scales, "items": len(index.norms),
                              "families": len(index.families)},
               "reference_prices": REFERENCE_PRICES, **model}
    outputs = {OUT: json.dumps(weights, indent=1, sort_keys=True) + "\n",
               INDEX_PATH: json.dumps(index.as_data(), separators=(",", ":"), sort_keys=True) + "\n",
               # the phrase patterns' required literals (lazyre.py), shipped as data
               lazyre.LITERALS_PATH: lazyre.literals_table()}
    if args.check:
        stale = [path for path, text in outputs.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from a fresh fit: run bench/router_train.py")
        print("weights, neighbour index and pattern literals up to date" if not stale else "")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print("wrote " + ", ".join(str(path.relative_to(ROOT)) for path in outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
