"""The `code` rule schema: every mistake names its field."""

from __future__ import annotations

import pytest

from buildrunner.engine.code import compile_spec
from buildrunner.engine.model import SpecError

GOOD = {"sink": {"call": {"method": ["execute"]}, "argument": [0, "sql"]}, "when": "dynamic-string"}


def test_minimal_spec_has_defaults():
    spec = compile_spec(GOOD, "python.sql-injection.x")
    assert spec["methods"] == ("execute",) and spec["arguments"] == (0, "sql")
    assert spec["sql"] == "fragment" and spec["forward"] is True and spec["autofix"] is None


@pytest.mark.parametrize("raw, field", [
    ({"sink": {"call": {"method": ["execute"]}}, "pattern": "x"}, "pattern"),
    ({}, "sink"),
    ({"sink": {"call": {}}}, "sink"),
    ({"sink": {"call": {"method": ["not valid"]}}}, "sink"),
    ({"sink": {"call": {"method": ["x"], "receiver": "("}}}, "sink"),
    ({"sink": {"call": {"method": ["x"], "bogus": 1}}}, "sink"),
    ({"sink": {"call": {"method": ["x"]}, "argument": -1}}, "sink"),
    ({"sink": {"call": {"method": ["x"]}, "argument": True}}, "sink"),
    ({"sink": {"call": {"method": ["x"]}}, "when": "always"}, "when"),
    ({"sink": {"call": {"method": ["x"]}}, "sql": "maybe"}, "sql"),
    ({"sink": {"call": {"method": ["x"]}}, "sanitizers": ["ok", "not ok"]}, "sanitizers"),
    ({"sink": {"call": {"method": ["x"]}}, "sanitizers": [{"call": "f"}]}, "sanitizers"),
    ({"sink": {"call": {"method": ["x"]}}, "forward": "yes"}, "forward"),
    ({"sink": {"call": {"method": ["x"]}}, "autofix": "rewrite"}, "autofix"),
    ({"sink": {"call": {"method": ["x"]}}, "autofix": {"parameterize": "dollars"}}, "autofix"),
])
def test_bad_spec_names_the_field(raw, field):
    with pytest.raises(SpecError) as exc:
        compile_spec(raw, "python.sql-injection.x")
    assert exc.value.field == field and exc.value.message


def test_conditional_sanitizer_and_pinned_placeholder():
    spec = compile_spec({**GOOD, "sanitizers": ["sql.Identifier", {"call": "format", "unless_template_contains": "%s"}],
                         "autofix": {"parameterize": "dollar"}}, "x.y")
    assert spec["sanitizers"] == ("sql.Identifier",)
    assert spec["conditional_sanitizers"] == {"format": "%s"}
    assert spec["autofix"] == {"style": "dollar", "safety": "safe"}


def test_importing_the_code_engine_and_scanning_never_imports_libcst():
    import subprocess
    import sys

    code = ("import sys\n"
            "from buildrunner.engine.rules import load_rules\n"
            "from buildrunner.engine.code import CodeMatcher\n"
            "from buildrunner.engine.model import Document\n"
            "rules = load_rules(kinds=['code']).rules\n"
            "fs = CodeMatcher(rules).scan(Document('a.py', 'cur.execute(f\"SELECT * FROM t WHERE a={a}\")', 'python'))\n"
            "assert len(fs) == 1, fs\n"
            "assert 'libcst' not in sys.modules, 'libcst imported on the scan path'\n"
            "assert 'buildrunner.engine.analysis.javascript' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
