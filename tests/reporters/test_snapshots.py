"""Every format, for a result with findings and a clean one, pinned by syrupy snapshots.

Update deliberately with `pytest tests/reporters --snapshot-update` and review the diff: these
files are what users' scripts, editors and GitHub parse.
"""

from __future__ import annotations

import pytest

from buildrunner.engine.reporters import FORMATS, render

OPTS = {
    "text": {"color": False, "width": 100},
    "json": {},
    "sarif": {},
    "gcc": {},
    "github": {"step_summary": False},
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_findings_report(fmt, findings_result, snapshot):
    assert render(fmt, findings_result, **OPTS[fmt]) == snapshot


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_report(fmt, clean_result, snapshot):
    assert render(fmt, clean_result, **OPTS[fmt]) == snapshot


def test_sarif_split_runs_with_suppressions(findings_result, snapshot):
    assert render("sarif", findings_result, split_runs=True, include_suppressed=True) == snapshot


def test_text_quiet(findings_result, snapshot):
    assert render("text", findings_result, color=False, width=100, quiet=True) == snapshot
