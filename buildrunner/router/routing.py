"""Choosing a model for a task: `select_model` and the fallback chain.

Order of precedence: a per-call `--model` override, then `model.routing: manual` (always
`model.default`), then automatic routing (the cheapest tier whose catalog `ceiling` covers the
estimated complexity). The complexity is estimated in every mode, so usage stats can say which kinds
of task went where. Nothing here imports the anthropic SDK (`br model route` stays fast).
"""

from __future__ import annotations

from typing import Any

from buildrunner.router.catalog import Catalog, ModelSpec, load_catalog
from buildrunner.router.complexity import Complexity, TaskContext, estimate_complexity


class Selection:
    """The chosen model, why, and what to fall back to (spec first in `chain`)."""

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
        return {
            "model": self.spec.model_id, "tier": self.spec.tier, "name": self.spec.name, "mode": self.mode,
            "complexity": self.complexity.level, "task_type": self.complexity.task_type,
            "reasons": self.reasons + self.complexity.reasons,
            "fallback_chain": [s.model_id for s in self.chain[1:]],
            "prices_per_mtok": {"input": self.spec.prices.input, "output": self.spec.prices.output},
            "prices_estimated": self.spec.estimated,
        }


def select_model(task: str, context: TaskContext | None = None, config: Any = None,
                 override: str | None = None, catalog: Catalog | None = None) -> Selection:
    """The model for `task` under the project's routing settings (see module docstring)."""
    catalog = catalog or load_catalog(config)
    complexity = estimate_complexity(task, context)
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
