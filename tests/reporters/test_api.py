"""`render(fmt, result, **opts)`: the one entry point commands use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from buildrunner.engine.reporters import FORMATS, render
from buildrunner.errors import BrError


def test_formats():
    assert FORMATS == ("text", "json", "sarif", "gcc", "github")


def test_unknown_format_is_a_usage_error(clean_result):
    with pytest.raises(BrError, match="unknown report format 'xml'; choose one of: text, json, sarif, gcc, github"):
        render("xml", clean_result)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_a_newline_or_is_empty(fmt, findings_result, clean_result):
    for result in (findings_result, clean_result):
        out = render(fmt, result, color=False, step_summary=False)
        assert out == "" or out.endswith("\n")


def test_plain_reports_do_not_import_rich():
    """Hooks and CI render without a terminal: no format pays for rich's import there."""
    code = ("import sys; from buildrunner.engine.reporters import render, FORMATS; "
            "from buildrunner.engine.model import ScanResult, Finding, Severity; "
            "r = ScanResult(findings=[Finding('secrets.x', Severity.HIGH, 'm', 'a.py', 1)]); "
            "[render(f, r, color=False, step_summary=False) for f in FORMATS]; "
            "print(sorted(m for m in ('rich', 'jsonschema', 'anthropic', 'libcst') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unwritable_step_summary_degrades_to_a_warning(findings_result, tmp_path):
    target = tmp_path / "missing-dir" / "summary.md"
    out = render("github", findings_result, step_summary=target)
    assert out.count("::error ") == 3
    assert out.splitlines()[-1].startswith("::warning title=br::could not write the step summary to ")
