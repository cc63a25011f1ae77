"""The plan's `verify:` command, run on a merge result before anything lands.

The command runs in a temporary detached worktree of the candidate commit (never in the user's
checkout or a stream's worktree), through the shell, in its own process group (a timeout stops
everything it started). Results are cached by tree id: two candidate commits with the same content
are verified once. The end of the output is kept (secrets masked) for the report and the
resolution prompt.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from buildrunner.orchestration import worktrees as wt

TAIL_LINES = 25
DEFAULT_TIMEOUT = 1800


@dataclass
class VerifyResult:
    ok: bool
    exit_code: int | None      # None: timed out or could not start
    tail: str                  # the last lines of the output, secrets masked
    seconds: float
    command: str

    def summary(self) -> str:
        if self.exit_code is None:
            return f"`{self.command}` did not finish ({self.tail.splitlines()[-1] if self.tail else 'no output'})"
        return f"`{self.command}` exited with code {self.exit_code} after {self.seconds:.1f}s"


class Verifier:
    """Runs `command` on commits of the repository at `root`; remembers results per tree."""

    def __init__(self, root: Path, command: str, *, timeout: float = DEFAULT_TIMEOUT, log_dir: Path | None = None):
        self.root = Path(root)
        self.command = command
        self.timeout = timeout
        self.log_dir = log_dir
        self.results: dict[str, VerifyResult] = {}
        self.runs = 0

    def __call__(self, commit: str) -> VerifyResult:
        tree = wt.out(self.root, "rev-parse", f"{commit}^{{tree}}")
        if tree not in self.results:
            self.results[tree] = self._run(commit)
        return self.results[tree]

    def _run(self, commit: str) -> VerifyResult:
        from buildrunner.engine.masking import sanitize_text

        self.runs += 1
        tmp = Path(tempfile.mkdtemp(prefix="br-verify-"))
        checkout = tmp / "tree"
        t0 = time.monotonic()
        try:
            wt.git(self.root, "worktree", "add", "-q", "--detach", str(checkout), commit)
            code, output = _run_shell(self.command, checkout, self.timeout)
        finally:
            wt.git(self.root, "worktree", "remove", "--force", str(checkout), check=False)
            shutil.rmtree(tmp, ignore_errors=True)
            wt.git(self.root, "worktree", "prune", check=False)
        text = sanitize_text(output.decode("utf-8", "replace"))
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            (self.log_dir / f"verify-{commit[:10]}.log").write_text(text, encoding="utf-8")
        tail = "\n".join(text.rstrip().splitlines()[-TAIL_LINES:])
        if code is None:
            tail = (tail + "\n" if tail else "") + f"(stopped after {self.timeout:g}s: verify_timeout)"
        return VerifyResult(code == 0, code, tail, time.monotonic() - t0, self.command)


def _run_shell(command: str, cwd: Path, timeout: float) -> tuple[int | None, bytes]:
    env = {**os.environ, "BR_VERIFY": "1"}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, shell=True, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever the command left running
            proc.wait()
        out.seek(0)
        return code, out.read()
