"""`br rules list|test|docs` on real pack files, including broken ones."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

GOOD_PACK = textwrap.dedent("""\
    pack: acme
    rules:
      - id: acme.internal-token
        kind: secret
        name: Acme internal token
        severity: high
        message: An Acme internal token is committed.
        fix: Rotate it in the Acme admin panel.
        keywords: [acme_tok_]
        regex: '(?P<secret>acme_tok_[A-Za-z0-9]{32})'
        entropy: 3.5
        examples:
          match:
            - {text: 'TOKEN = "acme_tok_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0Ja"', secret: acme_tok_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0Ja}
          no_match: ['TOKEN = "acme_tok_<token>"']
""")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_list_shows_builtin_rules_with_counts(br, tmp_path):
    res = br("rules", "list", "--kind", "secret", cwd=tmp_path)
    assert res.exit_code == 0
    assert "secrets.anthropic-api-key" in res.stdout and "critical" in res.stdout
    assert res.stdout.strip().splitlines()[-1].startswith(tuple("123456789"))
    assert " secret)" in res.stdout.splitlines()[-1]


def test_list_json_includes_project_pack(br, git_repo):
    git_repo.write(".buildrunner/rules/acme.yaml", GOOD_PACK)
    res = br("rules", "list", "--json", cwd=git_repo.root)
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    by_id = {r["id"]: r for r in data["rules"]}
    assert by_id["acme.internal-token"]["pack"] == "acme"
    assert by_id["secrets.github-pat"] == {**by_id["secrets.github-pat"], "kind": "secret", "severity": "critical"}
    assert data["counts"]["total"] == len(data["rules"]) and data["counts"]["secret"] >= 101


def test_test_passes_on_builtin_and_project_packs(br, git_repo):
    git_repo.write(".buildrunner/rules/acme.yaml", GOOD_PACK)
    res = br("rules", "test", cwd=git_repo.root)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("ok: ") and "examples of" in res.stdout


def test_test_reports_a_lying_example_and_exits_1(br, tmp_path):
    pack = write(tmp_path, "acme.yaml", GOOD_PACK.replace("TOKEN = \"acme_tok_<token>\"", "x = acme_tok_Zx9Cv8Bn7Mq6Wl5Ek4Rj3Ty2Ui1Op0As"))
    res = br("rules", "test", str(pack), cwd=tmp_path)
    assert res.exit_code == 1
    assert "acme.internal-token: examples.no_match[0] should not match" in res.stderr  # which example, by index
    assert "acme_tok_Zx9Cv8Bn7Mq6Wl5Ek4Rj3Ty2Ui1Op0As" not in res.output  # never printed in clear
    assert "1 of 2 examples failed" in res.stderr


def test_test_json(br, tmp_path):
    pack = write(tmp_path, "acme.yaml", GOOD_PACK.replace("Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0Ja", "short"))
    res = br("rules", "test", "--json", str(pack), cwd=tmp_path)
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["rules"] == 1 and data["examples"] == 2
    assert [f["expected"] for f in data["failures"]] == ["match"]


@pytest.mark.parametrize("broken, field, message", [
    (GOOD_PACK.replace("'(?P<secret>acme_tok_[A-Za-z0-9]{32})'", "'(?P<secret>acme_tok_[A-Za-z0-9{32})'"),
     "regex", "does not compile"),
    (GOOD_PACK.replace("(?P<secret>acme_tok_[A-Za-z0-9]{32})", "acme_tok_[A-Za-z0-9]{32}"),
     "regex", "named group `(?P<secret>"),
    (GOOD_PACK.replace("entropy: 3.5", "entropy: 3.5\n    verify_url: https://acme.test"),
     "verify_url", "unknown field"),
    (GOOD_PACK.replace("    keywords: [acme_tok_]\n", ""), "keywords", "`keywords` is required"),
    (GOOD_PACK.replace("entropy: 3.5", "entropy: high"), "entropy", "must be a number"),
    (GOOD_PACK.replace("kind: secret", "kind: secrets"), "kind", "must be one of"),
])
def test_broken_pack_exits_2_naming_file_rule_and_field(br, tmp_path, broken, field, message):
    pack = write(tmp_path, "broken.yaml", broken)
    before = pack.read_text()
    res = br("rules", "test", str(pack), cwd=tmp_path)
    assert res.exit_code == 2, res.output
    assert str(pack) in res.stderr
    assert "rule 'acme.internal-token'" in res.stderr
    assert f"field '{field}'" in res.stderr
    assert message in res.stderr
    assert pack.read_text() == before  # never rewritten


def test_yaml_syntax_error_names_the_line(br, tmp_path):
    pack = write(tmp_path, "broken.yaml", GOOD_PACK.replace("severity: high", "severity: [high"))
    res = br("rules", "test", str(pack), cwd=tmp_path)
    assert res.exit_code == 2
    assert f"{pack}:" in res.stderr and "malformed YAML" in res.stderr
    line = int(res.stderr.split(f"{pack}:")[1].split(":")[0])
    assert 6 <= line <= 8  # at or just after the broken `severity:` line (line 6)


def test_broken_project_pack_breaks_list_with_exit_2(br, git_repo):
    git_repo.write(".buildrunner/rules/acme.yaml", GOOD_PACK.replace("regex: '", "regex: '(?P<x>"))
    res = br("rules", "list", cwd=git_repo.root)
    assert res.exit_code == 2
    assert "acme.yaml" in res.stderr and "field 'regex'" in res.stderr


def test_docs_writes_and_checks_for_drift(br, tmp_path):
    out = tmp_path / "RULES.md"
    assert br("rules", "docs", "--check", "--output", str(out), cwd=tmp_path).exit_code == 1  # missing
    assert br("rules", "docs", "--output", str(out), cwd=tmp_path).exit_code == 0
    text = out.read_text()
    assert text.startswith("# Rules") and "### `secrets.anthropic-api-key`" in text
    res = br("rules", "docs", "--check", "--output", str(out), cwd=tmp_path)
    assert res.exit_code == 0 and "up to date" in res.stdout
    out.write_text(text.replace("Anthropic API key", "Anthropic key", 1))
    res = br("rules", "docs", "--check", "--output", str(out), cwd=tmp_path)
    assert res.exit_code == 1 and "out of date" in res.stderr


def test_docs_to_stdout(br, tmp_path):
    res = br("rules", "docs", cwd=tmp_path)
    assert res.exit_code == 0 and "## Pack: secrets" in res.stdout


def test_docs_check_without_output_is_a_usage_error(br, tmp_path):
    res = br("rules", "docs", "--check", cwd=tmp_path)
    assert res.exit_code == 2 and "--check needs --output" in res.stderr


def test_test_a_pack_that_also_disables_builtin_rules(br, tmp_path):
    pack = write(tmp_path, "acme.yaml", GOOD_PACK.replace("pack: acme\n", "pack: acme\ndisable: [secrets.jwt]\n"))
    res = br("rules", "test", str(pack), cwd=tmp_path)
    assert res.exit_code == 0, res.output
    assert "2 examples of 1 rule passed" in res.stdout
    bad = write(tmp_path, "bad.yaml", GOOD_PACK.replace("pack: acme\n", "pack: acme\ndisable: [secrets.no-such-rule]\n"))
    res = br("rules", "test", str(bad), cwd=tmp_path)
    assert res.exit_code == 2 and "secrets.no-such-rule" in res.stderr
