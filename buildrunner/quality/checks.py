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
    applicable: bool = True  # False: nothing to check (coverage without tests): shown as N/A, no score

    @property
    def status(self) -> str:
        return "N/A" if not self.applicable else "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict:
        d = {"name": self.name, "passed": self.passed, "applicable": self.applicable, "score": self.score,
             "summary": self.summary, "findings": [f.to_dict() for f in self.result.findings]}
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
    # Not tagged "security" and no security-severity: on GitHub a coverage result is a quality
    # finding, not a security alert. A result's level comes from its severity: HIGH (SARIF
    # "error") when it fails the gate, MEDIUM ("warning") when it only warns.
    return Rule(id=rid, kind="coverage", name=name, severity=Severity.HIGH, message=message, fix=fix,
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
        "Total coverage is read from existing data (.coverage, coverage.xml, coverage.json, lcov.info); "
        "results point at the files with the most lines that never ran."),
    "coverage.data-missing-or-stale": _rule(
        "coverage.data-missing-or-stale", "Coverage data missing or stale",
        "Tests exist but coverage data is missing or older than the code.",
        "Produce fresh coverage data with the command shown, then re-run the check.",
        "With security.coverage_strict the gate fails on missing or stale data; otherwise it warns."),
}
MAX_TOTAL_FILES = 10  # a total-coverage failure points at this many of the least covered files


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


def coverage_result(report: CoverageReport, root: str, mode: str, config_file: str = ".buildrunner/config.yaml",
                    config_line: int = 1) -> ScanResult:
    """Coverage failures (and warnings with a place to point at) as findings, so every output format
    and SARIF upload shows them like any other finding: uncovered changed lines where they are,
    a total below the minimum at the least covered files (or the config that sets the minimum),
    missing or stale data at the stale files (or the config). Whenever the check fails, at least
    one result says why."""
    findings: list[Finding] = []

    def add(rule_id: str, message: str, path: str, line: int, end_line: int | None, failing: bool) -> None:
        rule = COVERAGE_RULES[rule_id]
        findings.append(Finding(rule.id, Severity.HIGH if failing else Severity.MEDIUM, message, path, line,
                                end_line=end_line, fix=rule.fix, kind="coverage", rule_name=rule.name,
                                tags=rule.tags))

    by_kind = {m.kind: m for m in report.messages if m.level in ("error", "warning")}
    diff = by_kind.get("diff")
    if diff is not None:
        for f in report.files:
            for start, end in _ranges(f.uncovered):
                span = f"line {start}" if start == end else f"lines {start}-{end}"
                add("coverage.uncovered-changed-lines", f"Changed {span} never ran in the tests (changed-line "
                    f"coverage {report.diff_percent:.1f}% < {report.diff_minimum}%).", f.path, start, end, True)
    total = by_kind.get("total")
    if total is not None:
        failing = total.level == "error"
        worst = sorted(report.uncovered_by_file.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MAX_TOTAL_FILES]
        head = f"Total coverage {report.total_percent:.1f}% is below the minimum {report.minimum}%"
        for path, lines in worst:
            add("coverage.total-below-minimum", f"{head}: {len(lines)} line(s) of this file never ran in the tests "
                f"({format_ranges(lines)}).", path, lines[0], None, failing)
        if not worst:
            add("coverage.total-below-minimum", f"{head} (security.coverage_min).", config_file, config_line,
                None, failing)
    for kind in ("missing", "stale", "unknown"):
        m = by_kind.get(kind)
        if m is None or m.level != "error":
            continue  # warnings stay in the notes: the gate passed
        places = report.stale if kind == "stale" else [f.path for f in report.files if f.unknown] if kind == "unknown" else []
        for path in places[:MAX_TOTAL_FILES] or [config_file]:
            add("coverage.data-missing-or-stale", m.text, path, 1 if path != config_file else config_line, None, True)
    if not report.passed and not any(f.severity is Severity.HIGH for f in findings):
        for m in report.messages:  # any other failure: still one result that says why
            if m.level == "error":
                add("coverage.data-missing-or-stale", m.text, config_file, config_line, None, True)
    return ScanResult(findings=findings, rules=list(COVERAGE_RULES.values()), mode=mode, root=root,
                      files_scanned=len(report.files))


def coverage_check(report: CoverageReport, root: str, mode: str,
                   config_location: tuple[str, int] = (".buildrunner/config.yaml", 1)) -> CheckResult:
    parts = []
    if report.total_percent is not None:
        parts.append(f"total {report.total_percent:.1f}% (min {report.minimum}%)")
    if report.diff_percent is not None:
        parts.append(f"changed lines {report.diff_percent:.1f}% (min {report.diff_minimum}%)")
    elif report.mode != "total" and report.data_found:
        parts.append("no measurable changed lines")
    if not report.applicable:
        parts.append("not applicable: no tests and no coverage data")
    elif not report.data_found:
        parts.append("no coverage data")
    _, _, unknown = report.diff_counts
    if unknown:
        parts.append(f"{unknown} changed line(s) unknown (stale data)")
    return CheckResult(COVERAGE, report.passed, report.score, "; ".join(parts) or "nothing to measure",
                       coverage_result(report, root, mode, *config_location), coverage=report,
                       notes=[f"{m.level}: {m.text}" for m in report.messages if report.applicable],
                       applicable=report.applicable)
