"""`--output` into a missing directory is a usage error; ports are validated everywhere."""

from __future__ import annotations

import pytest

SECRET_LINE = 'GITHUB_TOKEN = "ghp_Qm3Zr8Tn5Wp2Xk7Ld4Hv9Bc6Fy1Gs0JaPq2W"\n'


@pytest.fixture
def project(git_repo, br):
    git_repo.write("app.py", SECRET_LINE)
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    return git_repo


@pytest.mark.parametrize("argv", [
    ["security", "check", "--format", "sarif", "-o", "{missing}/x.sarif"],
    ["security", "baseline", "--output", "{missing}/baseline.json"],
    ["quality", "check", "--format", "sarif", "-o", "{missing}/gate.sarif"],
    ["gaps", "analyze", "-o", "{missing}/gaps.txt"],
    ["telemetry", "export", "{missing}/events.jsonl"],
    ["rules", "docs", "-o", "{missing}/RULES.md"],
    ["model", "stats", "-o", "{missing}/stats.txt"],
])
def test_output_into_a_missing_directory_is_exit_2_and_creates_nothing(project, br, tmp_path, argv):
    missing = tmp_path / "nonexistent" / "deeper"
    res = br(*[a.format(missing=missing) for a in argv], cwd=project.root)
    assert res.exit_code == 2, res.output
    assert "does not exist" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "nonexistent").exists()


def test_output_into_an_existing_directory_still_works(project, br, tmp_path):
    res = br("security", "check", "--format", "sarif", "-o", str(tmp_path / "x.sarif"), cwd=project.root)
    assert res.exit_code == 1 and (tmp_path / "x.sarif").is_file()


@pytest.mark.parametrize("argv", [
    ["dashboard", "--port", "-5"],
    ["dashboard", "--port=-5"],
    ["dashboard", "--port", "99999"],
    ["dashboard", "--port", "65536"],
    ["orchestrate", "--parallel", "--port", "99999"],
    ["orchestrate", "--parallel", "--port=-1"],
    ["config", "set", "orchestration.dashboard_port", "99999"],
    ["config", "set", "telemetry.email.smtp_port", "0"],
])
def test_ports_out_of_range_are_usage_errors(project, br_subprocess, argv):
    res = br_subprocess(*argv, cwd=project.root, timeout=30)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "Dashboard:" not in res.output


def test_a_port_from_the_library_is_checked_too(project):
    from buildrunner.errors import BrError
    from buildrunner.orchestration.dashboard import DashboardServer

    for port in (-5, 99999, "8080"):
        with pytest.raises(BrError, match="invalid dashboard port"):
            DashboardServer(project.root, port=port)
