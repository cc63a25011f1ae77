"""Repository gaps (`br gaps analyze`): run the checks that rules of kind "repo" name.

The engine owns the rule kind and validates its spec (`buildrunner.engine.repo`); the checks live
here because they read coverage data and the pre-commit hook's state. Each check returns the files
it concerns (possibly none: "no tests" concerns the project) and a detail sentence, and the rule's
own severity, message and fix make the gap. Examples of repo rules describe repository states
(e.g. "tracked .env without ignore") that `tests/gate/test_gaps.py` builds and checks.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from buildrunner.engine.gitio import git_ignored, lenient_lines
from buildrunner.engine.repo import CHECK_NAMES

DEFAULT_ENV_ALLOW = [".env.example", ".env.sample", ".env.template", ".env.dist"]


@dataclass
class GapHit:
    """What a check found: the files concerned and a detail sentence."""

    files: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class Gap:
    rule_id: str
    name: str
    severity: str
    description: str
    detail: str
    files: list[str]
    remediation: str

    def to_dict(self) -> dict:
        return {"id": self.rule_id, "name": self.name, "severity": self.severity,
                "description": self.description, "detail": self.detail, "files": self.files,
                "remediation": self.remediation}


# ---------------------------------------------------------------------------------------------
# Checks: (project, config, params, context) -> GapHit | None


def _is_env_file(path: str, allow: list[str]) -> bool:
    name = PurePosixPath(path).name
    if name in allow or any(fnmatch.fnmatchcase(name, a) for a in allow):
        return False
    return name == ".env" or name.startswith(".env.")


def check_secrets_present(project, config, params, ctx) -> GapHit | None:
    result = ctx.secret_scan()
    if not result.findings:
        return None
    files = sorted({f.path for f in result.findings})
    return GapHit(files, f"{len(result.findings)} hardcoded secret(s) in {len(files)} file(s); "
                         f"`br security check` lists them")


def check_env_not_ignored(project, config, params, ctx) -> GapHit | None:
    if not ctx.is_git:
        return None
    allow = list(params.get("allow", DEFAULT_ENV_ALLOW))
    candidates = {".env"} | {f for f in ctx.all_files() if _is_env_file(f, allow)}
    exposed = sorted(candidates - git_ignored(project.root, sorted(candidates)))
    if not exposed:
        return None
    return GapHit(exposed, "not matched by any .gitignore rule: `git add .` would commit "
                  + ("them" if len(exposed) > 1 else "it"))


def check_env_in_history(project, config, params, ctx) -> GapHit | None:
    if not ctx.is_git:
        return None
    allow = list(params.get("allow", DEFAULT_ENV_ALLOW))
    first_commit: dict[str, str] = {}
    commit = ""
    for line in lenient_lines(project.root, "log", "--all", "--diff-filter=A", "--name-only", "--format=%x00%h"):
        if line.startswith("\x00"):
            commit = line[1:]
        elif line and _is_env_file(line, allow):
            first_commit[line] = commit  # log is newest first: the last seen is the oldest add
    if not first_commit:
        return None
    files = sorted(first_commit)
    shown = ", ".join(f"{f} (added in {first_commit[f]})" for f in files[:5])
    return GapHit(files, f"committed in git history: {shown}; deleting the file now does not remove it "
                         f"from history")


def check_no_tests(project, config, params, ctx) -> GapHit | None:
    from buildrunner.coverage.check import find_tests

    if find_tests(ctx.all_files()):
        return None
    return GapHit([], "no test files found (tests/, test_*.py, *_test.py, *.test.js, *.spec.ts, ...)")


def check_coverage_below_minimum(project, config, params, ctx) -> GapHit | None:
    report = ctx.coverage()
    pct = report.total_percent
    if report.data_found and pct is not None and pct < report.minimum:
        return GapHit([s["path"] for s in report.data_files],
                      f"total coverage {pct:.1f}% < {report.minimum}% (security.coverage_min)")
    if not report.data_found and report.tests_found:
        return GapHit([], f"tests exist but there is no coverage data; produce it with: {report.command}")
    return None


def check_hook_not_installed(project, config, params, ctx) -> GapHit | None:
    if not ctx.is_git:
        return None
    from buildrunner.hooks import hook_state

    state = hook_state(project)
    if state.installed:
        return None
    detail = "another pre-commit hook is installed; `br hooks install` keeps it and runs it first" \
        if state.foreign else "commits are not checked for secrets, SQL injection or coverage before they happen"
    return GapHit([str(state.path.relative_to(project.root)) if state.path.is_relative_to(project.root)
                   else str(state.path)], detail)


CHECKS: dict[str, Callable[..., GapHit | None]] = {
    "secrets-present": check_secrets_present,
    "env-not-ignored": check_env_not_ignored,
    "env-in-history": check_env_in_history,
    "no-tests": check_no_tests,
    "coverage-below-minimum": check_coverage_below_minimum,
    "hook-not-installed": check_hook_not_installed,
}
assert tuple(CHECKS) == CHECK_NAMES, "engine/repo.py CHECK_NAMES and quality/gaps.py CHECKS disagree"


# ---------------------------------------------------------------------------------------------
# Running


class Context:
    """Shared, lazily computed facts (file list, scans) so several rules don't redo the work."""

    def __init__(self, project, config):
        self.project, self.config = project, config
        self._files: list[str] | None = None
        self._secrets = None
        self._coverage = None
        from buildrunner.engine import gitio

        self.is_git = gitio.in_repo(project.root)

    def all_files(self) -> list[str]:
        if self._files is None:
            from buildrunner.coverage.check import list_project_files

            self._files = list_project_files(self.project)
        return self._files

    def secret_scan(self):
        if self._secrets is None:
            from buildrunner.engine.pipeline import scan_project

            self._secrets = scan_project(self.project, self.config, ("secret",))
        return self._secrets

    def coverage(self):
        if self._coverage is None:
            from buildrunner.coverage.check import run_check

            self._coverage = run_check(self.project, self.config)
        return self._coverage


def analyze(project, config, rules: list[Any], *, context: Context | None = None) -> list[Gap]:
    """Run every enabled repo rule; gaps sorted worst first."""
    ctx = context or Context(project, config)
    gaps: list[Gap] = []
    for rule in rules:
        if not rule.enabled or rule.kind != "repo":
            continue
        hit = CHECKS[rule.spec["check"]](project, config, rule.spec.get("params", {}), ctx)
        if hit is not None:
            gaps.append(Gap(rule.id, rule.name, rule.severity.value, rule.message, hit.detail, hit.files, rule.fix))
    from buildrunner.engine.model import Severity

    gaps.sort(key=lambda g: (-Severity(g.severity).rank, g.rule_id))
    return gaps


PROJECT_ANCHOR = "."  # where a gap that concerns the project as a whole (no tests, no hook) is reported


def gaps_result(gaps: list[Gap], rules: list[Any], root: str):
    """Gaps as a ScanResult (one finding per file concerned, or one at the project root), so the
    shared reporters render them as text, JSON, SARIF, gcc and GitHub annotations."""
    from buildrunner.engine.model import Finding, ScanResult, Severity

    by_id = {r.id: r for r in rules}
    findings: list[Finding] = []
    for g in gaps:
        rule = by_id.get(g.rule_id)
        message = f"{g.description} {g.detail}".strip()
        for path in g.files or [PROJECT_ANCHOR]:
            findings.append(Finding(g.rule_id, Severity(g.severity), message, path, 1, fix=g.remediation,
                                    kind="repo", rule_name=g.name, tags=rule.tags if rule else (),
                                    cwe=rule.cwe if rule else ()))
    # No pipeline fingerprint: a gap is fixed, not whitelisted (reporters derive a stable stand-in).
    return ScanResult(findings=findings, rules=[r for r in rules if r.enabled and r.kind == "repo"],
                      mode="files", root=root)
