"""`br init`: create `.buildrunner/` (config, whitelist, .gitignore entries) and install the hook.

It sits above the engine and the hooks (it writes the config, reads the suppression files and
installs the pre-commit hook), so it lives here rather than in `project`, which stays a cheap,
dependency-free map of the project's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from buildrunner.project import GITIGNORE_ENTRIES, Project

GITIGNORE_MARKER = "# BuildRunner: never commit local state or environment files"

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
