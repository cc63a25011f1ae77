"""scripts/strict_examples.py: plain examples become strict, comments stay, a second run changes
nothing, examples that do not produce exactly one finding are refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from buildrunner.engine.rules import load_pack
from buildrunner.engine.ruletest import run_examples

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "strict_examples.py"

PACK = textwrap.dedent("""\
    # a user's pack, written with plain strings
    pack: acme
    rules:
    - id: acme.token
      kind: secret
      name: Acme token
      severity: high
      message: An Acme token is committed.
      keywords: [acme_]
      regex: '(?P<secret>acme_[a-z0-9]{24})\\b'
      examples:
        match:
        - ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"   # the common case
        - |
          # config
          token: acme_z9x8c7v6b5n4m3l2k1j0h9g8
        no_match:
        - ACME = "acme_short"
    - id: acme.sqli
      kind: code
      name: SQLi
      severity: high
      message: SQL built from runtime values.
      languages: [python]
      sink: {call: {method: [execute]}}
      when: dynamic-string
      examples:
        match:
        - 'cur.execute("SELECT " + a)'
        - |
          def f(cur, a):
              cur.execute("SELECT " + a)
""")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def test_converts_keeps_comments_and_is_idempotent(tmp_path):
    pack = tmp_path / "acme.yaml"
    pack.write_text(PACK)
    assert [f.expected for f in run_examples(load_pack(pack).rules)] == ["loose"] * 4
    res = run(str(pack))
    assert res.returncode == 0, res.stderr
    assert "converted 4 example(s)" in res.stdout
    text = pack.read_text()
    assert "# a user's pack, written with plain strings" in text and "# the common case" in text
    assert "secret: 'acme_q8d7f6g5h4j3k2l1m9n8b7v6'" in text
    assert "          # ruleid: acme.sqli\n          cur.execute" in text
    rules = load_pack(pack).rules
    assert run_examples(rules) == []
    assert rules[0].examples.match[1].expected_line() == 2
    assert run(str(pack), "--check").returncode == 0 and pack.read_text() == text
    assert run(str(pack)).stdout.strip().endswith("converted 0 example(s)")


def test_refuses_an_example_without_exactly_one_finding(tmp_path):
    pack = tmp_path / "acme.yaml"
    pack.write_text(PACK.replace('- ACME = "acme_q8d7f6g5h4j3k2l1m9n8b7v6"', '- a = "acme_q8d7f6g5h4j3k2l1m9n8b7v6" b = "acme_a8d7f6g5h4j3k2l1m9n8b7v6"'))
    res = run(str(pack))
    assert res.returncode == 2
    assert f"refused: {pack}: acme.token: examples.match[0]: 2 findings (exactly one is needed)" in res.stderr
    assert run_examples(load_pack(pack).rules)[0].expected == "loose"  # left for a hand edit
