"""A realistic corpus of things that look random but are not credentials: zero findings.

UUIDs, git SHAs, package-lock/yarn integrity hashes, go.sum hashes, base64 images and fonts, a
minified bundle full of `token`/`apiKey`/`Bearer` identifiers, placeholder .env/compose/k8s/Actions
configs, settings read from the environment, and documentation example keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.engine.model import Document

DECOYS = Path(__file__).parent / "data" / "decoys"
FILES = sorted(p for p in DECOYS.iterdir() if p.is_file())


def test_corpus_is_substantial():
    assert len(FILES) >= 8 and sum(p.stat().st_size for p in FILES) > 100_000


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_decoy_file_has_no_findings(builtin_matcher, path):
    findings = builtin_matcher.scan(Document(path=path.name, text=path.read_text(encoding="utf-8")))
    assert findings == [], "\n".join(f"{f.rule_id} line {f.line}: {f.snippet}" for f in findings)


def test_a_real_format_secret_planted_in_the_corpus_is_found(builtin_matcher):
    """The corpus is clean because the rules are precise, not because nothing runs on it."""
    text = (DECOYS / "bundle.min.js").read_text(encoding="utf-8")
    key = "sk_live_" + "Q8m3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq"
    planted = text[:5000] + f'var stripeKey="{key}";' + text[5000:]
    findings = builtin_matcher.scan(Document(path="bundle.min.js", text=planted))
    assert [f.rule_id for f in findings] == ["secrets.stripe-secret-key"]
    assert key not in findings[0].snippet
