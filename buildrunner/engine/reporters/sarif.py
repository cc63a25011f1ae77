"""`--format sarif`: SARIF 2.1.0 shaped for GitHub code scanning.

What GitHub reads and where it comes from:
- `tool.driver.rules[]`: id, name, short/full description, `help` (text + markdown, shown on the
  alert page), `defaultConfiguration.level`, `properties.security-severity` (a numeric *string*;
  GitHub maps it to critical/high/medium/low), `properties.tags` (incl. "security", CWE tags as
  `external/cwe/cwe-89`), `properties.precision`.
- `results[]`: ruleId + ruleIndex (index into this run's rules), level, message, one
  physicalLocation with a repository-relative, percent-encoded uri and `uriBaseId: %SRCROOT%`,
  a region (1-based lines, Unicode code point columns: `columnKind`) with the *masked* source
  line as snippet, `partialFingerprints` and `fingerprints` (`brContentFingerprint/v1`: our
  position-independent fingerprint, so alerts survive line moves), `codeFlows` for a code
  finding's trace, `fixes` for an autofix, and for history findings the commit and date in
  `properties`.
- `automationDetails.id` = `br/<category>/`: each run is its own analysis category, so a clean
  run still closes that category's old alerts. Runs already carrying an id are left alone by
  `upload-sarif` (its `category` input only fills runs without one).

Output is deterministic (sorted, no timestamps unless `timestamps=True`) so it can be snapshot-tested
and diffed.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from buildrunner.engine.masking import sanitize_text
from buildrunner.engine.model import Finding, Rule, ScanResult, Suppressed
from buildrunner.engine.reporters._common import (
    INFORMATION_URI,
    TOOL_NAME,
    clean,
    fingerprint_of,
    history_note,
    rules_by_id,
    tool_version,
    whitelist_command,
)
from buildrunner.fsutil import utc_now_iso

SARIF_VERSION = "2.1.0"
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "brContentFingerprint/v1"
SRCROOT = "%SRCROOT%"
PRECISIONS = ("very-high", "high", "medium", "low")
# GitHub code scanning's upload limits ("SARIF results exceed limit" in its docs): a run with more
# results than this is rejected outright; a rule's tags beyond 10 are not displayed (20 rejected).
MAX_RESULTS_PER_RUN = 25_000
MAX_TAGS_PER_RULE = 10


def render(result: ScanResult, *, split_runs: bool = False, category: str = "br",
           include_suppressed: bool = False, timestamps: bool = False, indent: int = 2,
           **_opts) -> str:
    runs = split_by_category(result) if split_runs else [(category, result)]
    doc = sarif_document(runs, include_suppressed=include_suppressed, timestamps=timestamps)
    return json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"


def sarif_document(runs: list[tuple[str, ScanResult]], *, include_suppressed: bool = False,
                   timestamps: bool = False) -> dict:
    """A SARIF log with one run per `(category, result)`, in the order given."""
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [sarif_run(result, category, include_suppressed=include_suppressed,
                           timestamps=timestamps) for category, result in runs],
    }


def automation_id(category: str) -> str:
    category = category.strip("/") or TOOL_NAME
    if category != TOOL_NAME and not category.startswith(f"{TOOL_NAME}/"):
        category = f"{TOOL_NAME}/{category}"
    return f"{category}/"


def split_by_category(result: ScanResult) -> list[tuple[str, ScanResult]]:
    """One sub-result per rule category (from the rules that ran *and* the findings), sorted.

    Categories come from the rules too, not just the findings: a category whose rules ran and
    found nothing still gets an (empty) run, which is what closes its fixed alerts on GitHub.
    """
    rules = rules_by_id(result)
    category_of = {rid: rule.category for rid, rule in rules.items()}
    categories = sorted(set(category_of.values()))
    if not categories:
        return [(TOOL_NAME, result)]
    out = []
    for cat in categories:
        out.append((cat, replace(
            result,
            findings=[f for f in result.findings if category_of[f.rule_id] == cat],
            suppressed=[s for s in result.suppressed if category_of[s.finding.rule_id] == cat],
            rules=[r for r in result.rules if r.category == cat],
        )))
    return out


def sarif_run(result: ScanResult, category: str = TOOL_NAME, *, include_suppressed: bool = False,
              timestamps: bool = False) -> dict:
    rules = sorted(rules_by_id(result).values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    entries: list[tuple[Finding, Suppressed | None]] = [(f, None) for f in result.findings]
    if include_suppressed:
        entries += [(s.finding, s) for s in result.suppressed]
    dropped = max(0, len(entries) - MAX_RESULTS_PER_RUN)
    if dropped:  # keep the worst (reported before suppressed), so the upload is not rejected
        entries.sort(key=lambda e: (e[1] is not None, -e[0].severity.rank, e[0].sort_key))
        entries = entries[:MAX_RESULTS_PER_RUN]
    entries.sort(key=lambda e: (e[0].sort_key, e[1] is not None))

    version = tool_version()
    run: dict = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": version,
            "semanticVersion": version,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(r) for r in rules],
        }},
        "automationDetails": {"id": automation_id(category)},
    }
    base = root_uri(result.root)
    if base:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = [sarif_result(f, index[f.rule_id], result.root, s) for f, s in entries]
    run["invocations"] = [invocation(result, timestamps, dropped)]
    run["properties"] = {
        "mode": result.mode,
        "filesScanned": result.files_scanned,
        "skippedByReason": dict(sorted(result.skipped_counts().items())),
        "suppressed": len(result.suppressed),
    }
    if dropped:
        run["properties"]["resultsLeftOut"] = dropped
    return run


def invocation(result: ScanResult, timestamps: bool, dropped: int = 0) -> dict:
    inv: dict = {"executionSuccessful": True}
    if timestamps:
        end = datetime.now(UTC)
        start = end - timedelta(seconds=result.duration_s)
        inv["startTimeUtc"] = _utc(start)
        inv["endTimeUtc"] = _utc(end)
    notes = []
    for s in sorted(result.skipped, key=lambda s: (s.path, s.reason)):
        text = f"Skipped ({s.reason})" + (f": {s.detail}" if s.detail else "")
        notes.append({"level": "note", "message": {"text": clean(text)},
                      "locations": [{"physicalLocation": {
                          "artifactLocation": artifact(s.path, result.root)}}],
                      "descriptor": {"id": f"br.skipped.{s.reason}"}})
    if dropped:
        notes.insert(0, {"level": "warning", "descriptor": {"id": "br.results-left-out"}, "message": {
            "text": f"{dropped} least severe results left out: GitHub rejects a run with more than "
                    f"{MAX_RESULTS_PER_RUN} results. Run `br security check --format json` for all."}})
    if notes:
        inv["toolExecutionNotifications"] = notes
    return inv


def _utc(moment: datetime) -> str:
    """The one timestamp format (`fsutil.utc_now_iso`), for a given moment."""
    return utc_now_iso(moment.timestamp())


# --- rules ---------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z_]+)\}")


def template_text(text: str, markdown: bool = False) -> str:
    """A rule's message template for a description: `reaches {sink}` → `reaches <sink>`
    (in markdown as code, or GitHub would take `<sink>` for an HTML tag and drop it)."""
    return _PLACEHOLDER.sub(r"`<\1>`" if markdown else r"<\1>", text)


def rule_descriptor(rule: Rule) -> dict:
    # most telling first: GitHub shows the first 10 tags only
    # Coverage results are quality results: no "security" tag and no security-severity, or GitHub
    # would list a failed coverage check as a security alert.
    security = rule.kind != "coverage"
    tags = ["security" if security else "", rule.category, *(cwe_tag(c) for c in rule.cwe), *rule.tags]
    name = clean(rule.name or rule.id)
    precision = rule.spec.get("precision") if isinstance(rule.spec, dict) else None
    descriptor = {
        "id": rule.id,
        "name": pascal_name(name),
        "shortDescription": {"text": name},
        "fullDescription": {"text": clean(template_text(rule.message or rule.name or rule.id))},
        "help": {"text": clean(help_text(rule)), "markdown": clean(help_markdown(rule))},
        "defaultConfiguration": {"level": rule.severity.sarif_level},
        "properties": {
            "security-severity": rule.severity.security_severity,
            "tags": list(dict.fromkeys(clean(t) for t in tags if t))[:MAX_TAGS_PER_RULE],
            "precision": precision if precision in PRECISIONS else "high",
            "problem.severity": {"error": "error", "warning": "warning"}.get(
                rule.severity.sarif_level, "recommendation"),
        },
    }
    if not security:
        del descriptor["properties"]["security-severity"]
    return descriptor


def cwe_tag(cwe: str) -> str:
    """`CWE-89` / `89` → `external/cwe/cwe-89` (the tag form GitHub links to cwe.mitre.org)."""
    m = re.search(r"(\d+)", str(cwe))
    return f"external/cwe/cwe-{int(m.group(1))}" if m else str(cwe)


def pascal_name(name: str) -> str:
    """`Anthropic API key` → `AnthropicApiKey` (SARIF's rule `name` is an identifier-like label)."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:].lower() if not w.isdigit() else w for w in words) or name


def help_text(rule: Rule) -> str:
    parts = [f"{rule.name} ({rule.severity.value})", template_text(rule.message)]
    if rule.fix:
        parts.append(f"Fix: {rule.fix}")
    if rule.help:
        parts.append(rule.help)
    parts.append("Whitelist one finding: br security whitelist --fingerprint <fingerprint>")
    return "\n\n".join(p for p in parts if p)


def help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.name}** (severity: {rule.severity.value})", template_text(rule.message, markdown=True)]
    if rule.fix:
        parts.append(f"**Fix:** {rule.fix}")
    if rule.help:
        parts.append(rule.help)
    if rule.cwe:
        parts.append("References: " + ", ".join(
            f"[{c}](https://cwe.mitre.org/data/definitions/{cwe_tag(c).rsplit('-', 1)[-1]}.html)"
            for c in rule.cwe))
    parts.append("Whitelist one finding (the fingerprint is in the alert's details):\n\n"
                 "```\nbr security whitelist --fingerprint <fingerprint>\n```")
    return "\n\n".join(p for p in parts if p)


# --- results -------------------------------------------------------------------------------------

def root_uri(root: str) -> str:
    if not root or not Path(root).is_absolute():
        return ""
    uri = Path(root).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def relative_uri(path: str, root: str = "") -> str:
    """A repository-relative, percent-encoded URI reference for `path` (undecodable bytes kept
    as the original bytes: `caf\\udce9.py` → `caf%E9.py`)."""
    posix = sanitize_text(path).replace("\\", "/")
    if root and posix.startswith("/"):
        with contextlib.suppress(ValueError):  # outside the root: keep the absolute path
            posix = PurePosixPath(posix).relative_to(PurePosixPath(root.replace("\\", "/"))).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix, safe="/", errors="surrogateescape")


def artifact(path: str, root: str) -> dict:
    return {"uri": relative_uri(path, root), "uriBaseId": SRCROOT}


def region(f: Finding) -> dict:
    reg: dict = {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}
    if f.end_line:
        reg["endLine"] = f.end_line
    if f.end_column:
        reg["endColumn"] = f.end_column
    if f.snippet:
        reg["snippet"] = {"text": clean(f.snippet)}
    return reg


def sarif_result(f: Finding, rule_index: int, root: str, suppressed: Suppressed | None = None) -> dict:
    message = clean(f.message)
    note = history_note(f)
    if note:
        message = f"{message} (in {note})"
    fp = fingerprint_of(f)
    res: dict = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.severity.sarif_level,
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact(f.path, root),
                                            "region": region(f)}}],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
        "fingerprints": {FINGERPRINT_KEY: fp},
    }
    if f.trace:
        res["codeFlows"] = [{"threadFlows": [{"locations": [
            {"location": {
                "physicalLocation": {"artifactLocation": artifact(step.path or f.path, root),
                                     "region": {"startLine": max(step.line, 1),
                                                "startColumn": max(step.column, 1)}},
                "message": {"text": clean(step.message)}}}
            for step in f.trace]}]}]
    # A replacement holding a secret would be masked, and applying a masked fix corrupts the code:
    # such a fix is left out (the finding and its `fix` text remain).
    if f.autofix and clean(f.autofix.replacement) == f.autofix.replacement:
        fx = f.autofix
        res["fixes"] = [{
            "description": {"text": clean(fx.description)},
            "artifactChanges": [{"artifactLocation": artifact(f.path, root), "replacements": [{
                "deletedRegion": {"startLine": fx.start_line, "startColumn": fx.start_column,
                                  "endLine": fx.end_line, "endColumn": fx.end_column},
                "insertedContent": {"text": clean(fx.replacement)},
            }]}],
            "properties": {"safe": fx.safe},
        }]
    if suppressed is not None:
        sup: dict = {"kind": "inSource" if suppressed.how in ("inline", "annotation") else "external",
                     "status": "accepted"}
        if suppressed.reason:
            sup["justification"] = clean(suppressed.reason)
        sup["properties"] = {"how": suppressed.how}
        res["suppressions"] = [sup]
    props: dict = {"severity": f.severity.value, "kind": f.kind, "origin": f.origin.kind}
    if f.masked_value:
        props["maskedValue"] = clean(f.masked_value)
    if f.verified:
        props["verification"] = f.verified
    if f.origin.commit:
        props["commit"] = clean(f.origin.commit)
    if f.origin.author_date:
        props["authorDate"] = clean(f.origin.author_date)
    if f.origin.author:
        props["author"] = clean(f.origin.author)
    if f.origin.author_email:
        props["authorEmail"] = clean(f.origin.author_email)
    if f.fix:
        props["fix"] = clean(f.fix)
    command = whitelist_command(f)
    if command:
        props["whitelistCommand"] = command
    if f.tags:
        props["tags"] = [clean(t) for t in f.tags]
    res["properties"] = props
    return res
