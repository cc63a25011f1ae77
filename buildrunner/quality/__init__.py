"""The Tier 1 quality gate: secrets, SQL injection and coverage, scored and merged into one report.

`gate.run_gate` runs the three checks for `br quality check` (whole project; `--base` for
changed-line coverage); `hook.run_hook` runs them on what is staged for `br hook run`.
"""


def project_at(path=None):
    """The project a gate command checks: PATH itself when given (so `br quality check examples/app`
    checks that sample project even inside another repository), else the one around the cwd."""
    from pathlib import Path

    from buildrunner.project import Project, discover

    return Project(Path(path).resolve()) if path else discover()
