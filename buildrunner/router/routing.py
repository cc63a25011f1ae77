"""Choosing a model for a task: `select_model` and the fallback chain.

Order of precedence: a per-call `--model` override, then `model.routing: manual` (always
`model.default`), then automatic routing: the learned estimator's tier (estimator.py), which follows
the catalog's policy (Haiku up to `simple`, Sonnet up to `complex`, Opus for `planning`), with
thresholds from the catalog's prices and `model.risk`, and the project's tuned offsets
(`br model tune`). The complexity is estimated in every mode, so usage stats can say which kinds of
task went where. Nothing here imports the anthropic SDK (`br model route` stays fast).

Callers (the CLI, orchestration) use::

    select_model(task, context=None, config=None, override=None, catalog=None, *, files=None,
                 root=None, offsets=None)

`files` is a list of paths the task touches (turned into a TaskContext relative to `root`);
`offsets` are per-decision logit offsets (default: none; the CLI passes the project's).
"""

from __future__ import annotations

from typing import Any

from buildrunner.router.catalog import Catalog, ModelSpec, load_catalog
from buildrunner.router.complexity import Complexity, TaskContext, estimate_complexity


class Selection:
    """The chosen model, why, and what to fall back to (spec first in `chain`)."""

    route_id: str | None = None  # set when the route is recorded (outcomes.record_route)

    def __init__(self, spec: ModelSpec, mode: str, complexity: Complexity, chain: list[ModelSpec] | None = None,
                 reasons: list[str] | None = None) -> None:
        self.spec = spec
        self.mode = mode  # "auto" | "manual" | "override"
        self.complexity = complexity
        self.chain = chain or [spec]
        self.reasons = reasons or []

    @property
    def tier(self) -> str:
        return self.spec.tier

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    def as_dict(self) -> dict[str, Any]:
        est = self.complexity.estimate
        data = {
            "route_id": self.route_id,
            "model": self.spec.model_id, "tier": self.spec.tier, "name": self.spec.name, "mode": self.mode,
            "complexity": self.complexity.level, "task_type": self.complexity.task_type,
            "reasons": self.reasons + self.complexity.reasons,
            "fallback_chain": [s.model_id for s in self.chain[1:]],
            "prices_per_mtok": {"input": self.spec.prices.input, "output": self.spec.prices.output},
            "prices_estimated": self.spec.estimated,
        }
        if est is not None:
            data["decisions"] = {"needs_sonnet": est.sonnet.as_dict(), "needs_opus": est.opus.as_dict()}
            data["risk"] = est.risk
        return data


def blended_prices(catalog: Catalog) -> dict[str, float]:
    """Input + output $/MTok per tier: what the decision thresholds weigh."""
    return {tier: spec.prices.input + spec.prices.output for tier, spec in catalog.tiers.items()}


def select_model(task: str, context: TaskContext | None = None, config: Any = None,
                 override: str | None = None, catalog: Catalog | None = None, *, files: list | None = None,
                 root: Any = None, offsets: dict[str, float] | None = None) -> Selection:
    """The model for `task` under the project's routing settings (see module docstring)."""
    catalog = catalog or load_catalog(config)
    if context is None and files:
        context = TaskContext.from_paths(list(files), root=root)
    risk = _get(config, "model.risk", None)
    complexity = estimate_complexity(task, context, prices=blended_prices(catalog),
                                     risk=None if risk is None else float(risk), offsets=offsets)
    routing = _get(config, "model.routing", "auto")
    if override:
        spec = catalog.resolve(override)
        mode, reasons = "override", [f"--model {override} overrides routing"]
    elif routing == "manual":
        default = _get(config, "model.default", "sonnet")
        spec = _resolve_setting(catalog, "model.default", default)
        mode, reasons = "manual", [f"model.routing is manual: model.default = {default}"]
    else:
        tier = catalog.tier_for_level(complexity.level)
        spec = catalog.tiers[tier]
        mode = "auto"
        reasons = [f"{complexity.level} task → {tier} (cheapest tier whose ceiling covers {complexity.level})"]
        if complexity.estimate is not None:
            reasons += complexity.estimate.floors
    return Selection(spec=spec, mode=mode, complexity=complexity, chain=fallback_chain(spec, config, catalog),
                     reasons=reasons)


def fallback_chain(first: ModelSpec, config: Any, catalog: Catalog) -> list[ModelSpec]:
    """`first`, then `model.fallback` (or the catalog's default: Sonnet, then the other tiers), no repeats."""
    configured = _get(config, "model.fallback", []) or list(catalog.fallback)
    chain, seen = [first], {first.model_id}
    for name in configured:
        spec = _resolve_setting(catalog, "model.fallback", str(name))
        if spec.model_id not in seen:
            chain.append(spec)
            seen.add(spec.model_id)
    return chain


def _resolve_setting(catalog: Catalog, key: str, name: str) -> ModelSpec:
    """`catalog.resolve` for a configured name: an unknown one names the setting to fix."""
    from buildrunner.errors import ConfigError

    try:
        return catalog.resolve(name)
    except ConfigError as exc:
        raise ConfigError(f"{key} in the config: {exc.message}", hint=f"`br config set {key} ...`: {exc.hint}") from None


def _get(config: Any, key: str, default: Any) -> Any:
    if config is None:
        return default
    value = config.get(key)
    return default if value is None else value
