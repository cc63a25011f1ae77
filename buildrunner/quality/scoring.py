"""Scores (0–100) for the gate's checks; the formula is documented in docs/QUALITY_GATE.md.

* secrets, sql-injection: 100 − Σ penalty over reported (unsuppressed) findings, floored at 0;
  penalty = 40 critical, 25 high, 10 medium, 3 low, 0 info. Any reported finding fails the check.
* coverage: the lower of total and changed-line coverage (floored to an integer); 100 with nothing
  to measure (no tests, no data); no score ("n/a") when tests exist but there is no data.
* overall: the mean of the scored checks, floored; capped at 59 when any check fails, so a failing
  gate never shows a passing-looking number.
"""

from __future__ import annotations

from buildrunner.engine.model import Finding, Severity

PENALTY = {Severity.CRITICAL: 40, Severity.HIGH: 25, Severity.MEDIUM: 10, Severity.LOW: 3, Severity.INFO: 0}
FAILING_CAP = 59


def findings_score(findings: list[Finding]) -> int:
    return max(0, 100 - sum(PENALTY[f.severity] for f in findings))


def overall_score(scores: list[int | None], passed: bool) -> int | None:
    values = [s for s in scores if s is not None]
    if not values:
        return None
    mean = sum(values) // len(values)
    return mean if passed else min(mean, FAILING_CAP)
