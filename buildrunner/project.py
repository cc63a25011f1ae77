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


# What br writes for itself: a `.buildrunner/` holding nothing else was left by a command run
# outside any project (older versions did that), not made by `br init` or by a person.
MACHINE_LOCAL = frozenset({"state", "telemetry"})


def is_project_dir(br_dir: Path) -> bool:
    """Whether a `.buildrunner/` marks a project: anything but br's own machine-local state in it."""
    try:
        names = {n for n in os.listdir(br_dir) if not n.endswith((".lock", ".tmp"))}
    except OSError:
        return False
    return not names or not names <= MACHINE_LOCAL


def find_root(start: Path | str | None = None) -> Path | None:
    """The nearest ancestor of `start` that has `.git` or a `.buildrunner/` that marks a project
    (never one br created by accident: see `is_project_dir`), or None."""
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists() or ((candidate / BR_DIR).is_dir() and is_project_dir(candidate / BR_DIR)):
            return candidate
    return None


def discover(start: Path | str | None = None) -> Project:
    """The project containing `start`; the directory itself when it is in no project."""
    root = find_root(start)
    return Project(root if root is not None else Path(start or os.getcwd()).resolve())


# What `br init` adds to .gitignore: everything br writes for itself (machine-local state, telemetry,
# alerts, usage ledger, orchestration status, lock and temp files) and environment files.
GITIGNORE_ENTRIES = (
    ".buildrunner/telemetry/",
    ".buildrunner/state/",
    ".buildrunner/alerts/",
    ".buildrunner/usage/",
    ".buildrunner/orchestration/",
    ".buildrunner/status/",
    ".buildrunner/commands/",
    ".buildrunner/worktrees/",
    ".buildrunner/**/.*.lock",
    ".buildrunner/**/.*.tmp",
    ".env",
    ".env.*",
    "!.env.example",
)


# What a team commits (stated by `br init` and docs/SECURITY.md): shared settings and decisions.
TEAM_FILES = (
    (".buildrunner/config.yaml", "team settings (personal choices go to the user config: `br config set --user`)"),
    (".buildrunner/whitelist.txt", "reviewed false positives"),
    (".buildrunner/baseline.json", "accepted existing findings (after `br security baseline`)"),
    (".buildrunner/rules/", "the project's own rule packs"),
    (".buildrunner/features.json, builds.json", "the feature registry and build records"),
    (".buildrunner/plan.yaml, decisions.json", "the orchestration plan and shared decisions"),
    (".gitignore", "the entries above that keep br's own files out of git"),
)
