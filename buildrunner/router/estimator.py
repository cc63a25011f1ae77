"""The learned routing estimator: two logistic decisions over explainable features.

    needs Sonnet  P(the task needs at least Sonnet)  -> else Haiku
    needs Opus    P(the task needs Opus)             -> Opus

Weights are data (`data/weights.json`, fitted offline by bench/router_train.py on the labelled set
in bench/router_data/); inference is a dot product in pure Python. A second component, a
nearest-neighbour vote over the training tasks (neighbours.py, `data/neighbours.json`), adds
`scale * vote logit` to each decision (scales in weights.json, chosen by leave-one-source-out CV);
it is listed first in the contributions, naming the nearest training tasks.

Thresholds come from prices and the cost of a failed attempt. Sending a task to the cheaper model
costs `cheap + p * (strong + F)` (a failed attempt is retried on the stronger model, and the
failure itself costs F: the user's time, a broken change to revert); the stronger model costs
`strong`. Going strong pays off when p > (strong - cheap) / (strong + F). F is counted in units of
the task's Sonnet price (the baseline): F = risk * sonnet, so

    needs Sonnet: (sonnet - haiku) / (sonnet + risk * sonnet)   ~ 0.95 / (1 + risk)
    needs Opus:   (opus - sonnet) / (opus + risk * sonnet)      ~ 1 / (2 + risk)

with risk = model.risk (default in weights.json, chosen by cross-validation). A higher risk
routes up sooner.

The policy also counts a model *stronger* than the task needs as a misroute (Opus for a bug fix is
not acceptable, and neither is Sonnet for a typo): sending a task up when the cheaper model would
have done costs the price difference plus a policy penalty W (in units of the Sonnet price, per
decision: `over_route_penalty` in weights.json, chosen by cross-validation). With it,

    p > (strong - cheap + W) / (strong + F + W)

so the middle tier is the default: Opus needs clear planning evidence, Haiku clear trivial-edit
evidence (W = 0 gives the plain price formula above).

Floors (rules, shown in --explain): a bug report (an issue template or a stack trace) is never
Haiku unless it is plainly a typo.

A higher risk routes up sooner. Per-project offsets (`br model tune`) are added to the logits.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from buildrunner.router.features import PLANNING_EVIDENCE, REPORT_EVIDENCE, STOPWORDS, Features, extract
from buildrunner.router.neighbours import load_index, tokens

WEIGHTS_PATH = Path(__file__).resolve().parent / "data" / "weights.json"
DECISIONS = ("sonnet", "opus")  # "needs at least Sonnet", "needs Opus"
_CHEAPER = {"sonnet": "haiku", "opus": "sonnet"}
_cache: dict[str, dict] = {}


def load_weights(path: Path | None = None) -> dict:
    key = str(path or WEIGHTS_PATH)
    if key not in _cache:
        _cache[key] = json.loads(Path(key).read_text(encoding="utf-8"))
    return _cache[key]


class Decision:
    """One of the two decisions: its probability, threshold, margin and top contributions."""

    __slots__ = ("name", "logit", "probability", "threshold", "contributions", "offset")

    def __init__(self, name: str, logit: float, threshold: float, contributions: list[tuple[str, float, list[str]]],
                 offset: float) -> None:
        self.name, self.logit, self.threshold, self.offset = name, logit, threshold, offset
        self.probability = _sigmoid(logit)
        self.contributions = contributions

    @property
    def yes(self) -> bool:
        return self.probability > self.threshold

    @property
    def margin(self) -> float:
        """Logit distance from the threshold: > 0 says yes, and the larger the surer."""
        return self.logit - _logit(self.threshold)

    def as_dict(self) -> dict:
        return {"probability": round(self.probability, 4), "threshold": round(self.threshold, 4),
                "margin": round(self.margin, 3), "offset": self.offset,
                "top": [{"feature": n, "contribution": round(c, 3), "words": w} for n, c, w in self.contributions[:6]]}


class Estimate:
    __slots__ = ("tier", "sonnet", "opus", "features", "risk", "floors")

    def __init__(self, tier: str, sonnet: Decision, opus: Decision, features: Features, risk: float,
                 floors: list[str] | None = None) -> None:
        self.tier, self.sonnet, self.opus, self.features, self.risk = tier, sonnet, opus, features, risk
        self.floors = floors or []


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def thresholds(prices: dict[str, float], risk: float, penalties: dict[str, float] | None = None) -> dict[str, float]:
    """Decision thresholds from blended $/MTok prices per tier, the failure risk and the policy's
    over-route penalties (see module docstring)."""
    out = {}
    failure = max(risk, 0.0) * prices["sonnet"]
    for decision in DECISIONS:
        cheap, strong = prices[_CHEAPER[decision]], prices[decision]
        waste = max(float((penalties or {}).get(decision, 0.0)), 0.0) * prices["sonnet"]
        t = (strong - cheap + waste) / (strong + failure + waste) if strong + failure + waste > 0 else 0.5
        out[decision] = min(max(t, 0.01), 0.99)
    return out


def score(features: Features, decision: str, weights: dict | None = None, offset: float = 0.0,
          neighbours: tuple[float, list[str]] | None = None) -> tuple[float, list]:
    """The decision's logit and its contributions, largest first; the neighbour vote (when there is
    one) is listed first whatever its size, so --explain always names the nearest training tasks."""
    model = (weights or load_weights())["decisions"][decision]
    w = model["weights"]
    contributions = []
    total = model["bias"] + offset
    for name, value in features.values.items():
        c = w.get(name, 0.0) * value
        if c:
            total += c
            contributions.append((name, c, features.evidence.get(name, [])))
    contributions.sort(key=lambda item: -abs(item[1]))
    if neighbours is not None:
        total += neighbours[0]
        contributions.insert(0, ("neighbours", neighbours[0], neighbours[1]))
    return total, contributions


def neighbour_votes(features: Features, weights: dict) -> dict[str, tuple[float, list[str]]] | None:
    """Per decision, the nearest-neighbour component's contribution to the logit (its vote logit
    times the ensemble scale in weights.json) and the nearest training tasks; None without an index.
    Training passes a fold's own index as weights["_index"]. A task with a file/diff context gets no
    vote: the neighbours match words only, and the context can make the same words bigger work."""
    config = weights.get("neighbours")
    if not config or not any(config["scale"].values()) or has_context(features):
        return None
    index = weights.get("_index") or load_index()
    if index is None or features.normalized is None:
        return None
    logits, near = index.vote(tokens(features.normalized.text, STOPWORDS), config["k"], config["power"], config["alpha"])
    named = [n.describe() for n in near[:3]]
    return {d: (round(config["scale"][d] * logits[d], 4), named) for d in DECISIONS}


def estimate(task: str, context=None, *, prices: dict[str, float] | None = None, risk: float | None = None,
             offsets: dict[str, float] | None = None, weights: dict | None = None,
             features: Features | None = None) -> Estimate:
    """Route `task`: the tier and both decisions with their explanations."""
    weights = weights or load_weights()
    risk = weights["default_risk"] if risk is None else risk
    limits = thresholds(prices or weights["reference_prices"], risk, weights.get("over_route_penalty"))
    features = features or extract(task, context)
    votes = neighbour_votes(features, weights) or {}
    decisions = {}
    for name in DECISIONS:
        offset = float((offsets or {}).get(name, 0.0))
        logit, contributions = score(features, name, weights, offset, votes.get(name))
        decisions[name] = Decision(name, logit, limits[name], contributions, offset)
    tier, floors = decide(features, decisions["sonnet"].yes, decisions["opus"].yes)
    return Estimate(tier, decisions["sonnet"], decisions["opus"], features, risk, floors)


def decide(features: Features, needs_sonnet: bool, needs_opus: bool) -> tuple[str, list[str]]:
    """The tier from the two decisions and the floors (rules) that adjust it."""
    if needs_opus and not planning_evidence(features):
        return "sonnet", ["no planning evidence (design, decision, plan, several systems, hard debugging): "
                          "capped at sonnet"]
    if needs_opus:
        return "opus", []
    if needs_sonnet:
        return "sonnet", []
    if bug_report_floor(features):
        return "sonnet", ["a bug report is never Haiku unless it is plainly a typo: raised to sonnet"]
    if feature_pr_floor(features):
        return "sonnet", ["a pull request or commit that adds a feature is never Haiku: raised to sonnet"]
    return "haiku", []


def has_context(features: Features) -> bool:
    return any(name.startswith("ctx:") for name in features.values)


def planning_evidence(features: Features) -> bool:
    """Opus needs positive evidence of planning-level work; the middle tier is the default."""
    return any(name.startswith(PLANNING_EVIDENCE) for name in features.values)


def bug_report_floor(features: Features) -> bool:
    values = features.values
    report = any(name in values for name in REPORT_EVIDENCE)
    typo_only = "act:typo" in values and "only:simple-actions" in values and "simple:component" not in values
    return report and not typo_only and "scope:content-only" not in values


def feature_pr_floor(features: Features) -> bool:
    """A PR or commit that adds a feature ("feat(search): typo-tolerant matching", "this PR allows X to
    be configured") is feature work whatever its words: the typo guard does not apply."""
    return "pr:feature" in features.values
