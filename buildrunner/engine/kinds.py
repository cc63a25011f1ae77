"""The one registry of rule kinds: how each kind's spec is validated, which matcher scans it, and
how its examples are proved.

The rule loader (`engine.rules`), the scan pipeline (`engine.scan`), the example runner
(`engine.ruletest`) and `br rules test` all read this table; nothing else lists kinds. Targets are
"module:attribute" strings imported on first use, so loading a pack on the hook path does not
import every matcher. A target that cannot be imported is an error (`KindUnavailable`, exit 2),
never a silently skipped kind: a broken install must not look like a clean scan.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from buildrunner.errors import BrError


@dataclass(frozen=True)
class Kind:
    name: str
    spec: str  # "module:function": compile_spec(raw, rule_id) -> spec, raising SpecError(field, message)
    matcher: str | None = None  # "module:Class" scanning Documents; None: not a per-document kind
    examples: str = "matcher"  # "matcher": engine.ruletest runs them; "repository": tests/gate builds repos


KINDS: dict[str, Kind] = {
    "secret": Kind("secret", "buildrunner.engine.secrets:compile_spec", "buildrunner.engine.secrets:SecretMatcher"),
    "code": Kind("code", "buildrunner.engine.code:compile_spec", "buildrunner.engine.code:CodeMatcher"),
    # Repository gaps: the engine validates the spec; the checks run in buildrunner.quality.gaps.
    "repo": Kind("repo", "buildrunner.engine.repo:compile_spec", examples="repository"),
}


class KindUnavailable(BrError):
    """A registered kind's module cannot be imported (a broken or partial install)."""


def _resolve(target: str, kind: str):
    module, attr = target.split(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise KindUnavailable(f"rule kind {kind!r}: cannot import {target}: {exc}",
                              hint="reinstall buildrunner (`pip install --force-reinstall buildrunner`)") from None


def names() -> list[str]:
    return list(KINDS)


def spec_compiler(kind: str):
    """The kind's compile_spec(raw, rule_id)."""
    return _resolve(KINDS[kind].spec, kind)


def scanned_kinds() -> list[str]:
    """Kinds whose rules a scan runs over documents (sorted)."""
    return sorted(name for name, k in KINDS.items() if k.matcher)


def matcher_class(kind: str):
    """The matcher class for `kind`; None when the kind has no per-document matcher (or is unknown).
    Raises KindUnavailable when the matcher is registered but cannot be imported."""
    entry = KINDS.get(kind)
    if entry is None or entry.matcher is None:
        return None
    return _resolve(entry.matcher, kind)
