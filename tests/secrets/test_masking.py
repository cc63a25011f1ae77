"""The masker is driven by the same rules as detection: whatever is detected is masked."""

from __future__ import annotations

import json

import pytest

from buildrunner.engine import masking
from buildrunner.engine.masking import mask_config_value, mask_value, sanitize_text
from buildrunner.engine.model import Document
from buildrunner.engine.rules import builtin_pack_paths, load_pack
from buildrunner.engine.secrets import SecretMatcher

ALL_SECRET_RULES = [r for p in builtin_pack_paths() if p.stem == "secrets" for r in load_pack(p).rules]
# `paths:` rules (keystores) report a file by name: there is no value in the text to mask
SECRET_RULES = [r for r in ALL_SECRET_RULES if not r.spec.get("paths")]


def test_mask_value_keeps_first_and_last_four():
    assert mask_value("sk-ant-api03-abcdefghijklmnop9xAA") == "sk-a…9xAA"
    assert mask_value("short") == "*****"
    assert mask_value("exactly12chr") == "********"
    assert mask_value("") == "" and mask_value(None) == ""


def test_every_match_example_comes_out_masked():
    """Detection and masking never disagree: each rule's detected values are masked by sanitize_text."""
    survivors = []
    for rule in SECRET_RULES:
        matcher = SecretMatcher([rule])
        for example in rule.examples.match:
            spans = matcher.spans(Document(path="example.txt", text=example))
            assert spans, f"{rule.id}: example no longer matches"
            cleaned = sanitize_text(example)
            survivors += [f"{rule.id}: {example[s:s + 12]}…" for _c, _ls, s, e in spans if example[s:e] in cleaned]
    assert not survivors, "\n".join(survivors)


def test_sanitize_text_leaves_clean_text_alone():
    text = "Deployed build 4b825dc6 to prod; token budget 3000; see https://example.com/docs?x=1"
    assert sanitize_text(text) is text or sanitize_text(text) == text
    assert sanitize_text("") == ""


def test_sanitize_text_masks_url_passwords_any_scheme():
    out = sanitize_text("retrying ftp://deploy:Zq8Xv2Lr5Tn9@files.internal/pub and svn+ssh://u:Pq7Wm3Xc9Vb1@svn.internal/r")
    assert "Zq8Xv2Lr5Tn9" not in out and "Pq7Wm3Xc9Vb1" not in out
    assert "ftp://deploy:" in out and "@files.internal/pub" in out


def test_sanitize_text_masks_multiple_secrets_in_one_message():
    ghp = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"
    aws = "AKIAQ3ZRXTN5WP2XK7LD"
    out = sanitize_text(f"error: push with {ghp} failed; aws id {aws} denied")
    assert ghp not in out and aws not in out
    assert out.startswith("error: push with ghp_…") and "failed; aws id AK…LD" in out


def test_mask_config_value_by_key_and_by_value():
    assert mask_config_value("model.api_key", "plain-value-123456") == "pl…56"
    assert mask_config_value("model.max_tokens", 4096) == 4096
    assert mask_config_value("model.default", "sonnet") == "sonnet"
    ant = "sk-ant-api03-" + "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0Ja" * 2 + "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs" + "AA"
    assert len(ant) == 13 + 93 + 2
    assert ant not in mask_config_value("notes.comment", f"key={ant}")


def test_masker_survives_a_corrupt_cache_and_rewrites_it(monkeypatch, tmp_path):
    from buildrunner.engine import secrets

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "buildrunner" / "secret-rules.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    rules = secrets.builtin_secret_rules()
    assert len(rules) == len(ALL_SECRET_RULES)
    assert json.loads(cache.read_text())["rules"][0]["id"] == rules[0].id
    again = secrets.builtin_secret_rules()  # served from the cache now
    assert [r.id for r in again] == [r.id for r in rules] and again[0].spec == rules[0].spec


def test_masker_works_when_the_cache_dir_is_unwritable(monkeypatch, tmp_path):
    from buildrunner.engine import secrets

    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(masking, "_matcher", None)
    assert len(secrets.builtin_secret_rules()) == len(ALL_SECRET_RULES)
    assert "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W" not in sanitize_text("t=ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W")


def test_keyword_cache_is_rebuilt_when_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(masking, "_matcher", None)
    monkeypatch.setattr(masking, "_prefilter", None)
    ghp = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"
    assert ghp not in sanitize_text(f"token {ghp}")
    keywords = tmp_path / "buildrunner" / masking.KEYWORDS_NAME
    assert "ghp_" in json.loads(keywords.read_text())["keywords"]
    keywords.unlink()
    monkeypatch.setattr(masking, "_matcher", None)
    monkeypatch.setattr(masking, "_prefilter", None)
    assert ghp not in sanitize_text(f"token {ghp}") and keywords.is_file()


def test_clean_text_does_not_load_the_rules(tmp_path):
    """Telemetry sanitizes every string: clean text must cost a keyword pass, not a rule load."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    warm = "from buildrunner.engine.masking import sanitize_text; sanitize_text('x ghp_ y')"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True)
    probe = ("import sys; from buildrunner.engine.masking import sanitize_text; "
             "assert sanitize_text('deploy of web-2 took 3.2 s') == 'deploy of web-2 took 3.2 s'; "
             "print(sorted(m for m in sys.modules if m.startswith('buildrunner')))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True).stdout
    assert "buildrunner.engine.secrets" not in out and "buildrunner.engine.rules" not in out


@pytest.mark.parametrize("value", ["Px2!qH7m@Lk9wZ", "1708c76c:79d06da1", "sucqErrAvIUtLR",
                                   "api-ee2de068-3f88-48d3-2f2a-41f8dd489f66", "sk_Rp+OQKAbkL!rF+25DT5E;rT>kG<Dl"])
def test_bare_passwords_and_hex_groups_are_opaque(value):
    """Values the chunk test splits apart (symbols, colons) are still masked when shown bare."""
    from buildrunner.engine.masking import looks_opaque, mask_config_value

    assert looks_opaque(value) and value not in mask_config_value("project.name", value)


@pytest.mark.parametrize("value", ["MyProjectName", "claude-sonnet-4-5-20250929", "Hello, World!",
                                   "https://example.com/path?x=1", "release-2024.05"])
def test_names_and_urls_stay_readable(value):
    from buildrunner.engine.masking import looks_opaque

    assert not looks_opaque(value)
