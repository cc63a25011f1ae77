"""The per-command hook stays light: no heavy imports, no threshold work when nothing changed.
(Timings are measured in bench/bench_telemetry.py, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import uninstrumented_env

SNIPPET = r"""
import json, sys
from buildrunner.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("yaml", "rich", "gzip", "platformdirs", "hashlib", "buildrunner.engine.secrets",
         "buildrunner.telemetry.thresholds", "buildrunner.telemetry.alerts", "subprocess")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _modules_after(args, cwd) -> list[str]:
    out = subprocess.run([sys.executable, "-c", SNIPPET, *args], cwd=cwd, capture_output=True, text=True,
                         env=uninstrumented_env(), timeout=60).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_steady_state_command_imports_nothing_heavy(project, br):
    br("feature", "list", cwd=project.root)  # first collection: notice, caches, first threshold check
    _modules_after(["feature", "list"], project.root)  # a fresh process writes the masker's keyword cache
    assert _modules_after(["feature", "list"], project.root) == []
    events = (project.telemetry_dir / "events.jsonl").read_text().splitlines()
    assert json.loads(events[-1])["data"]["command"] == "feature list"


def test_a_changed_count_triggers_the_threshold_check(project, br):
    br("feature", "add", "A", cwd=project.root)
    br("feature", "list", cwd=project.root)
    assert "buildrunner.telemetry.thresholds" in _modules_after(["feature", "complete", "F1"], project.root)
    assert "buildrunner.telemetry.thresholds" not in _modules_after(["feature", "list"], project.root)
    assert "buildrunner.telemetry.thresholds" in _modules_after(["status"], project.root)


def test_version_and_help_skip_telemetry_entirely(project):
    code = ("import sys\nfrom buildrunner.cli.main import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
            "    pass\nprint([m for m in sys.modules if m.startswith('buildrunner.telemetry')])")
    for args in (["--version"], ["--help"]):
        out = subprocess.run([sys.executable, "-c", code, *args], cwd=project.root, capture_output=True, text=True)
        assert out.stdout.strip().splitlines()[-1] == "[]"
