"""The composite GitHub Action (action.yml) and the docs/ci workflows: linted with actionlint (the
real tool), and the action's gate step run as GitHub would run it, against a real repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.migrate.tokens import github_pat

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "docs" / "ci").glob("*.yml"))


def actionlint() -> str:
    exe = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert exe, "actionlint is a dev dependency (make install)"
    return exe


def run_actionlint(cwd: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", *files], cwd=cwd, capture_output=True, text=True)


def test_docs_workflows_pass_actionlint():
    assert WORKFLOWS
    proc = run_actionlint(ROOT, *(str(p.relative_to(ROOT)) for p in WORKFLOWS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _local_copy(tmp_path: Path, workflow: str) -> Path:
    """The action and a workflow that uses it as `./`, so actionlint checks the inputs against action.yml."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, repo / "action.yml")
    (repo / ".github" / "workflows" / "br.yml").write_text(workflow)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)  # actionlint finds the project by its repository
    return repo


def test_the_action_as_used_in_the_docs_passes_actionlint(tmp_path):
    text = (ROOT / "docs" / "ci" / "br-action.yml").read_text()
    local = re.sub(r"uses: buildrunner/buildrunner@\S+", "uses: ./", text)
    assert local != text
    proc = run_actionlint(_local_copy(tmp_path, local), ".github/workflows/br.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # not vacuous: a misspelt input is an error actionlint reports against action.yml
    proc = run_actionlint(_local_copy(tmp_path / "bad", local.replace("fail-on:", "fail_on:")),
                          ".github/workflows/br.yml")
    assert proc.returncode == 1 and "fail_on" in proc.stdout


def test_action_metadata():
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    assert {"paths", "base", "fail-on", "format"} <= declared
    used = set(re.findall(r"inputs\.([a-z][a-z0-9-]*)", ACTION.read_text()))
    assert used <= declared, f"undeclared inputs: {used - declared}"
    steps = action["runs"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts through env, never pasted into them"
            proc = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr


def _gate_step() -> dict:
    return next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("id") == "gate")


def run_gate_step(repo: Path, tmp_path: Path, **inputs: str) -> tuple[dict, str, subprocess.CompletedProcess]:
    """Run the action's gate step like the runner does: bash -e, the step's env from inputs, the
    GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, br (installed in this venv) on PATH."""
    action = yaml.safe_load(ACTION.read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    step = _gate_step()
    env = {k: re.sub(r"\$\{\{ inputs\.([a-z-]+) \}\}", lambda m: values[m.group(1)], v) for k, v in step["env"].items()}
    out, summary = tmp_path / "output", tmp_path / "summary.md"
    out.write_text("")
    summary.write_text("")
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE"))}, **env,
                "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo,
                          env=full_env, capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    return outputs, summary.read_text(), proc


SQLI = 'def f(cur, uid):\n    cur.execute("SELECT * FROM t WHERE id = " + uid)\n'


@pytest.mark.slow
def test_gate_step_fails_on_a_secret_and_writes_sarif_and_summary(git_repo, tmp_path):
    git_repo.write("app.py", f'TOKEN = "{github_pat("ci")}"\n')
    outputs, summary, proc = run_gate_step(git_repo.root, tmp_path)
    assert proc.returncode == 0, proc.stderr  # the step records the code; the Verdict step fails the job
    assert outputs["exit-code"] == "1" and outputs["sarif"] == "true"
    sarif = json.loads((git_repo.root / "br.sarif").read_text())
    assert any(r["ruleId"] == "secrets.github-pat" for run in sarif["runs"] for r in run["results"])
    assert "::error file=app.py,line=1" in proc.stdout  # format github: annotations in the log
    assert "br" in summary and github_pat("ci") not in summary + proc.stdout
    assert github_pat("ci") not in (git_repo.root / "br.sarif").read_text()


@pytest.mark.slow
def test_gate_step_fail_on_and_text_summary(git_repo, tmp_path):
    git_repo.write("db.py", SQLI)  # high
    outputs, summary, proc = run_gate_step(git_repo.root, tmp_path, **{"fail-on": "critical", "format": "text"})
    assert outputs["exit-code"] == "0", proc.stdout + proc.stderr
    assert "### br quality check (exit 0)" in summary and "db.py" in summary
    outputs, _, _ = run_gate_step(git_repo.root, tmp_path, **{"fail-on": "high", "format": "text"})
    assert outputs["exit-code"] == "1"


def test_verdict_step_exits_with_the_gate_code():
    verdict = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s.get("name") == "Verdict")
    for code in ("0", "1", "2"):
        proc = subprocess.run(["bash", "-c", verdict["run"]], env={"BR_EXIT": code, "PATH": os.environ["PATH"]})
        assert str(proc.returncode) == code
    assert subprocess.run(["bash", "-c", verdict["run"]], env={"PATH": os.environ["PATH"]}).returncode == 2


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_docs_workflows_never_hide_failures(path):
    doc = yaml.safe_load(path.read_text())
    runs = [step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step]
    assert all("|| true" not in r and "continue-on-error" not in r for r in runs)
