"""`br model stats`: cost per model, the all-Sonnet baseline, savings, latency and recommendations.

Cost is the `cost_usd` recorded with each request (the prices of the day it ran); the baseline
re-prices the same tokens (input, output, cache reads and writes) at the current Sonnet prices.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import Any

from buildrunner.errors import BrError
from buildrunner.router.catalog import Catalog, ModelSpec, Usage, cost
from buildrunner.router.outcomes import outcome_summary

_PERIOD = re.compile(r"^(\d+)([hdw])$")
MIN_SAMPLES = 3


def parse_period(period: str, now: float | None = None) -> float | None:
    """`7d` / `30d` / `24h` / `2w` → the UNIX time it starts; `all` → None."""
    text = (period or "all").strip().lower()
    if text == "all":
        return None
    m = _PERIOD.match(text)
    if not m or int(m.group(1)) == 0:
        raise BrError(f"invalid --period {period!r}", hint="use 7d, 30d, all (or N followed by h, d or w)")
    seconds = int(m.group(1)) * {"h": 3600, "d": 86400, "w": 7 * 86400}[m.group(2)]
    return (time.time() if now is None else now) - seconds


def usage_of(event: dict[str, Any]) -> Usage:
    data = {k: event.get(k) for k in ("input_tokens", "output_tokens", "cache_read_input_tokens",
                                      "cache_creation_input_tokens")}
    if "cache_creation_5m" in event or "cache_creation_1h" in event:
        data["cache_creation"] = {"ephemeral_5m_input_tokens": event.get("cache_creation_5m") or 0,
                                  "ephemeral_1h_input_tokens": event.get("cache_creation_1h") or 0}
    return Usage.from_mapping(data)


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def compute(events: list[dict[str, Any]], catalog: Catalog, *, period: str = "all",
            corrupt_lines: int = 0, routes: list[dict] | None = None,
            outcomes: list[dict] | None = None) -> dict[str, Any]:
    """The report. `routes`/`outcomes` (router.outcomes.read) are what tasks turned out to need:
    recommendations are drawn from them, never from API success (a call that returned is not a
    task that was done well)."""
    baseline_spec = catalog.tiers[catalog.baseline]
    per_model: dict[str, dict[str, Any]] = {}
    total_cost = baseline_cost = 0.0
    fallbacks = 0
    for e in events:
        model = e["model"]
        row = per_model.setdefault(model, {"model": model, "tier": e.get("tier") or _tier_of(catalog, model),
                                           "tasks": 0, "succeeded": 0, "cost_usd": 0.0, "_latency": []})
        row["tasks"] += 1
        row["succeeded"] += 1 if e.get("success") else 0
        c = _num(e.get("cost_usd"))
        row["cost_usd"] += c
        total_cost += c
        baseline_cost += cost(baseline_spec, usage_of(e))
        if e.get("success") and _num(e.get("duration_ms")) > 0:
            row["_latency"].append(_num(e.get("duration_ms")))
        fallbacks += 1 if e.get("fallback") else 0
    tasks = len(events)
    models = []
    for row in sorted(per_model.values(), key=lambda r: (-r["cost_usd"], -r["tasks"], r["model"])):
        lat = row.pop("_latency")
        row["share_tasks_pct"] = round(100 * row["tasks"] / tasks, 1) if tasks else 0.0
        row["share_cost_pct"] = round(100 * row["cost_usd"] / total_cost, 1) if total_cost else 0.0
        row["avg_cost_per_task_usd"] = round(row["cost_usd"] / row["tasks"], 8) if row["tasks"] else 0.0
        row["cost_usd"] = round(row["cost_usd"], 8)
        row["avg_latency_ms"] = round(sum(lat) / len(lat), 1) if lat else None
        models.append(row)
    timed = [r for r in models if r["avg_latency_ms"] is not None]
    savings = baseline_cost - total_cost
    return {
        "period": period,
        "tasks": tasks,
        "succeeded": sum(1 for e in events if e.get("success")),
        "total_cost_usd": round(total_cost, 8),
        "baseline": {"tier": catalog.baseline, "model": baseline_spec.model_id, "cost_usd": round(baseline_cost, 8)},
        "savings_usd": round(savings, 8),
        "savings_pct": round(100 * savings / baseline_cost, 1) if baseline_cost else 0.0,
        "models": models,
        "fastest": min(timed, key=lambda r: r["avg_latency_ms"])["model"] if timed else None,
        "slowest": max(timed, key=lambda r: r["avg_latency_ms"])["model"] if timed else None,
        "fallbacks": fallbacks,
        "corrupt_lines": corrupt_lines,
        "outcomes": outcome_summary(routes or [], outcomes or []),
        "recommendations": recommendations(events, catalog, routes or [], outcomes or []),
    }


def _tier_advice(summary: dict[str, dict[str, int]]) -> list[str]:
    out = []
    for tier, row in summary.items():
        verdicts = row["ok"] + row["failed"] + row["escalated"] + row["overridden_down"]
        if verdicts < MIN_VERDICTS:
            continue
        short = row["failed"] + row["escalated"]
        if tier != "opus" and short / verdicts >= 0.2:
            out.append(f"{short} of {verdicts} tasks routed to {tier.capitalize()} failed or were re-run on a stronger "
                       f"model: `br model tune` (or raise model.risk) to route such tasks up")
        if tier != "haiku" and row["overridden_down"] / verdicts >= 0.3:
            out.append(f"{row['overridden_down']} of {verdicts} tasks routed to {tier.capitalize()} were re-run on a "
                       f"cheaper model: `br model tune` (or lower model.risk) to route such tasks down")
    return out


def _tier_of(catalog: Catalog, model: str) -> str:
    spec = catalog.for_model_id(model)
    return spec.tier if spec else "unknown"


def _spec(catalog: Catalog, tier: str) -> ModelSpec | None:
    return catalog.tiers.get(tier)


def task_verdicts(outcomes: list[dict]) -> dict[str, str]:
    """route id -> "ok" | "failed": the last verdict on the task (an override down says the routed
    model was more than enough; an escalation, that it was not)."""
    verdicts = {}
    for o in outcomes:
        verdicts[o["id"]] = "ok" if o["outcome"] in ("ok", "overridden_down") else "failed"
    return verdicts


MIN_VERDICTS = 5


def recommendations(events: list[dict[str, Any]], catalog: Catalog, routes: list[dict] | None = None,
                    outcomes: list[dict] | None = None) -> list[str]:
    """Advice drawn from task outcomes: where routing spends more (or less) than the results justify."""
    out: list[str] = []
    verdicts = task_verdicts(outcomes or [])
    by_type: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for e in events:
        if verdicts.get(e.get("route_id") or ""):
            by_type[e.get("task_type") or "general"][e.get("tier") or _tier_of(catalog, e["model"])].append(e)
    haiku = _spec(catalog, "haiku")
    for task_type, tiers in sorted(by_type.items()):
        on_haiku = tiers.get("haiku", [])
        ok = sum(1 for e in on_haiku if verdicts[e["route_id"]] == "ok")
        bigger = [e for t, es in tiers.items() if t not in ("haiku",) for e in es if verdicts[e["route_id"]] == "ok"]
        if haiku and len(on_haiku) >= MIN_SAMPLES and ok == len(on_haiku) and len(bigger) >= MIN_SAMPLES:
            spent = sum(_num(e.get("cost_usd")) for e in bigger)
            would = sum(cost(haiku, usage_of(e)) for e in bigger)
            names = ", ".join(sorted({e.get("tier") or "?" for e in bigger}))
            out.append(f"'{task_type}' tasks were done well on Haiku {ok}/{len(on_haiku)} times, yet {len(bigger)} ran "
                       f"on {names} (${spent:.4f}); on Haiku they would have cost about ${would:.4f}: "
                       f"use `br model run --model haiku` for them")
        failed = len(on_haiku) - ok
        if len(on_haiku) >= MIN_SAMPLES and failed / len(on_haiku) >= 0.25:
            out.append(f"'{task_type}' tasks failed on Haiku {failed}/{len(on_haiku)} times: "
                       f"route them to Sonnet (`--model sonnet`)")
    out += _tier_advice(outcome_summary(routes or [], outcomes or []))
    per_model: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        for model in e.get("fallback_from") or []:
            per_model[model].append(e)
    for model, es in sorted(per_model.items()):
        calls = sum(1 for e in events if e["model"] == model) + len(es)
        if len(es) >= MIN_SAMPLES and len(es) / calls >= 0.2:
            tier = _tier_of(catalog, model)
            out.append(f"{model} needed a fallback in {len(es)} of {calls} calls: check the id "
                       f"(`br config set model.models.{tier} <id>`) or status.anthropic.com")
    manual_simple = [e for e in events if e.get("routing") == "manual" and e.get("complexity") == "simple"
                     and e.get("tier") not in (None, "haiku") and e.get("success")]
    if haiku and len(manual_simple) >= MIN_SAMPLES:
        spent = sum(_num(e.get("cost_usd")) for e in manual_simple)
        would = sum(cost(haiku, usage_of(e)) for e in manual_simple)
        out.append(f"{len(manual_simple)} simple tasks ran on bigger models under manual routing (${spent:.4f}); "
                   f"`br config set model.routing auto` would have sent them to Haiku (about ${would:.4f})")
    return out
