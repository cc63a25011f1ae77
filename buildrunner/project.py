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


GITIGNORE_MARKER = "# BuildRunner: never commit local state or environment files"
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

WHITELIST_HEADER = """\
# BuildRunner whitelist: one finding fingerprint per line, with a comment saying why.
# Add entries with `br security whitelist PATH:LINE` or `br security whitelist --fingerprint FP`.
# Fingerprints are content hashes: this file never holds a secret.
"""


@dataclass
class InitReport:
    created: list[str]
    kept: list[str]
    notes: list[str]


def initialize(project: Project, *, install_hook: bool = True) -> InitReport:
    """Create `.buildrunner/` (config, whitelist, .gitignore entries, hook). Idempotent."""
    import secrets as _secrets

    from buildrunner import config as cfg

    report = InitReport([], [], [])
    project.br_dir.mkdir(exist_ok=True)
    if project.config_path.exists():
        cfg.load(project)  # refuse to go on over a malformed file
        report.kept.append(".buildrunner/config.yaml")
    else:
        project.config_path.write_text(cfg.render_default_config(), encoding="utf-8")
        report.created.append(".buildrunner/config.yaml")
    if not cfg.load(project).get("security.fingerprint_salt"):
        if has_suppression_entries(project):
            # A new salt would change every fingerprint and silently void the existing entries.
            report.notes.append("kept fingerprints unsalted: whitelist/baseline entries already exist "
                                "(a new security.fingerprint_salt would invalidate them)")
        else:
            cfg.set_value(project.config_path, "security.fingerprint_salt", _secrets.token_hex(16))
            report.notes.append("generated security.fingerprint_salt (keep it: fingerprints depend on it)")
    if project.whitelist_path.exists():
        report.kept.append(".buildrunner/whitelist.txt")
    else:
        project.whitelist_path.write_text(WHITELIST_HEADER, encoding="utf-8")
        report.created.append(".buildrunner/whitelist.txt")
    added = _ensure_gitignore(project.root / ".gitignore")
    (report.created if added else report.kept).append(
        f".gitignore ({len(added)} entries added)" if added else ".gitignore")
    if install_hook:
        if not project.is_git:
            report.notes.append("not a git repository: pre-commit hook not installed (run `git init`, then `br hooks install`)")
        else:
            from buildrunner.hooks import install_hook as _install

            message = _install(project)
            report.notes.append(str(message) if message else "pre-commit hook installed")
    return report


def has_suppression_entries(project: Project) -> bool:
    """Whether the whitelist or the baseline already holds fingerprints (computed without a salt)."""
    from buildrunner.engine.suppression import load_whitelist

    return project.baseline_path.exists() or bool(load_whitelist(project.whitelist_path).entries)


def _ensure_gitignore(path: Path) -> list[str]:
    """Append the missing entries; the user's lines stay byte for byte (any encoding, CRLF)."""
    from buildrunner.errors import BrError

    try:
        data = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise BrError(f"cannot read {path}: {exc.strerror or exc}") from None
    present = {line.strip() for line in data.decode("utf-8", "surrogateescape").splitlines()}
    missing = [entry for entry in GITIGNORE_ENTRIES if entry not in present]
    if not missing:
        return []
    block = ([GITIGNORE_MARKER] if GITIGNORE_MARKER not in present else []) + missing
    prefix = b"\n" if data and not data.endswith(b"\n") else b""
    if data.strip():
        prefix += b"\n"  # a blank line before our block
    try:
        with path.open("ab") as fh:
            fh.write(prefix + ("\n".join(block) + "\n").encode("utf-8"))
    except OSError as exc:
        raise BrError(f"cannot write {path}: {exc.strerror or exc}") from None
    return missing
