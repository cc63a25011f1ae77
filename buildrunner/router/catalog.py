"""The model catalog: tiers, model ids, prices per MTok, and per-request cost arithmetic.

The numbers live in `catalog.yaml` (package data); a project overrides ids and prices in
`.buildrunner/config.yaml` (`model.models.<tier>`, `model.prices.<tier>.<field>`, and
`model.prices.<tier>.long_context.<field>`). Cost is always computed from one request's own
`usage` block, so a long-context price tier applies only to the requests that crossed it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from buildrunner.errors import ConfigError

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")
PRICE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
MTOK = 1_000_000


# Plain classes, not dataclasses: generating dataclass methods costs ~1 ms each at import, and
# this module is on the `br model route` path (budget 150 ms).


class Prices:
    """$/MTok for one price row."""

    __slots__ = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")

    def __init__(self, input: float, output: float, cache_write_5m: float, cache_write_1h: float,
                 cache_read: float) -> None:
        self.input, self.output, self.cache_read = input, output, cache_read
        self.cache_write_5m, self.cache_write_1h = cache_write_5m, cache_write_1h

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __repr__(self) -> str:
        return f"Prices({self.as_dict()})"


class ModelSpec:
    """One tier of the catalog (or an unknown model id priced like the tier its name suggests)."""

    def __init__(self, tier: str, model_id: str, name: str, prices: Prices, speed: int, ceiling: str,
                 prices_checked: str, long_context_threshold: int | None = None,
                 long_context_prices: Prices | None = None, aliases: tuple[str, ...] = (),
                 estimated: bool = False) -> None:
        self.tier, self.model_id, self.name, self.prices = tier, model_id, name, prices
        self.speed, self.ceiling, self.prices_checked = speed, ceiling, prices_checked
        self.long_context_threshold, self.long_context_prices = long_context_threshold, long_context_prices
        self.aliases = aliases
        self.estimated = estimated  # prices borrowed from the tier because the id is not in the catalog

    def with_id(self, model_id: str) -> ModelSpec:
        """The same tier and prices for another model id (flagged as estimated)."""
        return ModelSpec(self.tier, model_id, model_id, self.prices, self.speed, self.ceiling,
                         self.prices_checked, self.long_context_threshold, self.long_context_prices, (), True)

    def __repr__(self) -> str:
        return f"ModelSpec({self.tier!r}, {self.model_id!r})"


class Usage:
    """Token counts from a Messages API response's `usage` block."""

    def __init__(self, input_tokens: int = 0, output_tokens: int = 0, cache_read_input_tokens: int = 0,
                 cache_creation_input_tokens: int = 0, cache_creation_5m: int | None = None,
                 cache_creation_1h: int | None = None) -> None:
        self.input_tokens, self.output_tokens = input_tokens, output_tokens
        self.cache_read_input_tokens = cache_read_input_tokens
        self.cache_creation_input_tokens = cache_creation_input_tokens
        self.cache_creation_5m = cache_creation_5m  # usage.cache_creation.ephemeral_5m_input_tokens
        self.cache_creation_1h = cache_creation_1h

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Usage:
        data = data or {}

        def n(key: str) -> int:
            value = data.get(key)
            return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

        split = data.get("cache_creation") if isinstance(data.get("cache_creation"), Mapping) else None
        u = cls(n("input_tokens"), n("output_tokens"), n("cache_read_input_tokens"),
                n("cache_creation_input_tokens"))
        if split is not None:
            u.cache_creation_5m = int(split.get("ephemeral_5m_input_tokens") or 0)
            u.cache_creation_1h = int(split.get("ephemeral_1h_input_tokens") or 0)
            if not u.cache_creation_input_tokens:
                u.cache_creation_input_tokens = u.cache_creation_5m + u.cache_creation_1h
        return u

    @property
    def prompt_tokens(self) -> int:
        """What a long-context threshold is compared with: input + cache reads + cache writes."""
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens

    def as_dict(self) -> dict[str, int]:
        out = {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
               "cache_read_input_tokens": self.cache_read_input_tokens,
               "cache_creation_input_tokens": self.cache_creation_input_tokens}
        if self.cache_creation_5m is not None or self.cache_creation_1h is not None:
            out["cache_creation_5m"] = self.cache_creation_5m or 0
            out["cache_creation_1h"] = self.cache_creation_1h or 0
        return out


def prices_for(spec: ModelSpec, usage: Usage) -> tuple[Prices, bool]:
    """The price row that applies to this request, and whether it is the long-context tier."""
    if (spec.long_context_prices is not None and spec.long_context_threshold is not None
            and usage.prompt_tokens > spec.long_context_threshold):
        return spec.long_context_prices, True
    return spec.prices, False


def cost(spec: ModelSpec, usage: Usage) -> float:
    """Dollar cost of one request. Cache writes without a 5m/1h split are billed at the 5m rate."""
    p, _ = prices_for(spec, usage)
    if usage.cache_creation_5m is not None or usage.cache_creation_1h is not None:
        w5, w1 = usage.cache_creation_5m or 0, usage.cache_creation_1h or 0
        rest = max(usage.cache_creation_input_tokens - w5 - w1, 0)
        writes = (w5 + rest) * p.cache_write_5m + w1 * p.cache_write_1h
    else:
        writes = usage.cache_creation_input_tokens * p.cache_write_5m
    total = (usage.input_tokens * p.input + usage.output_tokens * p.output
             + usage.cache_read_input_tokens * p.cache_read + writes)
    return total / MTOK


class Catalog:
    def __init__(self, tiers: dict[str, ModelSpec], levels: tuple[str, ...], fallback: tuple[str, ...],
                 baseline: str, prices_checked: str) -> None:
        self.tiers, self.levels, self.fallback = tiers, levels, fallback
        self.baseline, self.prices_checked = baseline, prices_checked
        self._by_name: dict[str, ModelSpec] = {}
        for tier, spec in self.tiers.items():
            for name in (tier, spec.model_id, *spec.aliases):
                self._by_name.setdefault(name.lower(), spec)

    def resolve(self, name: str) -> ModelSpec:
        """A tier name, alias or model id → its spec. Unknown ids keep their id, priced by family."""
        key = name.strip().lower()
        if key in self._by_name:
            return self._by_name[key]
        for tier, spec in self.tiers.items():
            if tier in key:
                return spec.with_id(name.strip())
        raise ConfigError(f"unknown model {name!r}",
                          hint=f"use one of {', '.join(self.tiers)} or a Claude model id such as "
                               f"{self.tiers[self.baseline].model_id}")

    def for_model_id(self, model_id: str) -> ModelSpec | None:
        """The spec used to price a recorded model id (None if it cannot be priced)."""
        try:
            return self.resolve(model_id)
        except ConfigError:
            return None

    def tier_for_level(self, level: str) -> str:
        """The cheapest tier whose ceiling covers `level` (tiers are listed cheapest first)."""
        rank = self.levels.index(level)
        for tier, spec in self.tiers.items():
            if self.levels.index(spec.ceiling) >= rank:
                return tier
        return list(self.tiers)[-1]

    def level_rank(self, level: str) -> int:
        return self.levels.index(level)


@lru_cache(maxsize=1)
def _raw_catalog() -> dict:
    from buildrunner.config import read_yaml_mapping

    return read_yaml_mapping(CATALOG_PATH)


def _prices(raw: Any, where: str) -> Prices:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping of prices ({', '.join(PRICE_FIELDS)})")
    values = {}
    for name in PRICE_FIELDS:
        value = raw.get(name)
        if name == "cache_write_1h" and value is None and isinstance(raw.get("input"), (int, float)):
            value = raw["input"] * 2  # Anthropic's published multiplier, when only input is given
        if name == "cache_write_5m" and value is None and isinstance(raw.get("input"), (int, float)):
            value = raw["input"] * 1.25
        if name == "cache_read" and value is None and isinstance(raw.get("input"), (int, float)):
            value = raw["input"] * 0.1
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{where}.{name}: expected a non-negative number of $/MTok, got {value!r}")
        values[name] = float(value)
    return Prices(**values)


def _merge(base: dict, override: Mapping) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_catalog(config: Any = None) -> Catalog:
    """The packaged catalog with the project's `model.models` / `model.prices` overrides applied."""
    raw = _raw_catalog()
    models = (config.get("model.models") if config is not None else None) or {}
    prices = (config.get("model.prices") if config is not None else None) or {}
    levels = tuple(raw.get("levels") or ("simple", "medium", "complex", "planning"))
    tiers: dict[str, ModelSpec] = {}
    for tier, entry in (raw.get("tiers") or {}).items():
        where = f"model.prices.{tier}"
        price_raw = dict(entry.get("prices") or {})
        long_raw = copy.deepcopy(entry.get("long_context"))
        override = prices.get(tier) if isinstance(prices, Mapping) else None
        if override is not None:
            if not isinstance(override, Mapping):
                raise ConfigError(f"{where}: expected a mapping such as {{input: 2.0, output: 10.0}}")
            override = dict(override)
            long_override = override.pop("long_context", None)
            price_raw = _merge(price_raw, override)
            if long_override is not None:
                if not isinstance(long_override, Mapping):
                    raise ConfigError(f"{where}.long_context: expected a mapping")
                long_override = dict(long_override)
                threshold = long_override.pop("threshold_tokens", None)
                long_raw = long_raw or {"threshold_tokens": None, "prices": {}}
                if threshold is not None:
                    long_raw["threshold_tokens"] = threshold
                long_raw["prices"] = _merge(long_raw.get("prices") or {}, long_override)
        model_id = models.get(tier) if isinstance(models, Mapping) else None
        ceiling = entry.get("ceiling", levels[-1])
        if ceiling not in levels:
            raise ConfigError(f"{CATALOG_PATH}: tier {tier}: ceiling {ceiling!r} is not one of {', '.join(levels)}")
        threshold = long_raw.get("threshold_tokens") if long_raw else None
        if long_raw and (not isinstance(threshold, int) or threshold <= 0):
            raise ConfigError(f"{where}.long_context.threshold_tokens: expected a positive integer, got {threshold!r}")
        tiers[tier] = ModelSpec(
            tier=tier, model_id=str(model_id or entry["model_id"]), name=str(entry.get("name", tier)),
            prices=_prices(price_raw, where), speed=int(entry.get("speed", 3)), ceiling=ceiling,
            prices_checked=str(entry.get("prices_checked") or raw.get("prices_checked", "")),
            long_context_threshold=threshold,
            long_context_prices=_prices(long_raw.get("prices"), f"{where}.long_context") if long_raw else None,
            aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        )
    fallback = tuple(raw.get("fallback") or tiers)
    return Catalog(tiers=tiers, levels=levels, fallback=fallback, baseline=str(raw.get("baseline", "sonnet")),
                   prices_checked=str(raw.get("prices_checked", "")))
