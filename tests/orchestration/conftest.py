"""Fixtures for orchestration tests: a three-stream project, a scripted agent, worker drivers."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

FAKE_AGENT = Path(__file__).with_name("fake_agent.py")

PRICING = '''"""Prices."""


def price(item, qty):
    return item.cost * qty


def discount(total):
    return total * 0.9
'''

ORDERS = '''from core.pricing import price


def order_total(items):
    return sum(price(i, 1) for i in items)
'''

CART = '''export function cartTotal(items) {
  return items.reduce((sum, i) => sum + i.cost, 0);
}
'''

PLAN = """
name: shop
max_tasks_per_batch: 1
streams:
  - name: core
    description: pricing and tax
    tasks:
      - id: core-currency
        title: Prices take a currency
        files: [core/pricing.py]
      - id: core-tax
        title: Add tax rules
        files: [core/tax.py]
  - name: api
    tasks:
      - id: api-orders
        title: Bulk order totals
        files: [api/orders.py]
      - id: api-refunds
        title: Refunds
        files: [api/refunds.py]
        depends_on: [core-currency]
  - name: ui
    tasks:
      - id: ui-cart
        title: Cart shows totals
        files: [ui/cart.js]
      - id: ui-checkout
        title: Checkout page
        files: [ui/checkout.js]
        depends_on: [api-orders]
"""


@pytest.fixture
def project(git_repo):
    """A committed three-stream project with a plan at .buildrunner/plan.yaml."""
    git_repo.write("core/__init__.py", "")
    git_repo.write("core/pricing.py", PRICING)
    git_repo.write("api/__init__.py", "")
    git_repo.write("api/orders.py", ORDERS)
    git_repo.write("ui/cart.js", CART)
    git_repo.write("README.md", "shop\n")
    git_repo.add()
    git_repo.commit("initial")
    git_repo.write(".buildrunner/plan.yaml", PLAN)
    return git_repo


@pytest.fixture
def scenario(tmp_path, monkeypatch):
    """Write the fake agent's script; sets FAKE_AGENT_SCENARIO and returns the agent command."""
    path = tmp_path / "scenario.json"

    def write(steps: dict) -> str:
        path.write_text(json.dumps(steps))
        monkeypatch.setenv("FAKE_AGENT_SCENARIO", str(path))
        return f"{sys.executable} {FAKE_AGENT}"

    return write


class WorkerProcess:
    """`br worker --stream NAME` as a real subprocess, driven through its stdin."""

    def __init__(self, root: Path, stream: str, agent: str, *extra: str, env: dict | None = None):
        self.lines: queue.Queue = queue.Queue()
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "buildrunner", "worker", "--stream", stream, "--agent-command", agent, *extra],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **(env or {})}, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"worker exited before {text!r}:\n" + "\n".join(self.output))
            self.output.append(line)
            if text in line:
                return line
        raise AssertionError(f"timed out waiting for {text!r}:\n" + "\n".join(self.output))

    def send(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def workers():
    started: list[WorkerProcess] = []

    def start(root, stream, agent, *extra, env=None) -> WorkerProcess:
        w = WorkerProcess(root, stream, agent, *extra, env=env)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()


def git(root: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout.strip()


def wait_for(predicate, timeout: float = 15.0):
    """Poll `predicate` until it returns something truthy (returned), else fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
