"""The shipped CI workflow and docs say what the reporters do."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import yaml

DOCS = Path(__file__).parents[2] / "docs" / "ci"


def test_code_scanning_workflow():
    text = (DOCS / "github-code-scanning.yml").read_text(encoding="utf-8")
    wf = yaml.safe_load(text)
    assert wf["permissions"]["security-events"] == "write"
    steps = wf["jobs"]["br"]["steps"]
    for step in steps:  # failures are never hidden
        assert "|| true" not in step.get("run", "") and "continue-on-error" not in step
    gate = next(s for s in steps if "br quality check" in s.get("run", ""))
    assert "--format sarif --output br.sarif" in gate["run"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@v3"))
    assert upload["if"].startswith("always()")
    assert upload["with"] == {"sarif_file": "br.sarif", "category": "br"}
    assert steps.index(gate) < steps.index(upload)


def test_readme_vscode_matcher_is_the_shipped_one():
    shipped = json.loads((files("buildrunner") / "data" / "problem-matchers.json").read_text(encoding="utf-8"))
    regexp = shipped["problemMatcher"][0]["pattern"][0]["regexp"]
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    assert json.loads(block)["tasks"][0]["problemMatcher"]["pattern"]["regexp"] == regexp
