"""SecretMatcher behaviour a user sees: positions, masking, allowlists, multi-line keys, speed paths."""

from __future__ import annotations

import random
import string

import pytest

from buildrunner.engine.model import Document, Origin, Severity, value_hash
from buildrunner.engine.secrets import SecretMatcher
from tests.secrets.conftest import make_rule


def fake(alphabet: str, n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


A64 = string.ascii_letters + string.digits + "_-"
ANT = "sk-ant-api03-" + fake(A64, 93) + "AA"
GHP = "ghp_" + fake(string.ascii_letters + string.digits, 36, 2)


def scan(matcher, text, path="app/settings.py", **kw):
    return matcher.scan(Document(path=path, text=text, **kw))


def test_finding_fields_positions_and_masking(builtin_matcher):
    text = "import os\n\nclient = Anthropic(api_key=\"" + ANT + "\")\n"
    [f] = scan(builtin_matcher, text, origin=Origin(kind="staged"))
    assert (f.rule_id, f.severity, f.kind) == ("secrets.anthropic-api-key", Severity.CRITICAL, "secret")
    assert f.rule_name == "Anthropic API key" and "Anthropic" in f.fix and f.cwe == ("CWE-798",)
    assert (f.line, f.column) == (3, text.splitlines()[2].index("sk-ant") + 1)
    assert (f.end_line, f.end_column) == (3, f.column + len(ANT))
    assert ANT not in f.snippet and f.snippet == f'client = Anthropic(api_key="{f.masked_value}")'
    assert f.masked_value == ANT[:4] + "…" + ANT[-4:]
    assert f.value_hash == value_hash(ANT, "test-salt") and ANT not in repr(f.to_dict())
    assert f.origin.kind == "staged" and f.path == "app/settings.py"


def test_line_offset_shifts_line_numbers_for_history_hunks(builtin_matcher):
    [f] = scan(builtin_matcher, f"x = 1\ntoken = '{GHP}'\n", line_offset=41)
    assert f.line == 43 and f.end_line == 43


def test_keywords_are_case_insensitive_and_regex_is_not(builtin_matcher):
    assert scan(builtin_matcher, f"GITHUB_TOKEN={GHP}")[0].rule_id == "secrets.github-pat"
    upper = scan(builtin_matcher, f"GITHUB_TOKEN={GHP.upper()}")  # GHP_ is not a GitHub prefix
    assert "secrets.github-pat" not in {f.rule_id for f in upper}


def test_two_secrets_on_one_line_are_both_reported_and_both_masked(builtin_matcher):
    line = f'creds = ["{ANT}", "{GHP}"]'
    findings = scan(builtin_matcher, line)
    assert {f.rule_id for f in findings} == {"secrets.anthropic-api-key", "secrets.github-pat"}
    for f in findings:
        assert ANT not in f.snippet and GHP not in f.snippet


def test_generic_rule_yields_to_the_specific_one(builtin_matcher):
    findings = scan(builtin_matcher, f'api_key = "{GHP}"')
    assert [f.rule_id for f in findings] == ["secrets.github-pat"]
    generic = scan(builtin_matcher, 'api_key = "Zq8Xv2Lr5Tn9Wp3Kd7Hm4Bj6"')
    assert [f.rule_id for f in generic] == ["secrets.generic-credential"]


def test_pem_private_key_spans_lines(builtin_matcher):
    body = "\n".join(fake(string.ascii_letters + string.digits + "+/", 64, i) for i in range(5))
    text = f"# deploy key\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nrest = 1\n"
    [f] = scan(builtin_matcher, text, path="deploy/id_rsa")
    assert f.rule_id == "secrets.private-key-rsa"
    assert (f.line, f.end_line) == (3, 7)  # the key material, between the BEGIN and END lines
    assert f.masked_value == body[:4] + "…" + body[-4:]
    assert body.splitlines()[0] not in f.snippet and f.snippet.startswith(body[:4] + "…")


def test_minified_line_snippet_is_cut_around_the_secret(builtin_matcher):
    code = "var a=function(){return 1};" * 400
    text = code + f'var k="{GHP}";' + code
    [f] = scan(builtin_matcher, text, path="dist/app.min.js")
    assert f.line == 1 and f.column == len(code) + 8
    assert len(f.snippet) <= 205 and f.masked_value in f.snippet and GHP not in f.snippet


def test_placeholders_and_documentation_keys_are_ignored(builtin_matcher):
    text = "\n".join([
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        'api_key = "your-api-key"', 'token = "<token>"', 'password = "${DB_PASSWORD}"',
        'secret = "{{ vault_secret }}"', "token = os.environ['TOKEN']", "const t = process.env.API_TOKEN;",
        'GITHUB_TOKEN = "ghp_' + "x" * 36 + '"', 'api_key = "' + "*" * 20 + '"',
        'client_secret = "1234567890abcdef1234567890abcdef"', 'password = "changeme-changeme-1"',
        'api_key = "dummy-key-0123456789"',
    ])
    assert scan(builtin_matcher, text) == []


def test_entropy_floor_min_length_and_per_rule_allowlists():
    rule = make_rule(entropy=3.5, min_length=29, regex=r"(?P<secret>acme_[A-Za-z0-9]{20,})\b",
                     allowlist={"stopwords": ["sandbox"], "regexes": ["^acme_test"], "lines": [r"#\s*fixture"],
                                "paths": ["tests/**"]})
    m = SecretMatcher([rule])
    good = "acme_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6"
    assert len(scan(m, f"t = '{good}'")) == 1
    assert scan(m, "t = 'acme_aaaaaaaabbbbbbbbaaaaaaaa'") == []  # low entropy
    assert scan(m, "t = 'acme_Qm3Zr8Tn5Wp2Xk7Ld4H'") == []  # shorter than min_length
    assert scan(m, "t = 'acme_Qm3Zr8TsandboxLd4Hv9Bc6'") == []
    assert scan(m, "t = 'acme_testQm3Zr8Tn5Wp2Xk7Ld4Hv9'") == []
    assert scan(m, f"t = '{good}'  # fixture") == []
    assert scan(m, f"t = '{good}'", path="tests/unit/test_acme.py") == []


def test_regex_is_compiled_only_after_a_keyword_hit():
    m = SecretMatcher([make_rule()])
    assert m.rules[0]._regex is None
    assert scan(m, "nothing to see here\n" * 100) == []
    assert m.rules[0]._regex is None
    scan(m, "ACME_ key mentioned")
    assert m.rules[0]._regex is not None


def test_text_whose_lowercase_changes_length_keeps_columns_right(builtin_matcher):
    text = f"İİİ = '{GHP}'"  # 'İ'.lower() is two code points
    [f] = scan(builtin_matcher, text)
    assert text[f.column - 1:f.end_column - 1] == GHP


def test_disabled_and_non_secret_rules_are_ignored():
    rule = make_rule(enabled=False)
    assert scan(SecretMatcher([rule]), "acme_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6") == []
    assert scan(SecretMatcher([]), "acme_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6") == []


def test_crlf_lines_are_reported_without_carriage_returns(builtin_matcher):
    [f] = scan(builtin_matcher, f"a = 1\r\ntoken = '{GHP}'\r\nb = 2\r\n")
    assert f.line == 2 and not f.snippet.endswith("\r")


@pytest.mark.parametrize("value", ["postgres://app:Xk9mQ2vL8rT4@db.internal:5432/main",
                                   "mongodb+srv://api:Xk9mQ2vL8rT4@cluster0.mongodb.net/prod"])
def test_connection_url_password_is_the_reported_value(builtin_matcher, value):
    [f] = scan(builtin_matcher, f'DATABASE_URL = "{value}"')
    assert f.masked_value == "********" and "Xk9mQ2vL8rT4" not in f.snippet


def test_anchored_rules_match_at_keywords_and_line_starts_only():
    keyword = make_rule(regex=r"(?P<secret>acme_[A-Za-z0-9]{24})\b", anchored="keyword")
    line = make_rule(id="custom.acme-env", keywords=["acme_key"], anchored="line",
                     regex=r"[ \t]*ACME_KEY=(?P<secret>[A-Za-z0-9]{24})$")
    value = "Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6"
    assert [f.column for f in scan(SecretMatcher([keyword]), f"a = 'acme_{value}'")] == [6]
    m = SecretMatcher([line])
    assert [f.line for f in scan(m, f"# config\n  ACME_KEY={value}\nX=1")] == [2]
    assert scan(m, f"echo ACME_KEY={value}") == []  # not at the start of the line


def test_two_generic_rules_on_one_value_report_it_once(builtin_matcher):
    findings = scan(builtin_matcher, 'API_TOKEN="Zq8Xv2Lr5Tn9Wp3Kd7Hm4Bj6"\n', path=".env")
    assert len(findings) == 1 and findings[0].rule_id.startswith("secrets.generic-")


def test_many_findings_in_one_file_stay_fast(builtin_matcher):
    import time

    lines = [f'k{i} = "ghp_{fake(string.ascii_letters + string.digits, 36, i)}"  # api_key' for i in range(3000)]
    start = time.process_time()
    findings = scan(builtin_matcher, "\n".join(lines), path="dump.py")
    assert len(findings) == 3000 and {f.rule_id for f in findings} == {"secrets.github-pat"}
    assert time.process_time() - start < 3.0
