"""The human report: grouped by file, says what/where/why/what to do, colour only when allowed."""

from __future__ import annotations

import io

import pytest

from buildrunner.engine.reporters import render


def test_grouped_by_file_in_line_order(findings_result):
    out = render("text", findings_result, color=False)
    headers = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headers[:5] == ["app/db.py", "deploy/.env", "src/config.py", "tests/fixtures/sample.json",
                           "web/rapport été, 100%:v2.ts"]


def test_each_finding_says_what_where_why_and_how_to_whitelist(findings_result):
    out = render("text", findings_result, color=False)
    block = out.split("app/db.py\n", 1)[1].split("\n\n", 1)[0]
    assert "HIGH" in block and "app/db.py:14:5" in block
    assert "python.sql-injection.dbapi-execute · SQL built from runtime values (DB-API)" in block
    assert "14 │ cur.execute(query)" in block
    assert "line 12: query built with f-string from `user_id`" in block
    assert "fix: Pass the values as parameters" in block
    assert "autofix (safe): Use a parameterized query · apply with: br security check --fix" in block
    assert "br security whitelist --fingerprint 0f1e2d3c4b5a6978:0" in block
    assert "in commit 3f2a9c1e5b7d by Dev Eloper <dev@example.com>, 2024-03-01T10:15:00+02:00" in out


def test_summary_line(findings_result):
    last = render("text", findings_result, color=False).rstrip("\n").splitlines()[-1]
    assert last == ("5 findings (1 critical, 2 high, 1 medium, 1 low) in 42 files · 3 skipped: 1 binary, "
                    "1 invalid-utf8, 1 too-large · 2 suppressed: 1 inline, 1 whitelist · "
                    "1 unused suppression · 0.43s")


def test_clean_result_is_one_line(clean_result):
    out = render("text", clean_result, color=False)
    assert out == "No findings in 42 files (1 skipped: 1 binary; 0.12s)\n"
    assert render("text", clean_result, color=False, quiet=True) == ""


def test_quiet_has_findings_but_no_summary(findings_result):
    out = render("text", findings_result, color=False, quiet=True)
    assert "app/db.py:14:5" in out and "findings (" not in out and "files" not in out.splitlines()[-1]


def test_source_text_is_neither_markup_nor_terminal_escapes(findings_result):
    for color in (False, True):
        out = render("text", findings_result, color=color)
        assert "[bold]x[/bold]" in out  # printed literally, not interpreted by rich
        assert "\\x1b[31mghp_…Han3\\x1b[0m" in out  # the planted ESC is shown, not sent
    plain = render("text", findings_result, color=False)
    assert "\x1b" not in plain


def test_color_only_when_allowed(findings_result, monkeypatch):
    assert "\x1b[" in render("text", findings_result, color=True)
    assert "\x1b[" not in render("text", findings_result, color=False)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert "\x1b[" in render("text", findings_result, stream=Tty())
    assert "\x1b[" not in render("text", findings_result, stream=io.StringIO())  # not a TTY
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render("text", findings_result, stream=Tty())


@pytest.mark.parametrize("width", [40, 200])
def test_long_lines_are_not_hard_wrapped(findings_result, width):
    """Soft wrap: a log line stays one line whatever the width (greppable, copy-pastable)."""
    out = render("text", findings_result, color=False, width=width)
    assert "    whitelist: br security whitelist --fingerprint a1b2c3d4e5f60718:0\n" in out
