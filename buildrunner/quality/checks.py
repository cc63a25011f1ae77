"""The three Tier 1 checks as one shape (`CheckResult`), and coverage as SARIF-ready findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from buildrunner.coverage.check import CoverageReport
from buildrunner.engine.model import Examples, Finding, Rule, ScanResult, Severity
from buildrunner.quality.scoring import findings_score

SECRETS, SQLI, COVERAGE = "secrets", "sql-injection", "coverage"
CHECK_KINDS = {SECRETS: "secret", SQLI: "code"}


@dataclass
class CheckResult:
    name: str
    passed: bool
    score: int | None
    summary: str
    result: ScanResult  # findings for reporters (coverage: synthesized, see coverage_result)
    coverage: CoverageReport | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = {"name": self.name, "passed": self.passed, "score": self.score, "summary": self.summary,
             "findings": [f.to_dict() for f in self.result.findings]}
        if self.coverage is not None:
            d["coverage"] = self.coverage.to_dict()
        if self.notes:
            d["notes"] = self.notes
        return d


def split_scan(result: ScanResult) -> dict[str, ScanResult]:
    """One ScanResult per check from a scan that ran secret and code rules together."""
    from dataclasses import replace

    out = {}
    for name, kind in CHECK_KINDS.items():
        out[name] = replace(
            result,
            findings=[f for f in result.findings if f.kind == kind],
            suppressed=[s for s in result.suppressed if s.finding.kind == kind],
            rules=[r for r in result.rules if r.kind == kind],
        )
    return out


def scan_check(name: str, result: ScanResult) -> CheckResult:
    n = len(result.findings)
    what = "secret" if name == SECRETS else "SQL injection"
    if not result.rules:
        return CheckResult(name, True, None, f"no {what} rules available: not checked", result)
    summary = f"no {what} findings" if not n else f"{n} {what} finding{'s' if n != 1 else ''}"
    if result.suppressed:
        summary += f" ({len(result.suppressed)} suppressed)"
    return CheckResult(name, n == 0, findings_score(result.findings), summary, result)


# -- coverage as findings (for SARIF, gcc and GitHub annotations) ---------------------------------

def _rule(rid: str, name: str, message: str, fix: str, help_: str) -> Rule:
    return Rule(id=rid, kind="coverage", name=name, severity=Severity.MEDIUM, message=message, fix=fix,
                help=help_, tags=("coverage", "tier1"), examples=Examples(match=(name,)),
                source="buildrunner.quality")


COVERAGE_RULES = {
    "coverage.uncovered-changed-lines": _rule(
        "coverage.uncovered-changed-lines", "Changed lines not covered by tests",
        "Changed lines never ran in the tests.",
        "Add or extend tests that execute these lines, regenerate the coverage data, and re-run.",
        "Diff coverage: the share of added or modified executable lines that the test suite ran must "
        "reach security.diff_coverage_min."),
    "coverage.total-below-minimum": _rule(
        "coverage.total-below-minimum", "Total coverage below the minimum",
        "Total line coverage is below security.coverage_min.",
        "Add tests for the least covered files (see `coverage report -m`), or adjust security.coverage_min.",
        "Total coverage is read from existing data (.coverage, coverage.xml, coverage.json, lcov.info)."),
    "coverage.data-missing-or-stale": _rule(
        "coverage.data-missing-or-stale", "Coverage data missing or stale",
        "Tests exist but coverage data is missing or older than the code.",
        "Produce fresh coverage data with the command shown, then re-run the check.",
        "With security.coverage_strict the gate fails on missing or stale data; otherwise it warns."),
}


def _ranges(lines: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(lines):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def format_ranges(lines: list[int]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in _ranges(lines))


def coverage_result(report: CoverageReport, root: str, mode: str) -> ScanResult:
    """Uncovered changed lines (when the changed-line check fails) and other coverage failures as
    findings, so every output format and SARIF upload shows them like any other finding."""
    findings: list[Finding] = []
    diff_failed = report.diff_percent is not None and report.diff_percent < report.diff_minimum
    if diff_failed:
        rule = COVERAGE_RULES["coverage.uncovered-changed-lines"]
        for f in report.files:
            for start, end in _ranges(f.uncovered):
                span = f"line {start}" if start == end else f"lines {start}-{end}"
                findings.append(Finding(rule.id, rule.severity, f"Changed {span} never ran in the tests "
                                        f"(changed-line coverage {report.diff_percent:.1f}% < "
                                        f"{report.diff_minimum}%).", f.path, start, end_line=end,
                                        fix=rule.fix, kind="coverage", rule_name=rule.name,
                                        tags=rule.tags))
    total = report.total_percent
    data_path = report.data_files[0]["path"] if report.data_files else ".coverage"
    if total is not None and total < report.minimum:
        rule = COVERAGE_RULES["coverage.total-below-minimum"]
        findings.append(Finding(rule.id, rule.severity, f"Total coverage {total:.1f}% is below the minimum "
                                f"{report.minimum}%.", data_path, 1, fix=rule.fix, kind="coverage",
                                rule_name=rule.name, tags=rule.tags))
    if report.strict and any(m.level == "error" and ("no coverage data" in m.text or "older than" in m.text
                                                     or "unknown" in m.text) for m in report.messages):
        rule = COVERAGE_RULES["coverage.data-missing-or-stale"]
        text = next(m.text for m in report.messages if m.level == "error")
        findings.append(Finding(rule.id, rule.severity, text, data_path, 1, fix=rule.fix, kind="coverage",
                                rule_name=rule.name, tags=rule.tags))
    return ScanResult(findings=findings, rules=list(COVERAGE_RULES.values()), mode=mode, root=root,
                      files_scanned=len(report.files))


def coverage_check(report: CoverageReport, root: str, mode: str) -> CheckResult:
    parts = []
    if report.total_percent is not None:
        parts.append(f"total {report.total_percent:.1f}% (min {report.minimum}%)")
    if report.diff_percent is not None:
        parts.append(f"changed lines {report.diff_percent:.1f}% (min {report.diff_minimum}%)")
    elif report.mode != "total" and report.data_found:
        parts.append("no measurable changed lines")
    if not report.data_found:
        parts.append("no coverage data" + ("" if report.tests_found else " and no tests"))
    _, _, unknown = report.diff_counts
    if unknown:
        parts.append(f"{unknown} changed line(s) unknown (stale data)")
    return CheckResult(COVERAGE, report.passed, report.score, "; ".join(parts) or "nothing to measure",
                       coverage_result(report, root, mode), coverage=report,
                       notes=[f"{m.level}: {m.text}" for m in report.messages])
