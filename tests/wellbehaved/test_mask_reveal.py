"""Masking reveals at most a quarter of a value and never more than 4 + 4 characters.

Checked where users see and commit masked values: the text report, SARIF and the committed
baseline, from a real scan of a real git repository.
"""

from __future__ import annotations

import json

import pytest

from buildrunner.engine.masking import mask_value

SHORT_TOKEN = "Zq8Xv2Lr5Tn9Wm3K"  # 16 characters: at most 4 may show
AWS_ID = "AKIAQ3ZRXTN5WP2XK7LD"  # 20 characters: at most 5 may show → 2 + 2


@pytest.mark.parametrize("length", range(0, 80))
def test_never_more_than_a_quarter_nor_four_plus_four(length):
    value = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] for i in range(length))
    shown = mask_value(value)
    revealed = len(shown.replace("…", "").replace("*", ""))
    assert revealed <= length / 4 and revealed <= 8
    if length <= 12:
        assert set(shown) <= {"*"}, shown  # short values are fully masked


def test_long_values_keep_recognisable_ends():
    assert mask_value("ghp_" + "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W") == "ghp_…Pq2W"


def test_short_tokens_in_text_sarif_and_baseline(git_repo, br):
    git_repo.write("settings.py", f'db_password = "{SHORT_TOKEN}"\naws = "{AWS_ID}"\n')
    git_repo.add()
    git_repo.commit("init")
    br("init", "--no-hook", cwd=git_repo.root)
    text = br("security", "check", cwd=git_repo.root)
    sarif = br("security", "check", "--format", "sarif", cwd=git_repo.root)
    assert text.exit_code == 1 and sarif.exit_code == 1
    assert br("security", "baseline", cwd=git_repo.root).exit_code == 0
    baseline = (git_repo.root / ".buildrunner" / "baseline.json").read_text(encoding="utf-8")
    for where, out in (("text", text.output), ("sarif", sarif.stdout), ("baseline", baseline)):
        assert "Zq…3K" in out and "AK…LD" in out, where
        for value in (SHORT_TOKEN, AWS_ID):
            assert value[:3] + "…" not in out and "…" + value[-3:] not in out, (where, value)
            assert value[2:-2] not in out
    assert json.loads(sarif.stdout)["runs"]
