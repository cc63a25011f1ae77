"""Repository-level rules (kind "repo"): the rule kind and its spec.

A repo rule names one built-in `check` (what to look at) and optional `params`; the checks
themselves run in `buildrunner.quality.gaps` (they read coverage data and the hook's state, which
sit above the engine). This module only validates specs, so the rule loader can import it on the
pre-commit hook path: nothing beyond the engine's model.
"""

from __future__ import annotations

from buildrunner.engine.model import SpecError

SPEC_FIELDS = {"check", "params"}
CHECK_NAMES = ("secrets-present", "env-not-ignored", "env-in-history", "no-tests", "coverage-below-minimum",
               "hook-not-installed")
PARAMS: dict[str, set[str]] = {"env-not-ignored": {"allow"}, "env-in-history": {"allow"}}


def compile_spec(raw: dict, rule_id: str) -> dict:
    """Validate a repo rule's own fields: `check` (one of CHECK_NAMES) and optional `params`."""
    from buildrunner.engine import specs

    specs.refuse_unknown(raw, SPEC_FIELDS, "a repo rule")
    check = raw.get("check")
    if check not in CHECK_NAMES:
        raise SpecError("check", f"`check` must be one of {', '.join(CHECK_NAMES)}, got {check!r}")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise SpecError("params", "`params` must be a mapping")
    bad = set(params) - PARAMS.get(check, set())
    if bad:
        raise SpecError("params", f"check {check!r} takes no parameter {sorted(bad)[0]!r}"
                        + (f"; known: {', '.join(sorted(PARAMS[check]))}" if PARAMS.get(check) else ""))
    allow = params.get("allow")
    if allow is not None and (not isinstance(allow, list) or not all(isinstance(a, str) for a in allow)):
        raise SpecError("params", "`params.allow` must be a list of file names or globs")
    return {"check": check, "params": dict(params)}
