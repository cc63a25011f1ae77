"""Shared helpers for the scan pipeline tests: a tiny secret rule pack and scan shortcuts.

The pack uses a token format no built-in rule knows (`brtest_` + 20 characters), so tests don't
depend on the shipped rules, and CLI tests select it with `--rules testpack.token`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

RULE_ID = "testpack.token"
PACK = """\
rules:
  - id: testpack.token
    kind: secret
    name: Test token
    severity: high
    message: A test token is committed.
    keywords: [brtest_]
    regex: '(?P<secret>brtest_[A-Za-z0-9]{20})'
    examples:
      match: ['token = "brtest_Q8x2Lm4Pz7Rt1Vb6Nc3K"']  # br: ignore[secrets]
  - id: testpack.pykey
    kind: secret
    name: Python-only test key
    severity: medium
    languages: [python]
    message: A Python-only test key.
    keywords: [brpy_]
    regex: '(?P<secret>brpy_[A-Za-z0-9]{16})'
    examples:
      match: ['k = "brpy_Q8x2Lm4Pz7Rt1Vb6"']
"""
RULES = ("--rules", "testpack")


def token(n: int | str) -> str:
    """A distinct, realistic-looking test token per `n` (never a placeholder pattern)."""
    digest = hashlib.sha256(f"token-{n}".encode()).hexdigest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    body = "".join(alphabet[int(digest[i:i + 2], 16) % len(alphabet)] for i in range(0, 40, 2))
    return f"brtest_{body}"


def install_pack(root: Path) -> None:
    rules_dir = root / ".buildrunner" / "rules"
    rules_dir.mkdir(parents=True, exist_ok=True)
    (rules_dir / "test.yaml").write_text(PACK, encoding="utf-8")


def pack_rules(project):
    from buildrunner.engine.rules import load_rules

    return [r for r in load_rules(project, builtin=False).select(ids=["testpack"]).rules if r.enabled]


def project_of(root: Path):
    from buildrunner.project import Project

    return Project(Path(root))


def scan_items(root: Path, items, *, jobs: int = 1, mode: str = "files", **kw):
    from buildrunner import config as config_mod
    from buildrunner.engine.scan import scan

    project = project_of(root)
    return scan(project, items, pack_rules(project), config=config_mod.load(project), jobs=jobs, mode=mode, **kw)
