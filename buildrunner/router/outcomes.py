"""Learning from outcomes: route ids, the route/outcome ledger, and per-project tuning.

Every automatic route gets an id (`r` + 8 hex digits) printed by `br model route|run`. Routes and
their outcomes are appended to `.buildrunner/usage/routes.jsonl` (recorded whatever the telemetry
setting, like the cost ledger; also handed to telemetry as `model_route` / `model_outcome` events).
A route line holds the task's fingerprint (a hash of its normalised wording, never the text), the
tier, and the two decisions' logits *before* project offsets, so tuning can re-decide old routes.

Outcomes:
    ok / failed        the user's verdict: `br model outcome ID ok|failed`
    escalated          the same task (same fingerprint) run again with a stronger `--model` within a day
    overridden_down    the same task run again with a weaker `--model` within a day

What an outcome says about the tier the task needed: `ok` on T means T was enough; `failed` or
`escalated` on T means more than T was needed; `overridden_down` to T' means the user judged T'
enough. `br model tune` turns these into labels of the two decisions (needs Sonnet, needs Opus) and
fits one offset per decision (see `tune`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
from pathlib import Path
from typing import Any

from buildrunner.fsutil import parse_iso, utc_now_iso

LEDGER = Path("usage") / "routes.jsonl"
TUNING = Path("router") / "tuning.json"
ORDER = {"haiku": 0, "sonnet": 1, "opus": 2}
OUTCOMES = ("ok", "failed", "escalated", "overridden_down")
ESCALATION_WINDOW_S = 24 * 3600
MIN_OUTCOMES = 50
OFFSET_GRID = [x / 4 for x in range(-12, 13)]  # -3 .. +3 in steps of 0.25


def ledger_path(project) -> Path:
    return project.br_dir / LEDGER


def tuning_path(project) -> Path:
    return project.br_dir / TUNING


def fingerprint(normalized_text: str) -> str:
    """Same task, same fingerprint: hash of the lower-cased normalised prose (not the raw text)."""
    return hashlib.sha256(" ".join(normalized_text.lower().split()).encode("utf-8")).hexdigest()[:16]


_ID_LETTERS = "bcdfghjklmnpqrstvwxz"  # consonants: an id never spells a word


def new_route_id() -> str:
    """`r` + 8 random consonants (20^8 ids). Letters only, so telemetry's privacy filter sees a
    vocabulary-shaped string and does not load the secret masker (~30 ms) on the route path; the
    event has no free text to mask. Ids of older ledgers (`r` + 8 hex digits) stay valid."""
    return "r" + "".join(secrets.choice(_ID_LETTERS) for _ in range(8))


def _append(project, event: dict[str, Any]) -> None:
    path = ledger_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    _to_telemetry(project, event)


def _to_telemetry(project, event: dict[str, Any]) -> None:
    try:
        from buildrunner import telemetry

        kind = "model_route" if event["event"] == "route" else "model_outcome"
        data = {k: v for k, v in event.items() if k in ("id", "tier", "mode", "outcome", "source", "complexity")}
        telemetry.record(kind, project=project, **data)
    except Exception:  # noqa: BLE001 — telemetry never changes a command's result
        return


def read(project) -> tuple[list[dict], list[dict], int]:
    """(routes, outcomes, unreadable lines), oldest first."""
    routes, outcomes, bad = [], [], 0
    try:
        raw_lines = ledger_path(project).read_bytes().splitlines()
    except FileNotFoundError:
        return routes, outcomes, 0
    for raw in raw_lines:
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
            event["_t"] = parse_iso(event["ts"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            bad += 1
            continue
        if event.get("event") == "route" and event.get("tier") in ORDER and isinstance(event.get("logits"), dict):
            routes.append(event)
        elif event.get("event") == "outcome" and event.get("outcome") in OUTCOMES:
            outcomes.append(event)
        else:
            bad += 1
    return routes, outcomes, bad


def record_route(project, selection, *, command: str, now: float | None = None) -> str:
    """Append a route (and any escalation / override it reveals about an earlier route); its id."""
    now = time.time() if now is None else now
    est = selection.complexity.estimate
    route_id = new_route_id()
    fp = fingerprint(est.features.normalized.text if est is not None else "")
    event = {"event": "route", "id": route_id, "ts": utc_now_iso(now), "fingerprint": fp,
             "tier": selection.tier, "mode": selection.mode, "command": command,
             "complexity": selection.complexity.level,
             "logits": {d.name: round(d.logit - d.offset, 4) for d in (est.sonnet, est.opus)} if est else {},
             "risk": est.risk if est else None}
    if selection.mode == "override":
        _detect_rerun(project, fp, selection.tier, now)
    _append(project, event)
    return route_id


def _detect_rerun(project, fp: str, tier: str, now: float) -> None:
    """A stronger/weaker `--model` on a task routed automatically within a day: an outcome for it."""
    if tier not in ORDER:
        return
    routes, outcomes, _ = read(project)
    earlier = [r for r in routes if r["fingerprint"] == fp and r.get("mode") == "auto"
               and now - r["_t"] <= ESCALATION_WINDOW_S]
    if not earlier:
        return
    last = earlier[-1]
    if any(o["id"] == last["id"] and o["outcome"] in ("escalated", "overridden_down") for o in outcomes):
        return
    if ORDER[tier] > ORDER[last["tier"]]:
        record_outcome(project, last["id"], "escalated", tier=tier, source="rerun", now=now)
    elif ORDER[tier] < ORDER[last["tier"]]:
        record_outcome(project, last["id"], "overridden_down", tier=tier, source="rerun", now=now)


def record_outcome(project, route_id: str, outcome: str, *, tier: str | None = None, source: str = "user",
                   now: float | None = None) -> dict:
    """Append an outcome for `route_id`; raises BrError for an unknown id or outcome."""
    from buildrunner.errors import BrError

    if outcome not in OUTCOMES:
        raise BrError(f"unknown outcome {outcome!r}", hint="ok | failed")
    routes, _, _ = read(project)
    route = next((r for r in reversed(routes) if r["id"] == route_id), None)
    if route is None:
        raise BrError(f"no route with id {route_id!r} in {ledger_path(project)}",
                      hint="route ids are printed by `br model route` and `br model run` (e.g. r3f9a0c12)")
    event = {"event": "outcome", "id": route_id, "ts": utc_now_iso(now), "outcome": outcome,
             "tier": tier or route["tier"], "source": source}
    _append(project, event)
    return event


# --- tuning -------------------------------------------------------------------------------------------


def labelled_routes(routes: list[dict], outcomes: list[dict]) -> list[dict]:
    """Routes with a verdict, oldest first: each with `y` per decision (1 needs it, 0 not, absent unknown)."""
    by_id = {r["id"]: r for r in routes}
    bounds: dict[str, list] = {}
    for o in outcomes:
        route = by_id.get(o["id"])
        if route is None:
            continue
        lo, hi = bounds.setdefault(o["id"], [0, 2])
        tier = ORDER.get(o.get("tier") or route["tier"], ORDER[route["tier"]])
        if o["outcome"] in ("ok", "overridden_down"):
            hi = min(hi, tier)
        else:  # failed, escalated: the tier used was not enough
            lo = max(lo, tier + 1 if o["outcome"] == "failed" else ORDER[route["tier"]] + 1)
        bounds[o["id"]] = [lo, hi]
    rows = []
    for route_id, (lo, hi) in bounds.items():
        if lo > hi:  # contradictory verdicts: skip
            continue
        route = by_id[route_id]
        y = {}
        if lo >= 1:
            y["sonnet"] = 1
        elif hi == 0:
            y["sonnet"] = 0
        if lo >= 2:
            y["opus"] = 1
        elif hi <= 1:
            y["opus"] = 0
        if y:
            rows.append({"id": route_id, "t": route["_t"], "logits": route["logits"], "y": y})
    rows.sort(key=lambda r: r["t"])
    return rows


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, x))))


def _fit_offset(rows: list[dict], decision: str, l2: float = 0.05) -> float:
    """The grid offset with the lowest mean log-loss (+ a pull towards 0) on `rows`' labels."""
    data = [(r["logits"][decision], r["y"][decision]) for r in rows if decision in r["y"] and decision in r["logits"]]
    if not data:
        return 0.0

    def loss(offset: float) -> float:
        total = 0.0
        for logit, y in data:
            p = min(max(_sigmoid(logit + offset), 1e-9), 1 - 1e-9)
            total -= math.log(p) if y else math.log(1 - p)
        return total / len(data) + l2 * offset * offset

    return min(OFFSET_GRID, key=lambda o: (loss(o), abs(o)))


def _rates(rows: list[dict], offsets: dict[str, float], limits: dict[str, float]) -> dict[str, float]:
    """Under- and over-routing of `rows` (by their labels) when decided with `offsets`."""
    under = over = n = 0
    for r in rows:
        for decision, y in r["y"].items():
            if decision not in r["logits"]:
                continue
            n += 1
            yes = _sigmoid(r["logits"][decision] + offsets.get(decision, 0.0)) > limits[decision]
            under += y == 1 and not yes
            over += y == 0 and yes
    return {"under": under / n if n else 0.0, "over": over / n if n else 0.0, "n": n}


def tune(routes: list[dict], outcomes: list[dict], current: dict[str, float], limits: dict[str, float],
         *, min_outcomes: int = MIN_OUTCOMES, split: float = 0.7) -> dict[str, Any]:
    """Fit per-project offsets on the older `split` of labelled routes, validate on the newer rest.

    Refused (accepted False, with a reason) when there are fewer than `min_outcomes` labelled routes
    or when the new offsets route more of the validation tasks too low than the current ones do.
    """
    rows = labelled_routes(routes, outcomes)
    result: dict[str, Any] = {"labelled": len(rows), "current": dict(current), "accepted": False}
    if len(rows) < min_outcomes:
        result["reason"] = f"{len(rows)} routes with an outcome; tuning needs at least {min_outcomes}"
        return result
    cut = int(len(rows) * split)
    train, valid = rows[:cut], rows[cut:]
    proposed = {d: _fit_offset(train, d) for d in ("sonnet", "opus")}
    before, after = _rates(valid, current, limits), _rates(valid, proposed, limits)
    result.update(proposed=proposed, train=len(train), validation=len(valid), before=before, after=after)
    if after["under"] > before["under"]:
        result["reason"] = (f"refused: under-routing on the newest {len(valid)} outcomes would rise from "
                            f"{before['under']:.1%} to {after['under']:.1%}")
    elif proposed == {d: current.get(d, 0.0) for d in proposed}:
        result["reason"] = "no change: the current offsets already fit the outcomes best"
    else:
        result["accepted"] = True
        result["reason"] = (f"validated on the newest {len(valid)} outcomes: under-routing {before['under']:.1%} → "
                            f"{after['under']:.1%}, over-routing {before['over']:.1%} → {after['over']:.1%}")
    return result


def load_offsets(project) -> dict[str, float]:
    if project is None:
        return {}
    try:
        data = json.loads(tuning_path(project).read_text(encoding="utf-8"))
        return {k: float(v) for k, v in data.get("offsets", {}).items() if k in ("sonnet", "opus")}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def save_offsets(project, offsets: dict[str, float], note: str) -> None:
    """Write new offsets, keeping the previous ones in `history` for `br model tune --revert`."""
    from buildrunner.fsutil import atomic_write_json

    path = tuning_path(project)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    history = list(data.get("history", []))
    if "offsets" in data:
        history.append({"offsets": data["offsets"], "ts": data.get("ts"), "note": data.get("note", "")})
    atomic_write_json(path, {"offsets": offsets, "ts": utc_now_iso(), "note": note, "history": history[-20:]})


def revert_offsets(project) -> dict[str, float] | None:
    """Restore the offsets before the last tune; None when there is nothing to revert."""
    from buildrunner.fsutil import atomic_write_json

    path = tuning_path(project)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    history = list(data.get("history", []))
    if not history and not data.get("offsets"):
        return None
    previous = history.pop() if history else {"offsets": {}, "ts": None, "note": "built-in weights"}
    atomic_write_json(path, {"offsets": previous["offsets"], "ts": utc_now_iso(), "note": "reverted",
                             "history": history})
    return previous["offsets"]


def outcome_summary(routes: list[dict], outcomes: list[dict]) -> dict[str, dict[str, int]]:
    """Per routed tier: routes, and how many were ok, failed, escalated, overridden down."""
    by_id = {r["id"]: r for r in routes}
    summary = {t: {"routes": 0, "ok": 0, "failed": 0, "escalated": 0, "overridden_down": 0} for t in ORDER}
    for r in routes:
        if r.get("mode") == "auto":
            summary[r["tier"]]["routes"] += 1
    seen: set[tuple[str, str]] = set()
    for o in outcomes:
        route = by_id.get(o["id"])
        if route is None or route.get("mode") != "auto" or (o["id"], o["outcome"]) in seen:
            continue
        seen.add((o["id"], o["outcome"]))
        summary[route["tier"]][o["outcome"]] += 1
    return summary
