"""Realistic scan results for the reporter tests, built by hand so every field is under control.

Snippets are masked the way matchers mask them; the raw values they stand for are kept in
`RAW_VALUES` so tests can assert that no report ever prints one.
"""

from __future__ import annotations

import pytest

from buildrunner.engine.model import (
    Examples,
    Finding,
    Fix,
    Origin,
    Rule,
    ScanResult,
    Severity,
    Skipped,
    Suppressed,
    TraceStep,
)

ROOT = "/srv/project"

# The unmasked values behind the masked snippets below (fake, but shaped like the real thing).
RAW_VALUES = (
    "sk-ant-api03-" + "Q7x" * 31 + "AA",
    "AKIAZ3MPLEQ7X4R2WBNA",
    "ghp_R2d2C3poBb8Yoda0Luke1Leia2Han3Solo4",
)


def _rules() -> list[Rule]:
    return [
        Rule(id="secrets.anthropic-api-key", kind="secret", name="Anthropic API key",
             severity=Severity.CRITICAL, message="An Anthropic API key is committed in plain text.",
             fix="Revoke the key in the Anthropic console and load it from ANTHROPIC_API_KEY.",
             help="Keys in git history stay readable to anyone with a clone.",
             tags=("secret", "anthropic"), cwe=("CWE-798",),
             examples=Examples(match=('k = "sk-ant-api03-…AA"',))),
        Rule(id="secrets.aws-access-key-id", kind="secret", name="AWS access key ID",
             severity=Severity.HIGH, message="An AWS access key ID is committed.",
             fix="Deactivate the key in IAM; use a role or the AWS credentials file.",
             tags=("secret", "aws"), cwe=("CWE-798",)),
        Rule(id="secrets.github-token", kind="secret", name="GitHub token",
             severity=Severity.LOW, message="Something that looks like a GitHub token.",
             fix="Revoke it at github.com/settings/tokens.", tags=("secret",)),
        Rule(id="python.sql-injection.dbapi-execute", kind="code", name="SQL built from runtime values (DB-API)",
             severity=Severity.HIGH, message="SQL text built from runtime values reaches cursor.execute.",
             fix='Pass the values as parameters: cur.execute("SELECT … WHERE id = %s", (user_id,)).',
             tags=("sql-injection", "python"), cwe=("CWE-89",), languages=("python",),
             spec={"precision": "very-high"}),
        Rule(id="typescript.sql-injection.template-query", kind="code", name="SQL template literal",
             severity=Severity.MEDIUM, message="A template literal with ${…} parts reaches db.query.",
             fix="Use placeholders: db.query('… WHERE name = $1', [name]).",
             tags=("sql-injection",), cwe=("CWE-89",), languages=("typescript",)),
    ]


def make_findings_result() -> ScanResult:
    rules = {r.id: r for r in _rules()}

    def finding(rule_id: str, **kw) -> Finding:
        r = rules[rule_id]
        base = dict(rule_id=r.id, severity=r.severity, message=r.message, fix=r.fix, kind=r.kind,
                    rule_name=r.name, tags=r.tags, cwe=r.cwe)
        base.update(kw)
        return Finding(**base)

    findings = [
        finding("secrets.anthropic-api-key", path="src/config.py", line=3, column=28, end_line=3,
                end_column=136, snippet='client = Anthropic(api_key="sk-a…7xAA")',
                masked_value="sk-a…7xAA", value_hash="5f0c2a9d81e4b7c6a3d2e1f0",
                fingerprint="a1b2c3d4e5f60718:0"),
        finding("python.sql-injection.dbapi-execute", path="app/db.py", line=14, column=5, end_line=14,
                end_column=23, snippet="    cur.execute(query)", value_hash="9d8c7b6a5f4e3d2c1b0a9f8e",
                fingerprint="0f1e2d3c4b5a6978:0",
                trace=[TraceStep(line=12, column=5, message="query built with f-string from `user_id`"),
                       TraceStep(line=14, column=17, message="query reaches cur.execute(…) argument 0")],
                autofix=Fix(description="Use a parameterized query", start_line=14, start_column=5,
                            end_line=14, end_column=23,
                            replacement='cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))')),
        finding("secrets.aws-access-key-id", path="deploy/.env", line=2, column=19, end_line=2,
                end_column=39, snippet="AWS_ACCESS_KEY_ID=AKIA…WBNA", masked_value="AKIA…WBNA",
                value_hash="77aa66bb55cc44dd33ee22ff", fingerprint="d00dfeed12345678:0",
                origin=Origin(kind="history", commit="3f2a9c1e5b7d8f0a1c3e5b7d9f1a3c5e7b9d1f3a",
                              author_date="2024-03-01T10:15:00+02:00", author="Dev Eloper", author_email="dev@example.com")),
        finding("typescript.sql-injection.template-query", path="web/rapport été, 100%:v2.ts",
                line=7, column=3, snippet="await db.query(`SELECT * FROM café WHERE nom = '${nom}'`) // ✓ [bold]x[/bold]",
                message="A template literal with ${…} parts reaches db.query.\nSecond line: 50% sure, a:b",
                value_hash="1234567890abcdef12345678", fingerprint="c0ffee0000000001:0"),
        finding("secrets.github-token", path="tests/fixtures/sample.json", line=1, column=12,
                snippet='{"token": "\x1b[31mghp_…Han3\x1b[0m"}', masked_value="ghp_…Han3",
                value_hash="abcdefabcdefabcdefabcdef", fingerprint="feedface00000002:0"),
    ]
    suppressed = [
        Suppressed(finding=finding("secrets.aws-access-key-id", path="docs/example.md", line=9, column=1,
                                   snippet="export AWS_ACCESS_KEY_ID=AKIA…MPLE", masked_value="AKIA…MPLE",
                                   value_hash="00aa11bb22cc33dd44ee55ff", fingerprint="0a0a0a0a0a0a0a0a:0"),
                   how="whitelist", reason="documented example key"),
        Suppressed(finding=finding("python.sql-injection.dbapi-execute", path="app/admin.py", line=40,
                                   column=9, snippet="cur.execute(sql)  # br: ignore[python.sql-injection.dbapi-execute]",
                                   value_hash="bbbbbbbbbbbbbbbbbbbbbbbb", fingerprint="0b0b0b0b0b0b0b0b:0"),
                   how="inline"),
    ]
    skipped = [
        Skipped(path="assets/logo.png", reason="binary"),
        Skipped(path="data/dump.sql", reason="too-large", detail="12.0 MB > 2.0 MB"),
        Skipped(path="legacy/latin1.py", reason="invalid-utf8", detail="byte 0xe9 at offset 120"),
    ]
    return ScanResult(findings=findings, suppressed=suppressed, skipped=skipped, files_scanned=42,
                      rules=_rules(), duration_s=0.4321, mode="files", root=ROOT,
                      unused_suppressions=["0badc0ffee000000:0"])


def make_clean_result() -> ScanResult:
    return ScanResult(findings=[], skipped=[Skipped(path="assets/logo.png", reason="binary")],
                      files_scanned=42, rules=_rules(), duration_s=0.12, mode="staged", root=ROOT)


@pytest.fixture
def findings_result() -> ScanResult:
    return make_findings_result()


@pytest.fixture
def clean_result() -> ScanResult:
    return make_clean_result()


@pytest.fixture(autouse=True)
def _pinned_version(monkeypatch):
    """Snapshots must not change on every release: reports read the version at render time."""
    import buildrunner

    monkeypatch.setattr(buildrunner, "__version__", "9.9.9-test")
