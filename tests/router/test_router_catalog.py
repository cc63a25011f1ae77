"""The catalog as data, project overrides, and per-request cost arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner import config as cfg
from buildrunner.errors import ConfigError
from buildrunner.router.catalog import Usage, cost, load_catalog, prices_for


def _conf(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return cfg.load(path)


def test_catalog_has_three_tiers_with_dated_prices():
    cat = load_catalog()
    assert list(cat.tiers) == ["haiku", "sonnet", "opus"]
    for spec in cat.tiers.values():
        assert spec.model_id.startswith("claude-")
        assert spec.prices.output > spec.prices.input > spec.prices.cache_read
        assert spec.prices_checked >= "2026-11-01"
    # cheapest first and each tier covers more than the one before
    assert cat.tiers["haiku"].prices.input < cat.tiers["sonnet"].prices.input < cat.tiers["opus"].prices.input
    # the product policy: Haiku up to simple, Sonnet up to complex, Opus for planning
    assert [cat.tier_for_level(lv) for lv in cat.levels] == ["haiku", "sonnet", "sonnet", "opus"]


def test_resolve_tier_alias_id_and_unknown_id():
    cat = load_catalog()
    assert cat.resolve("HAIKU").tier == "haiku"
    assert cat.resolve("claude-sonnet-5-5").tier == "sonnet"
    assert cat.resolve("sonnet-5.5").model_id == "claude-sonnet-5-5"
    legacy = cat.resolve("claude-opus-4-1")
    assert legacy.model_id == "claude-opus-4-1" and legacy.tier == "opus" and legacy.estimated
    with pytest.raises(ConfigError, match="unknown model 'gpt-4o'"):
        cat.resolve("gpt-4o")


def test_plain_cost_per_request():
    sonnet = load_catalog().tiers["sonnet"]
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000)
    assert cost(sonnet, usage) == pytest.approx(2.00 + 1.00)  # $2/MTok in, $10/MTok out


def test_cache_tokens_are_priced_at_cache_rates():
    sonnet = load_catalog().tiers["sonnet"]
    usage = Usage.from_mapping({"input_tokens": 2_000, "output_tokens": 1_000, "cache_read_input_tokens": 100_000,
                                "cache_creation_input_tokens": 10_000})
    # no 5m/1h split in the usage block: writes billed at the 5-minute rate
    expected = (2_000 * 2.00 + 1_000 * 10.00 + 100_000 * 0.10 + 10_000 * 2.50) / 1e6
    assert cost(sonnet, usage) == pytest.approx(expected)


def test_cache_write_split_uses_one_hour_rate():
    opus = load_catalog().tiers["opus"]
    usage = Usage.from_mapping({"input_tokens": 2_000, "output_tokens": 1_500, "cache_read_input_tokens": 140_000,
                                "cache_creation_input_tokens": 8_000,
                                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 8_000}})
    expected = 2_000 * 4 / 1e6 + 140_000 * 0.20 / 1e6 + 8_000 * 8.0 / 1e6 + 1_500 * 20 / 1e6
    assert cost(opus, usage) == pytest.approx(expected)
    assert cost(opus, usage) == pytest.approx(0.130)


def test_long_context_tier_applies_to_whole_request_above_threshold():
    haiku = load_catalog().tiers["haiku"]
    below = Usage(input_tokens=100_000, output_tokens=1_000)
    above = Usage(input_tokens=60_000, output_tokens=1_000, cache_read_input_tokens=40_001)  # prompt 100,001
    assert prices_for(haiku, below)[1] is False
    assert cost(haiku, below) == pytest.approx((100_000 * 0.10 + 1_000 * 0.50) / 1e6)
    assert prices_for(haiku, above)[1] is True
    assert cost(haiku, above) == pytest.approx((60_000 * 0.50 + 40_001 * 0.05 + 1_000 * 2.50) / 1e6)
    # Sonnet has no long-context premium
    sonnet = load_catalog().tiers["sonnet"]
    assert prices_for(sonnet, Usage(input_tokens=900_000))[1] is False


def test_project_overrides_ids_and_prices(tmp_path):
    conf = _conf(tmp_path, """
model:
  models:
    haiku: claude-haiku-4-5
  prices:
    haiku:
      input: 1.0
      output: 5.0
      long_context:
        threshold_tokens: 50000
        input: 2.0
    sonnet:
      cache_read: 0.3
""")
    cat = load_catalog(conf)
    haiku = cat.tiers["haiku"]
    assert haiku.model_id == "claude-haiku-4-5"
    assert (haiku.prices.input, haiku.prices.output) == (1.0, 5.0)
    assert haiku.prices.cache_read == pytest.approx(0.01)  # untouched fields keep catalog values
    assert haiku.long_context_threshold == 50_000 and haiku.long_context_prices.input == 2.0
    assert cat.tiers["sonnet"].prices.cache_read == 0.3
    assert cat.resolve("claude-haiku-4-5").tier == "haiku"


def test_bad_price_override_names_the_key(tmp_path):
    # validated when the config is read (or set), not when the catalog uses it
    with pytest.raises(ConfigError, match=r"config\.yaml:4: model\.prices\.sonnet\.input must be a price"):
        load_catalog(_conf(tmp_path, "model:\n  prices:\n    sonnet:\n      input: cheap\n"))


def test_price_override_via_config_set(tmp_path):
    path = tmp_path / ".buildrunner" / "config.yaml"
    cfg.set_value(path, "model.prices.opus.output", "30")
    assert load_catalog(cfg.load(path)).tiers["opus"].prices.output == 30.0


_tokens = st.integers(min_value=0, max_value=2_000_000)


@settings(max_examples=200, deadline=None)
@given(inp=_tokens, out=_tokens, read=_tokens, write=_tokens, extra=st.integers(min_value=1, max_value=10_000),
       tier=st.sampled_from(["haiku", "sonnet", "opus"]))
def test_cost_is_non_negative_and_monotonic(inp, out, read, write, extra, tier):
    spec = load_catalog().tiers[tier]
    base = Usage(inp, out, read, write)
    c = cost(spec, base)
    assert c >= 0
    for more in (Usage(inp + extra, out, read, write), Usage(inp, out + extra, read, write),
                 Usage(inp, out, read + extra, write), Usage(inp, out, read, write + extra)):
        assert cost(spec, more) >= c  # more tokens never cost less, across the long-context threshold too
