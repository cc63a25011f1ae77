"""GitHub Actions workflow commands: escaping, ordering, the 10-annotation limit, the step summary."""

from __future__ import annotations

import re

import pytest

from buildrunner.engine.model import Finding, ScanResult, Severity
from buildrunner.engine.reporters import render
from buildrunner.engine.reporters.github import ANNOTATION_LIMIT, escape_data, escape_property

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape(text: str) -> str:
    """The runner's decoding (actions/runner ActionCommand.Unescape)."""
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse(line: str) -> tuple[str, dict, str]:
    m = COMMAND.match(line)
    assert m, line
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), {k: unescape(v) for k, v in props.items()}, unescape(m.group(3))


def test_escaping_rules():
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext%3A a%2Cb"


def test_paths_and_messages_with_specials_round_trip(findings_result):
    lines = render("github", findings_result, step_summary=False).splitlines()
    assert len(lines) == 5 and all("\r" not in l for l in lines)
    parsed = [parse(line) for line in lines]
    level, props, message = next(p for p in parsed if p[1]["file"].startswith("web/"))
    assert level == "warning"
    assert props["file"] == "web/rapport été, 100%:v2.ts"  # `,` `:` `%` escaped, then decoded back
    assert props["line"] == "7" and props["col"] == "3"
    assert props["title"] == "typescript.sql-injection.template-query: SQL template literal"
    assert message.startswith("A template literal with ${…} parts reaches db.query.\nSecond line: 50% sure, a:b\n")
    assert "Whitelist: br security whitelist --fingerprint c0ffee0000000001:0" in message


def test_levels_and_worst_first(findings_result):
    parsed = [parse(l) for l in render("github", findings_result, step_summary=False).splitlines()]
    assert [p[0] for p in parsed] == ["error", "error", "error", "warning", "warning"]
    assert parsed[0][1]["file"] == "src/config.py"  # the critical one leads
    assert parsed[0][1]["endLine"] == "3" and parsed[0][1]["endColumn"] == "136"
    history = next(p for p in parsed if p[1]["file"] == "deploy/.env")
    assert "In commit 3f2a9c1e5b7d by Dev Eloper <dev@example.com>, 2024-03-01T10:15:00+02:00." in history[2]


def many_findings(n: int = 25) -> ScanResult:
    sevs = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]
    findings = [Finding(rule_id=f"secrets.rule-{i % 5}", severity=sevs[i % 5], message=f"finding {i} | a *b*",
                        path=f"src/m{i:02d}.py", line=i + 1, column=1, rule_name=f"Rule {i % 5}",
                        fingerprint=f"{i:016x}:0") for i in range(n)]
    return ScanResult(findings=findings, files_scanned=n, duration_s=1.0, root="/r")


def test_over_the_limit_all_emitted_worst_first_with_notice_and_summary(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = many_findings(40)  # 16 errors, 16 warnings, 8 notices
    lines = render("github", result).splitlines()
    levels = [parse(l)[0] for l in lines]
    assert levels.count("error") == 16 and levels.count("warning") == 16
    assert levels[:16] == ["error"] * 16  # critical/high first: those are the 10 GitHub displays
    first_ten_errors = [parse(l) for l in lines if parse(l)[0] == "error"][:ANNOTATION_LIMIT]
    assert all(p[1]["title"].startswith(("secrets.rule-0", "secrets.rule-1")) for p in first_ten_errors)
    # the closing notice names the overflow and where to read everything
    notice = lines[-1]
    assert notice.startswith("::notice title=br::16 errors, 16 warnings: GitHub shows only the first 10")
    assert "job summary" in notice

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n")  # appended, never overwritten
    rows = [l for l in text.splitlines() if l.startswith("| ") and "---" not in l][1:]
    assert len(rows) == 40  # ALL findings, not just the displayed ones
    assert rows[0].startswith("| critical | `src/m00.py:1:1` | `secrets.rule-0` Rule 0 | finding 0 \\| a \\*b\\* |")
    assert rows[0].endswith("`br security whitelist --fingerprint 0000000000000000:0` |")
    assert "### br: 40 findings (8 critical, 8 high, 8 medium, 8 low, 8 info)" in text


def test_under_the_limit_no_notice(tmp_path):
    out = render("github", many_findings(10), step_summary=tmp_path / "s.md")
    assert "::notice title=br::" not in out


def test_step_summary_opt_and_env(tmp_path, monkeypatch, findings_result, clean_result):
    render("github", findings_result)  # no env, no opt: writes nothing
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "opt.md"
    render("github", findings_result, step_summary=target)
    text = target.read_text(encoding="utf-8")
    # table cells: pipes escaped, code spans keep odd paths intact, newlines as <br>
    assert "| medium | `web/rapport été, 100%:v2.ts:7:3` |" in text
    assert "reaches db.query.<br>Second line: 50% sure, a:b" in text
    assert "(in commit 3f2a9c1e5b7d by Dev Eloper \\<dev@example.com\\>, 2024-03-01T10:15:00+02:00)" in text
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "env.md"))
    render("github", clean_result)
    assert (tmp_path / "env.md").read_text(encoding="utf-8").startswith("### br: no findings\n")
    before = (tmp_path / "env.md").read_text(encoding="utf-8")
    render("github", findings_result, step_summary=False)  # explicit opt-out beats the env
    assert (tmp_path / "env.md").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("text,cell", [
    ("a|b", "`a\\|b`"), ("x`y", "``x`y``"), ("`start", "`` `start ``"),
])
def test_code_cells(text, cell):
    from buildrunner.engine.reporters.github import md_code

    assert md_code(text) == cell


def test_md_text_neutralises_markup():
    from buildrunner.engine.reporters.github import md_text

    assert md_text("<img src=x> [link](javascript:x) *b* _i_ a|b\nc") == \
        "\\<img src=x\\> \\[link\\](javascript:x) \\*b\\* \\_i\\_ a\\|b<br>c"


def test_control_characters_do_not_reach_the_log(findings_result, tmp_path):
    target = tmp_path / "s.md"
    out = render("github", findings_result, step_summary=target)
    assert "\x1b" not in out and "\x1b" not in target.read_text(encoding="utf-8")
    assert "\\x1b[31mghp_…Han3\\x1b[0m" in out
