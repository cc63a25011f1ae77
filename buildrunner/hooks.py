"""Install, chain and remove the git pre-commit hook that runs `br hook run`.

* The hooks directory is what git itself uses: `git rev-parse --git-path hooks`, which honours
  `core.hooksPath` and linked worktrees.
* An existing pre-commit hook that is not ours is kept: it is renamed to `pre-commit.br-chained`
  and our script runs it first (same arguments; its failure blocks the commit). `uninstall`
  removes our script and renames the chained hook back, byte for byte.
* It coexists with the tools teams already use: with the pre-commit framework
  (`.pre-commit-config.yaml`) nothing is installed — pre-commit owns the git hook, and br prints
  the `repos:` entry to add; with a hooks directory committed to the repository (husky:
  `core.hooksPath=.husky`) a tracked hook is never modified (it is the team's file; an absolute
  path to one machine's venv must not land in it): br prints the line to add instead.
* The script finds br robustly: the absolute path of the interpreter that installed it
  (`sys.executable -m buildrunner`, used while that interpreter and the package directory it
  imported BuildRunner from still exist — two file tests, no extra process), then `br` on PATH; if
  neither works it blocks the commit and says how to reinstall or skip (`git commit --no-verify`).
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from buildrunner.errors import BrError, NotAGitRepository

MARKER = "# br-hook: installed by BuildRunner"
HOOK_NAME = "pre-commit"
CHAINED_SUFFIX = ".br-chained"

SCRIPT = """#!/bin/sh
{marker} (`br hooks install`); `br hooks uninstall` removes it
# and restores the hook it replaced. Runs the Tier 1 checks (secrets, SQL injection, coverage of the
# staged lines) on what is about to be committed.
br_hook_dir=$(dirname "$0")
if [ -x "$br_hook_dir/{hook}{suffix}" ]; then
    "$br_hook_dir/{hook}{suffix}" "$@" || exit $?
fi
BR_PYTHON={python}
BR_PACKAGE={package}
if [ -x "$BR_PYTHON" ] && [ -f "$BR_PACKAGE/__init__.py" ]; then
    exec "$BR_PYTHON" -m buildrunner hook run
elif command -v br >/dev/null 2>&1; then
    exec br hook run
fi
echo "br pre-commit hook: BuildRunner not found ($BR_PYTHON or $BR_PACKAGE is gone, and br is not on PATH)." >&2
echo "  reinstall it and run \\`br hooks install\\`, or skip the checks once with \\`git commit --no-verify\\`." >&2
exit 1
"""


FRAMEWORK_CONFIG = ".pre-commit-config.yaml"
HOOK_LINE = "br hook run"
REPO_URL = "https://github.com/buildrunner/buildrunner"
# git hooks (ours), the pre-commit framework, or a hooks directory committed to the repository
SETUPS = ("git-hooks", "pre-commit-framework", "committed-hooks-dir")


@dataclass
class HookState:
    path: Path  # where the pre-commit hook lives
    installed: bool  # ours is installed
    chained: Path | None  # the previous hook we run first
    foreign: bool  # a pre-commit hook that is not ours is installed (and not chained)
    interpreter: str | None  # the interpreter our script calls
    interpreter_ok: bool
    setup: str = "git-hooks"  # one of SETUPS
    runs_br: bool = False  # the framework config / the committed hook calls br

    def to_dict(self) -> dict:
        return {"path": str(self.path), "installed": self.installed, "setup": self.setup,
                "runs_br": self.runs_br or self.installed,
                "chained": str(self.chained) if self.chained else None, "foreign_hook": self.foreign,
                "interpreter": self.interpreter, "interpreter_exists": self.interpreter_ok}


@dataclass
class Change:
    """What install/uninstall did; `str()` is the one-line message `br init` and the CLI print."""

    action: str  # "installed" | "updated" | "removed" | "not-installed" | "foreign" | "framework" | "committed"
    path: Path
    chained: Path | None = None
    restored: Path | None = None
    runs_br: bool = False  # framework / committed: br is already wired in

    def __str__(self) -> str:
        if self.action == "framework":
            if self.runs_br:
                return f"pre-commit framework in use ({FRAMEWORK_CONFIG} runs buildrunner): no git hook installed"
            return (f"pre-commit framework in use ({FRAMEWORK_CONFIG}): no second git hook installed; "
                    f"add this entry under `repos:` and run `pre-commit install`:\n{framework_entry()}")
        if self.action == "committed":
            if self.runs_br:
                return f"committed hooks directory: {self.path} already runs br; left untouched"
            what = "add this line to" if self.path.exists() else "create it (committed, executable) with this line:"
            return (f"committed hooks directory (core.hooksPath): {self.path} is the team's file, left untouched; "
                    f"{what} {self.path}:\n    {HOOK_LINE}")
        if self.action in ("installed", "updated"):
            extra = f"; runs the existing hook first ({self.chained.name})" if self.chained else ""
            return f"pre-commit hook {self.action}: {self.path}{extra}"
        if self.action == "removed":
            extra = "; restored the previous hook" if self.restored else ""
            return f"pre-commit hook removed: {self.path}{extra}"
        if self.action == "foreign":
            return f"{self.path} was not installed by br: left untouched"
        return f"no BuildRunner pre-commit hook at {self.path}"


def hooks_dir(project) -> Path:
    """The directory git runs hooks from (honours core.hooksPath and worktrees)."""
    from buildrunner.engine import gitio

    if not gitio.in_repo(project.root):
        raise NotAGitRepository(f"{project.root} is not a git repository",
                                hint="run `git init` first; the pre-commit hook lives in the repository")
    raw = gitio.git(project.root, "rev-parse", "--git-path", "hooks").decode("utf-8", "surrogateescape").strip()
    path = Path(raw)
    return path if path.is_absolute() else (project.root / path)


def _is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return MARKER.encode() in fh.read(4096)
    except OSError:
        return False


def render_script(python: str | None = None) -> str:
    import buildrunner

    python = python or sys.executable
    package = str(Path(buildrunner.__file__).resolve().parent)
    return SCRIPT.format(marker=MARKER, hook=HOOK_NAME, suffix=CHAINED_SUFFIX, python=shlex.quote(python),
                         package=shlex.quote(package))


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.br-tmp")
    tmp.write_text(text, encoding="utf-8")
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
    os.replace(tmp, path)


def framework_entry() -> str:
    """The `repos:` entry that runs br under the pre-commit framework."""
    from buildrunner import __version__

    return (f"  - repo: {REPO_URL}\n    rev: v{__version__}\n    hooks:\n      - id: buildrunner\n"
            f"  # or, with br installed in the environment:\n"
            f"  # - repo: local\n  #   hooks:\n  #     - id: buildrunner\n  #       name: BuildRunner\n"
            f"  #       entry: {HOOK_LINE}\n  #       language: system\n  #       require_serial: true")


def _framework_runs_br(project) -> bool:
    try:
        text = (project.root / FRAMEWORK_CONFIG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "id: buildrunner" in text or "buildrunner hook run" in text or HOOK_LINE in text


def _committed_dir(project, directory: Path) -> bool:
    """True when git runs hooks from a directory of the work tree that holds tracked files
    (husky's `.husky`, a committed `.githooks`): it is the team's, not br's to write into."""
    from buildrunner.engine import gitio

    try:
        rel = directory.resolve().relative_to(project.root.resolve())
    except ValueError:
        return False
    git_dir = project.git_dir
    if git_dir is not None and _inside(directory, git_dir):
        return False
    tracked = gitio.git(project.root, "ls-files", "-z", "--", f":(literal){rel.as_posix()}", check=False)
    return bool(tracked.strip(b"\0"))


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def _hook_runs_br(hook: Path) -> bool:
    try:
        text = hook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return HOOK_LINE in text or "buildrunner hook run" in text


def detect_setup(project, directory: Path | None = None) -> str:
    """Which hook setup the repository uses (see SETUPS)."""
    if (project.root / FRAMEWORK_CONFIG).is_file():
        return "pre-commit-framework"
    if _committed_dir(project, directory or hooks_dir(project)):
        return "committed-hooks-dir"
    return "git-hooks"


def install_hook(project, *, python: str | None = None) -> Change:
    """Install (or refresh) the pre-commit hook; an existing foreign hook is chained, not lost.
    With the pre-commit framework or a committed hooks directory nothing is written (see above)."""
    directory = hooks_dir(project)
    setup = detect_setup(project, directory)
    if setup == "pre-commit-framework":
        return Change("framework", project.root / FRAMEWORK_CONFIG, runs_br=_framework_runs_br(project))
    if setup == "committed-hooks-dir" and not _is_ours(directory / HOOK_NAME):
        hook = directory / HOOK_NAME
        return Change("committed", hook, runs_br=_hook_runs_br(hook))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BrError(f"cannot create the hooks directory {directory}: {exc.strerror}") from None
    hook = directory / HOOK_NAME
    chained = directory / (HOOK_NAME + CHAINED_SUFFIX)
    action = "installed"
    if hook.is_symlink() or hook.exists():
        if _is_ours(hook):
            action = "updated"
        else:
            if chained.exists() or chained.is_symlink():
                raise BrError(f"both {hook} and {chained} exist and neither is BuildRunner's",
                              hint=f"merge them by hand (or delete {chained.name}), then rerun `br hooks install`")
            os.replace(hook, chained)  # keeps mode, content, symlink-ness
    try:
        _write_executable(hook, render_script(python))
    except OSError as exc:
        if action == "installed" and chained.exists() and not hook.exists():
            os.replace(chained, hook)  # put the user's hook back
        raise BrError(f"cannot write {hook}: {exc.strerror}") from None
    return Change(action, hook, chained if (chained.exists() or chained.is_symlink()) else None)


def uninstall_hook(project) -> Change:
    """Remove our hook and restore the hook it chained, if any. Never touches a foreign hook."""
    directory = hooks_dir(project)
    hook = directory / HOOK_NAME
    chained = directory / (HOOK_NAME + CHAINED_SUFFIX)
    if hook.exists() or hook.is_symlink():
        if not _is_ours(hook):
            return Change("foreign", hook)
        hook.unlink()
    elif not (chained.exists() or chained.is_symlink()):
        return Change("not-installed", hook)
    restored = None
    if chained.exists() or chained.is_symlink():
        os.replace(chained, hook)
        restored = hook
    return Change("removed", hook, restored=restored)


def hook_state(project) -> HookState:
    directory = hooks_dir(project)
    hook = directory / HOOK_NAME
    chained = directory / (HOOK_NAME + CHAINED_SUFFIX)
    ours = _is_ours(hook)
    interpreter = None
    if ours:
        for line in hook.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("BR_PYTHON="):
                parts = shlex.split(line[len("BR_PYTHON="):])
                interpreter = parts[0] if parts else None
    setup = detect_setup(project, directory)
    runs_br = _framework_runs_br(project) if setup == "pre-commit-framework" else \
        (not ours and _hook_runs_br(hook)) if setup == "committed-hooks-dir" else False
    return HookState(hook, ours, chained if chained.exists() else None,
                     hook.exists() and not ours, interpreter,
                     bool(interpreter) and os.access(interpreter, os.X_OK), setup, runs_br)


def hook_installed(project) -> bool:
    """True when commits run br: our hook, the pre-commit framework's config listing it, or a
    committed hook that calls it (used by `br status` and `br gaps`)."""
    try:
        state = hook_state(project)
    except BrError:
        return False
    return state.installed or state.runs_br
