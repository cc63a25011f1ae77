"""Plan, apply and verify SQL injection autofixes file by file: Python through fixes.sqli (libcst,
imported only for Python files), JavaScript/TypeScript through fixes.javascript (tree-sitter)."""

from __future__ import annotations

import difflib
from pathlib import Path

from buildrunner.engine.fixes.sqltext import FileResult, apply_fixes
from buildrunner.engine.model import Document, Finding, Rule
from buildrunner.engine.parsing import language_for_path

JS_LANGUAGES = ("javascript", "typescript", "tsx")
FIXABLE_PREFIXES = ("python.", "javascript.")


def fixable_rules(rules: list[Rule]) -> dict[str, str | None]:
    """rule id → pinned placeholder style (None: from the file's driver or the config), for the
    rules whose autofix is safe (unsafe fixes are never applied automatically)."""
    return {r.id: r.spec["autofix"]["style"] for r in rules
            if r.kind == "code" and r.enabled and r.spec.get("autofix")
            and r.spec["autofix"].get("safety", "safe") == "safe"}


def fix_text(path: str, text: str, findings: list[Finding], rules: list[Rule], *,
             placeholder: str = "auto", salt: str = "") -> FileResult:
    """Rewrite what can be proven safe; verify the result parses and no longer has those findings.

    A fix whose call is still reported after rewriting is dropped (and the rest re-verified), so
    the returned text never contains a rewrite that did not remove its finding."""
    from buildrunner.engine.code import CodeMatcher

    styles = fixable_rules(rules)
    language = language_for_path(path)
    if language in JS_LANGUAGES:
        from buildrunner.engine.fixes.javascript import js_parses, plan_js_file

        planned = plan_js_file(path, text, findings, fixable=set(styles))

        def parses(fixed: str) -> bool:
            return js_parses(fixed, path)
    else:
        from buildrunner.engine.fixes.sqli import parses, plan_file

        language = "python"
        planned = plan_file(text, findings, fixable=set(styles), placeholder=placeholder,
                            rule_styles={k: v for k, v in styles.items() if v})
    matcher = CodeMatcher([r for r in rules if r.kind == "code"], salt=salt)
    while True:
        active = [p for p in planned if p.fix is not None]
        fixed = apply_fixes(text, [p.fix for p in active]) if active else text
        if not active:
            break
        if not parses(fixed):
            for p in active:
                p.fix, p.reason = None, "the rewritten file would not parse"
            fixed = text
            break
        remaining = matcher.scan(Document(path, fixed, language))
        still = _still_reported(active, remaining, fixed)
        if not still:
            break
        for p in still:
            p.fix, p.reason = None, "re-scanning the rewrite still reports it"
    return FileResult(path, text, fixed, planned)


def _still_reported(active, remaining: list[Finding], fixed: str):
    """Planned fixes whose call is still reported in the rewritten text (matched by rule + line,
    shifted by the line count each earlier rewrite removed or added)."""
    out = []
    for p in active:
        shift = sum(_line_delta(q.fix) for q in active if q.fix.start_line < p.fix.start_line)
        line = p.finding.line + shift
        if any(r.rule_id == p.finding.rule_id and r.line == line for r in remaining):
            out.append(p)
    return out


def _line_delta(fix) -> int:
    return fix.replacement.count("\n") - (fix.end_line - fix.start_line)


def unified_diff(result: FileResult) -> str:
    """The change as a unified diff for display, secrets masked (a rewritten or context line may
    hold one; the file itself is written unmasked)."""
    from buildrunner.engine.masking import sanitize_text

    return sanitize_text("".join(difflib.unified_diff(result.original.splitlines(keepends=True),
                                                      result.fixed.splitlines(keepends=True),
                                                      fromfile=f"a/{result.path}", tofile=f"b/{result.path}")))


def fixable_findings_by_path(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Work-tree Python and JavaScript/TypeScript code findings grouped by file (the ones
    `br security fix` can touch)."""
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind == "code" and f.rule_id.startswith(FIXABLE_PREFIXES) and f.origin.kind == "file":
            by_path.setdefault(f.path, []).append(f)
    return by_path


def autofixes_for(findings: list[Finding], root, *, placeholder: str = "auto", rules=None) -> int:
    """Set `Finding.autofix` where a verified safe rewrite exists (SARIF `fixes`)."""
    from buildrunner.engine.rules import load_rules

    rules = [r for r in (rules or load_rules(kinds=["code"]).rules) if r.kind == "code"]
    count = 0
    for path, group in fixable_findings_by_path(findings).items():
        try:
            text = (Path(root) / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        result = fix_text(path, text, group, rules, placeholder=placeholder)
        for p in result.applied:
            p.finding.autofix = p.fix
            count += 1
    return count
