"""docs/RULES.md is generated from the packs and must never drift from them."""

from __future__ import annotations

from pathlib import Path

from buildrunner.engine.ruledocs import render_builtin

ROOT = Path(__file__).resolve().parents[2]


def test_rules_md_matches_the_packs():
    assert (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8") == render_builtin(), (
        "docs/RULES.md is out of date: run `br rules docs --output docs/RULES.md` (or `make docs`)")


def test_rules_md_shows_masked_secret_examples_only():
    from buildrunner.engine.model import Document
    from buildrunner.engine.rules import builtin_pack_paths, load_pack
    from buildrunner.engine.secrets import SecretMatcher

    text = render_builtin()
    pack = next(load_pack(p) for p in builtin_pack_paths() if p.stem == "secrets")
    for rule in pack.rules:
        example = rule.examples.match[0]
        for _c, _ls, s, e in SecretMatcher([rule]).spans(Document(path="x", text=example)):
            assert example[s:e] not in text, f"{rule.id}: raw example secret in RULES.md"


def test_every_rule_has_a_section_with_why_and_use_instead():
    text = render_builtin()
    sections = text.split("\n### `")[1:]
    assert len(sections) >= 100
    for section in sections:
        rule_id = section.split("`", 1)[0]
        assert "**Example**" in section, rule_id
        if rule_id.startswith("secrets."):
            assert "**Why is this bad?**" in section, rule_id
        assert "**Use instead**" in section, rule_id
        assert "- Autofix: " in section, rule_id
