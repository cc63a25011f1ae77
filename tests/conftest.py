"""Shared fixtures: real git repositories in temp dirs and a `br` runner."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test reads the developer's git config, telemetry or user data dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.setenv("BR_TELEMETRY", "0")  # tests that exercise telemetry turn it back on
    for k, v in GIT_ENV.items():
        monkeypatch.setenv(k, v)


@dataclass
class GitRepo:
    root: Path

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                              env={**os.environ, **GIT_ENV})
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or (".",)))

    def commit(self, message: str = "commit", *, date: str | None = None) -> str:
        env_args = []
        if date:
            os.environ["GIT_AUTHOR_DATE"] = date
            os.environ["GIT_COMMITTER_DATE"] = date
        try:
            self.git("commit", "-q", "--no-verify", "-m", message, *env_args)
        finally:
            os.environ.pop("GIT_AUTHOR_DATE", None)
            os.environ.pop("GIT_COMMITTER_DATE", None)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    root = tmp_path / "repo"
    root.mkdir()
    repo = GitRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.email", "author@example.com")
    repo.git("config", "user.name", "Test Author")
    repo.git("config", "commit.gpgsign", "false")
    return repo


@dataclass
class BrResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def br(monkeypatch):
    """Run `br` in-process (fast, counted by coverage): br(*args, cwd=..., input=...).

    The result holds what br's own threads printed, never what another thread of this worker
    process wrote meanwhile (see `own_threads_runner`)."""
    from buildrunner.cli.main import main

    def run(*args: str, cwd: Path | str | None = None, input: str | None = None,
            env: dict[str, str] | None = None) -> BrResult:
        runner = own_threads_runner()
        old = os.getcwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            result = _invoke(runner, main, args, input, env)
        finally:
            os.chdir(old)
        return result

    return run


def own_threads_runner():
    """A click `CliRunner` whose captured stdout/stderr only take what the invoking thread, and the
    threads it started (transitively) during the invocation, write.

    CliRunner swaps the process-wide `sys.stdout`/`sys.stderr`: without this, a thread left over from
    an earlier test of the same xdist worker (a fake server's request handler waking up late and
    printing "Exception occurred during processing of request from ('127.0.0.1', ...)") lands in
    this run's output and fails an assertion about br. Those threads write to the streams that were
    in place before the invocation (pytest's capture) instead.
    """
    from click.testing import CliRunner

    class OwnThreadsRunner(CliRunner):
        @contextlib.contextmanager
        def isolation(self, *args, **kwargs):
            outer_out, outer_err = sys.stdout, sys.stderr
            with super().isolation(*args, **kwargs) as streams, _thread_family() as family:
                sys.stdout = _ByThread(family, sys.stdout, outer_out)
                sys.stderr = _ByThread(family, sys.stderr, outer_err)
                yield streams  # CliRunner puts the outer streams back

    return OwnThreadsRunner()


_families: list[set[threading.Thread]] = []  # the threads of each invocation in progress


def _record_started_threads() -> None:
    """Wrap `Thread.start` (once per process): a thread started by a member of a family joins it."""
    if getattr(threading.Thread.start, "records_family", False):
        return
    original = threading.Thread.start

    def start(self, *args, **kwargs):
        parent = threading.current_thread()
        for family in list(_families):
            if parent in family:
                family.add(self)
        return original(self, *args, **kwargs)

    start.records_family = True
    threading.Thread.start = start


@contextlib.contextmanager
def _thread_family():
    _record_started_threads()
    family = {threading.current_thread()}
    _families.append(family)
    try:
        yield family
    finally:
        _families.remove(family)


class _ByThread:
    """A text stream that sends a family's writes to `own` and every other thread's to `other`."""

    def __init__(self, family: set[threading.Thread], own, other):
        self._family, self._own, self._other = family, own, other

    def _target(self):
        return self._own if threading.current_thread() in self._family else self._other

    def write(self, text):
        return self._target().write(text)

    def writelines(self, lines):
        return self._target().writelines(lines)

    def flush(self):
        return self._target().flush()

    def __getattr__(self, name):
        return getattr(self._target(), name)


def _invoke(runner, main, args, input, env) -> BrResult:
    import click

    @click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def wrapper():
        main(list(args))

    res = runner.invoke(wrapper, [], input=input, env=env, catch_exceptions=False)
    return BrResult(res.exit_code, res.stdout, res.stderr)


@pytest.fixture
def br_subprocess():
    """Run the installed `br` as a real subprocess (for hooks, concurrency and timing-sensitive paths)."""

    def run(*args: str, cwd: Path | str | None = None, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120) -> BrResult:
        proc = subprocess.run([sys.executable, "-m", "buildrunner", *args], cwd=cwd, input=input,
                              capture_output=True, text=True, env={**os.environ, **(env or {})},
                              timeout=timeout)
        return BrResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def uninstrumented_env(**extra: str) -> dict[str, str]:
    """os.environ without coverage's subprocess hook: for tests that measure the child process
    itself (what it imports, how it fails on a full disk), which coverage would otherwise change."""
    env = {k: v for k, v in os.environ.items() if k not in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")}
    env.update(extra)
    return env
