"""Autofixes. `sqli` (Python) imports libcst: import them only when a fix is asked for (never on the scan
or pre-commit hook path). `attach_autofixes` is the cheap entry point reporters can call."""

from __future__ import annotations


def attach_autofixes(result, root, *, placeholder: str = "auto") -> int:
    """Set `Finding.autofix` on the SQL injection findings of `result` that have a safe rewrite
    (for SARIF `fixes`). Reads each affected file once; returns how many findings got one."""
    if not any(f.kind == "code" and f.rule_id.startswith(("python.", "javascript.")) for f in result.findings):
        return 0  # nothing to rewrite: libcst is not even imported
    from buildrunner.engine.fixes.apply import autofixes_for

    return autofixes_for(result.findings, root, placeholder=placeholder, rules=result.rules)
