"""Fit the routing estimator's weights on the *tune* part of bench/router_data/ and write them to
buildrunner/router/data/weights.json.

    .venv/bin/python bench/router_train.py [--check]

Pure Python (no numpy): two L2-regularised logistic regressions over the sparse features of
buildrunner/router/features.py, by full-batch gradient descent. The L2 strength and the default
risk are chosen by 5-fold cross-validation *grouped by paraphrase family* on the tune part (the
held-out part is never read here): the most acceptable routes with under-routing <= 3 %.
`--check` refits and fails if the shipped weights differ (they are data built from the set).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _router_data  # noqa: E402
from router_eval import _FEATURES, context_of, evaluate  # noqa: E402

from buildrunner.router.features import extract  # noqa: E402

OUT = ROOT / "buildrunner" / "router" / "data" / "weights.json"
RISKS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
L2S = (0.003, 0.01)
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


def fit(rows: list[tuple[dict[str, float], float]], l2: float, iters: int = 2000, lr: float = 1.0) -> dict:
    """Logistic regression, full-batch gradient descent with L2 on weights (not the bias)."""
    names = sorted({k for x, _ in rows for k in x})
    w = dict.fromkeys(names, 0.0)
    b = 0.0
    n = len(rows)
    for _ in range(iters):
        gw = dict.fromkeys(names, 0.0)
        gb = 0.0
        for x, y in rows:
            z = b + sum(w[k] * v for k, v in x.items())
            err = 1.0 / (1.0 + math.exp(-max(-40, min(40, z)))) - y
            gb += err
            for k, v in x.items():
                gw[k] += err * v
        b -= lr * gb / n
        for k in names:
            w[k] -= lr * (gw[k] / n + l2 * w[k])
    return {"bias": round(b, 4), "weights": {k: round(v, 4) for k, v in sorted(w.items()) if abs(v) >= 1e-4}}


def _features(item):
    if item.text not in _FEATURES:
        _FEATURES[item.text] = extract(item.text, context_of(item))
    return _FEATURES[item.text]


def train(items, l2: float) -> dict:
    feats = [_features(i).values for i in items]
    decisions = {}
    for name in ("sonnet", "opus"):
        rows = [(x, _targets(i)[name]) for x, i in zip(feats, items, strict=True) if _targets(i)[name] is not None]
        decisions[name] = fit(rows, l2)
    return {"decisions": decisions}


def _folds(items, k: int = 5):
    families = sorted({i.family for i in items}, key=lambda f: hashlib.sha256(f.encode()).hexdigest())
    for fold in range(k):
        held = set(families[fold::k])
        yield [i for i in items if i.family not in held], [i for i in items if i.family in held]


def cross_validate(items) -> tuple[float, float, list]:
    table = []
    for l2 in L2S:
        preds = {risk: [] for risk in RISKS}
        for train_items, test_items in _folds(items):
            model = train(train_items, l2)
            model.update(reference_prices=REFERENCE_PRICES, default_risk=1.0)
            for risk in RISKS:
                preds[risk].append(evaluate(test_items, model, risk))
        for risk in RISKS:
            n = sum(r["n"] for r in preds[risk])
            ok = sum(r["acceptable"] for r in preds[risk]) / n
            under = sum(r["under"] for r in preds[risk]) / n
            table.append((l2, risk, ok, under))
    eligible = [row for row in table if row[3] <= 0.03] or table
    best = max(eligible, key=lambda row: (row[2], -row[3], row[1]))
    return best[0], best[1], table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-misses", action="store_true", help="list cross-validation misroutes and stop")
    parser.add_argument("--check", action="store_true", help="fail if the shipped weights are not these")
    args = parser.parse_args()
    items = _router_data.load("tune")
    if args.cv_misses:
        weights = json.loads(OUT.read_text(encoding="utf-8"))
        for train_items, test_items in _folds(items):
            model = train(train_items, weights["l2"])
            model.update(reference_prices=REFERENCE_PRICES, default_risk=weights["default_risk"])
            for kind, item, got in evaluate(test_items, model)["misses"]:
                print(f"{kind:<5} {item.tier}->{got} [{item.family}] {' '.join(item.text.split())[:120]}")
        return 0
    l2, risk, table = cross_validate(items)
    for row in table:
        print(f"  cv l2={row[0]:<5} risk={row[1]:<5} acceptable {row[2]:6.1%}  under-routed {row[3]:5.1%}")
    print(f"chosen: l2={l2} risk={risk}")
    model = train(items, l2)
    digest = hashlib.sha256("\n".join(f"{i.family}\t{i.tier}\t{i.text}" for i in items).encode()).hexdigest()[:16]
    weights = {"schema_version": 1, "trained_on": {"items": len(items), "families": len({i.family for i in items}),
                                                  "part": "tune", "data_sha256_16": digest},
               "l2": l2, "default_risk": risk, "reference_prices": REFERENCE_PRICES, **model}
    text = json.dumps(weights, indent=1, sort_keys=True) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("weights up to date" if same else "weights differ from a fresh fit: run bench/router_train.py")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
