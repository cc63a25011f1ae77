"""Where a project lives: its root, its `.buildrunner/` directory and the files in it.

Discovery walks up from the current directory to the first directory that holds `.buildrunner/`
or `.git` (a directory, or a file for worktrees and submodules). Nothing here runs git, so it is
cheap enough for the pre-commit hook path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

BR_DIR = ".buildrunner"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def br_dir(self) -> Path:
        return self.root / BR_DIR

    @property
    def config_path(self) -> Path:
        return self.br_dir / "config.yaml"

    @property
    def whitelist_path(self) -> Path:
        return self.br_dir / "whitelist.txt"

    @property
    def baseline_path(self) -> Path:
        return self.br_dir / "baseline.json"

    @property
    def rules_dir(self) -> Path:
        return self.br_dir / "rules"

    @property
    def telemetry_dir(self) -> Path:
        return self.br_dir / "telemetry"

    @property
    def state_dir(self) -> Path:
        """Machine-local state (last scan, caches); git-ignored by `br init`."""
        return self.br_dir / "state"

    @property
    def is_git(self) -> bool:
        return (self.root / ".git").exists()

    @property
    def initialized(self) -> bool:
        """`br init` has run: its config file exists (a scan alone creates `.buildrunner/state/`)."""
        return self.config_path.is_file()

    @cached_property
    def git_dir(self) -> Path | None:
        """The real git directory (follows the `gitdir:` file of worktrees)."""
        dot_git = self.root / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text.split(":", 1)[1].strip())
                return target if target.is_absolute() else (self.root / target).resolve()
        return None

    def relpath(self, path: Path | str) -> str:
        """Repository-relative POSIX path for reports (absolute path if outside the root)."""
        p = Path(path)
        if not p.is_absolute():
            p = Path.cwd() / p
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()


def find_root(start: Path | str | None = None) -> Path | None:
    """The nearest ancestor of `start` that has `.buildrunner/` or `.git`, or None."""
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / BR_DIR).is_dir() or (candidate / ".git").exists():
            return candidate
    return None


def discover(start: Path | str | None = None) -> Project:
    """The project containing `start`; the directory itself when it is in no project."""
    root = find_root(start)
    return Project(root if root is not None else Path(start or os.getcwd()).resolve())


GITIGNORE_ENTRIES = (
    ".buildrunner/telemetry/",
    ".buildrunner/state/",
    ".buildrunner/alerts/",
    ".buildrunner/usage/",
    ".buildrunner/orchestration/",
    ".buildrunner/status/",
    ".buildrunner/commands/",
    ".env",
    ".env.*",
    "!.env.example",
)
