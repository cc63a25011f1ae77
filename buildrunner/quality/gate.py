"""`br quality check`: every Tier 1 check on the whole project, scored, as one report.

Secrets and SQL injection run in one scan of the project's files (the full-file view, suppressions
applied); coverage is read from existing data, with changed-line coverage against `base` when given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from buildrunner.quality.checks import COVERAGE, SECRETS, SQLI, CheckResult, coverage_check, scan_check, split_scan
from buildrunner.quality.scoring import overall_score


@dataclass
class GateReport:
    root: str
    checks: list[CheckResult]
    base: str | None = None
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def score(self) -> int | None:
        return overall_score([c.score for c in self.checks], self.passed)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def exit_code_at(self, fail_on: str | None) -> int:
        """With `--fail-on SEVERITY`, finding checks fail only on findings at or above it; a check
        without findings of its own (coverage) keeps its verdict."""
        if fail_on is None:
            return self.exit_code
        for c in self.checks:
            if c.name == COVERAGE:
                if not c.passed:
                    return 1
            elif c.result.exit_code_at(fail_on):
                return 1
        return 0

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict:
        return {"passed": self.passed, "score": self.score, "base": self.base, "root": self.root,
                "duration_s": round(self.duration_s, 3), "checks": [c.to_dict() for c in self.checks],
                "warnings": self.warnings}


def run_gate(project, config, *, base: str | None = None, jobs: int | None = None) -> GateReport:
    from buildrunner.coverage.check import changed_since, run_check
    from buildrunner.engine.pipeline import TIER1_KINDS, scan_project

    started = time.perf_counter()
    result = scan_project(project, config, TIER1_KINDS, jobs=jobs)
    parts = split_scan(result)
    changed = changed_since(project, base) if base else None
    report = run_check(project, config, changed=changed, mode="base" if base else "total")
    root = str(project.root)
    checks = [scan_check(SECRETS, parts[SECRETS]), scan_check(SQLI, parts[SQLI]),
              coverage_check(report, root, "base" if base else "files", coverage_config_location(project))]
    gate = GateReport(root, checks, base=base, duration_s=time.perf_counter() - started)
    if result.unused_suppressions:
        gate.warnings.append(f"{len(result.unused_suppressions)} whitelist/baseline entr(y/ies) match nothing")
    _record_quality_event(project, gate, report)
    return gate


def coverage_config_location(project) -> tuple[str, int]:
    """Where the coverage minimum is set: the project config and the key's line (1 if unset)."""
    from buildrunner.config import _line_of_key

    path = project.config_path
    line = 1
    if path.is_file():
        line = _line_of_key(path, "security.coverage_min") or 1
    return project.relpath(path), line


def _record_quality_event(project, gate: GateReport, report) -> None:
    """Telemetry's `quality` event: scores and counts only (never a finding's content)."""
    from buildrunner import telemetry

    fields = {"score": gate.score if gate.score is not None else 0, "passed": gate.passed,
              "violations": sum(len(c.result.findings) for c in gate.checks)}
    if report.total_percent is not None:
        fields["coverage"] = round(report.total_percent, 1)
    telemetry.record("quality", project, **fields)


def sarif_runs(gate: GateReport) -> list[tuple[str, object]]:
    """(category, ScanResult) per tool component, for `reporters.sarif_document`."""
    return [(c.name, c.result) for c in gate.checks]


def combined_result(gate: GateReport):
    """All checks' findings in one ScanResult (for gcc / github / json finding lists)."""
    from dataclasses import replace

    from buildrunner.engine.scan import severity_sort_key

    first = gate.checks[0].result
    findings = sorted((f for c in gate.checks for f in c.result.findings), key=severity_sort_key)
    return replace(first, findings=findings,
                   suppressed=[s for c in gate.checks for s in c.result.suppressed],
                   rules=[r for c in gate.checks for r in c.result.rules])


__all__ = ["GateReport", "run_gate", "sarif_runs", "combined_result", "COVERAGE", "SECRETS", "SQLI"]
