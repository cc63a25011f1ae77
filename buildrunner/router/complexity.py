"""How hard a task is, for routing: simple | medium | complex | planning.

The product policy (catalog.yaml): Haiku's ceiling is `simple` (formatting, linting, TODO
extraction, simple file edits), Sonnet's is `complex` (features, tests, bug fixes, refactors,
multi-file changes), Opus takes `planning` (architecture, PRDs, system design, complex design
decisions, decisions spanning several systems, hard debugging across many components).

The decision itself is made by the learned estimator (estimator.py: two logistic decisions over
the explainable features of features.py); this module keeps the task context and the
`estimate_complexity` entry point, and maps the estimator's answer to a level.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


class TaskContext:
    """What is known about the change besides its wording: files touched, their size, languages and
    top-level packages, and lines changed (from `--diff`). (Plain classes here: dataclass generation
    costs ~1 ms per class at import, on the `br model route` path.)"""

    __slots__ = ("files", "total_bytes", "languages", "packages", "changed_lines")

    def __init__(self, files: int = 0, total_bytes: int = 0, languages: tuple[str, ...] = (),
                 packages: tuple[str, ...] = (), changed_lines: int = 0) -> None:
        self.files, self.total_bytes, self.languages, self.packages = files, total_bytes, languages, packages
        self.changed_lines = changed_lines

    @classmethod
    def from_paths(cls, paths: list[str | Path], root: Path | None = None, files: int | None = None,
                   changed_lines: int = 0) -> TaskContext:
        """Context from real paths: sizes, languages by extension, top-level packages touched."""
        root = Path(root or os.getcwd())
        size, langs, pkgs = 0, set(), set()
        for raw in paths:
            path = Path(raw)
            full = path if path.is_absolute() else root / path
            with contextlib.suppress(OSError):  # a missing file adds nothing
                size += full.stat().st_size
            lang = _EXT_LANG.get(path.suffix.lower())
            if lang:
                langs.add(lang)
            try:
                rel = full.resolve().relative_to(root.resolve())
            except (ValueError, OSError):
                rel = path
            if len(rel.parts) > 1:
                pkgs.add(rel.parts[0] if rel.parts[0] not in {"src", "lib", "packages", "services", "apps"}
                         or len(rel.parts) < 3 else f"{rel.parts[0]}/{rel.parts[1]}")
        count = max(files or 0, len(paths))
        return cls(files=count, total_bytes=size, languages=tuple(sorted(langs)), packages=tuple(sorted(pkgs)),
                   changed_lines=changed_lines)


_EXT_LANG = {".py": "python", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
             ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".rs": "rust", ".java": "java",
             ".kt": "kotlin", ".rb": "ruby", ".php": "php", ".cs": "csharp", ".c": "c", ".h": "c",
             ".cpp": "cpp", ".hpp": "cpp", ".swift": "swift", ".sql": "sql", ".sh": "shell"}


class Complexity:
    """The level, a task type for usage stats, the reasons, and the estimator's full answer."""

    def __init__(self, level: str, task_type: str, reasons: list[str] | None = None, estimate=None) -> None:
        self.level, self.task_type, self.reasons = level, task_type, reasons or []
        self.estimate = estimate

    def as_dict(self) -> dict:
        return {"level": self.level, "task_type": self.task_type, "reasons": list(self.reasons)}

    def __repr__(self) -> str:
        return f"Complexity({self.level!r}, {self.task_type!r})"


_TASK_TYPES = {"act:format": "format", "act:lint": "lint", "act:typo": "typo", "act:docs": "docs",
               "act:rename": "rename", "act:todo": "todo", "act:version": "chore", "act:explain": "explain",
               "act:text": "text", "act:implement": "implement", "act:bug": "fix", "act:test": "test",
               "act:refactor": "refactor", "act:swap": "refactor", "act:symptom": "fix", "act:perf": "performance", "act:migrate": "migration",
               "act:fix": "fix", "act:change": "change"}
_SIMPLE = ("act:typo", "act:format", "act:lint", "act:docs", "act:rename", "act:todo", "act:version",
           "act:explain", "act:text")
_COMPLEX_SIGNS = ("topic:security", "topic:concurrency", "topic:data", "scope:wide", "act:migrate",
                  "ctx:files>=8", "ctx:packages>=2", "ctx:languages>=2", "ctx:lines>=1000", "systems:3+")


def level_of(estimate) -> str:
    """The level for the estimator's tier: Haiku work is simple, Opus work planning; Sonnet work is
    complex when it touches a risky topic or a wide scope, else medium (for stats only: both go to
    Sonnet)."""
    if estimate.tier == "haiku":
        return "simple"
    if estimate.tier == "opus":
        return "planning"
    values = estimate.features.values
    return "complex" if any(name in values for name in _COMPLEX_SIGNS) else "medium"


def task_type_of(estimate) -> str:
    values = estimate.features.values
    if estimate.tier == "opus":
        if "ask:decision" in values or "plan:propose" in values:
            return "decision"
        if "debug:hard" in values and not any(k.startswith("plan:") for k in values):
            return "debugging"
        return "architecture" if "plan:design" in values else "planning"
    lead = estimate.features.lead
    if estimate.tier == "haiku":
        simple = [name for name in _TASK_TYPES if name in values and name in _SIMPLE]
        if simple:
            return _TASK_TYPES[simple[0]]
    if estimate.features.normalized is not None and estimate.features.normalized.is_issue and estimate.tier != "haiku":
        return "fix"
    return _TASK_TYPES.get(lead or "", "general")


def estimate_complexity(task: str, context: TaskContext | None = None, *, prices: dict | None = None,
                        risk: float | None = None, offsets: dict | None = None) -> Complexity:
    """The level of `task` with the reasons that decided it (`br model route --explain`)."""
    from buildrunner.router.estimator import estimate

    result = estimate(task, context, prices=prices, risk=risk, offsets=offsets)
    reasons = []
    for decision in (result.sonnet, result.opus):
        top = ", ".join(f"{name} {c:+.2f}" + (f" ({', '.join(map(repr, words[:2]))})" if words else "")
                        for name, c, words in decision.contributions[:3])
        reasons.append(f"needs {decision.name}: p={decision.probability:.2f} vs threshold {decision.threshold:.2f} "
                       f"(margin {decision.margin:+.2f}); top: {top or 'bias only'}")
    return Complexity(level_of(result), task_type_of(result), reasons, estimate=result)
