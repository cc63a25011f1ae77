"""`br security check` ends its process without tearing the scan's heap down: same output, same
exit code, exit handlers and non-daemon threads still honoured; in-process callers are never ended."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# a program that runs `br` the way the console script does (main() with no arguments) and leaves
# evidence of what happened at exit: an atexit handler, a non-daemon thread that writes late, and
# an object whose finalizer only runs if the interpreter tears its globals down
PROGRAM = """\
import atexit, sys, threading, time
from buildrunner.cli.main import main

atexit.register(lambda: print("EXIT-HANDLER-RAN", file=sys.stderr, flush=True))

def late():
    time.sleep(0.3)
    print("LATE-THREAD-WROTE", file=sys.stderr, flush=True)

threading.Thread(target=late).start()

class Heap:
    def __del__(self):
        print("HEAP-TORN-DOWN", file=sys.stderr, flush=True)

heap = Heap()
sys.argv = ["br", *sys.argv[1:]]
main()
"""


def _run(root, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BR_TELEMETRY": "0", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def project(git_repo):
    git_repo.write("app.py", 'def find(db, name):\n    return db.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n')
    git_repo.write("clean.py", "x = 1\n")
    return git_repo


def test_a_scan_ends_fast_with_its_output_and_exit_code(project, br):
    ran = _run(project.root, "security", "check", "--json", "--no-baseline")
    assert ran.returncode == 1
    report = json.loads(ran.stdout)  # complete, flushed
    assert [f["path"] for f in report["findings"]] == ["app.py"]
    assert "EXIT-HANDLER-RAN" in ran.stderr and "LATE-THREAD-WROTE" in ran.stderr
    assert "HEAP-TORN-DOWN" not in ran.stderr  # ended without freeing the heap object by object

    inproc = br("security", "check", "--json", "--no-baseline", cwd=project.root)  # the test process lives on
    assert inproc.exit_code == 1
    assert json.loads(inproc.stdout)["findings"] == report["findings"]


def test_exit_codes_are_kept(project):
    (project.root / "app.py").unlink()
    clean = _run(project.root, "security", "check", "--no-baseline")
    assert clean.returncode == 0 and "No findings" in clean.stdout
    usage = _run(project.root, "security", "check", "--since", "HEAD")
    assert usage.returncode == 2 and "--since needs --history" in usage.stderr


def test_other_commands_exit_the_ordinary_way(project):
    ran = _run(project.root, "rules", "list")
    assert ran.returncode == 0
    assert "HEAP-TORN-DOWN" in ran.stderr and "EXIT-HANDLER-RAN" in ran.stderr
