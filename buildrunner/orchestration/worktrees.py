"""Git plumbing for streams: one worktree and one `stream/<name>` branch per stream.

Every git call goes through the engine's runner (`buildrunner.engine.gitio.run`) with an explicit
`cwd`; nothing here changes the user's current checkout except `fast_forward`, which uses
`merge --ff-only` (git refuses instead of overwriting local changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from buildrunner.engine.gitio import run as git
from buildrunner.errors import BrError, NotAGitRepository

BRANCH_PREFIX = "stream/"


class GitError(BrError):
    pass


def out(repo: Path, *args: str) -> str:
    return git(repo, *args).stdout.strip()


def ensure_repo(root: Path) -> None:
    proc = git(root, "rev-parse", "--is-inside-work-tree", check=False)
    if proc.returncode != 0 or proc.stdout.strip() != "true":
        raise NotAGitRepository(f"{root} is not a git repository",
                                hint="parallel builds need git: run `git init` and commit once")
    if git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0:
        raise GitError(f"{root}: the repository has no commits yet",
                       hint="commit once so that stream branches have a starting point")


def current_branch(root: Path) -> str:
    proc = git(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    if proc.returncode != 0:
        raise GitError("HEAD is detached; cannot pick an integration branch",
                       hint="check out a branch or set orchestration.integration_branch")
    return proc.stdout.strip()


def rev(root: Path, ref: str) -> str | None:
    proc = git(root, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def branch_name(stream: str) -> str:
    return BRANCH_PREFIX + stream


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: str | None
    head: str | None


def list_worktrees(root: Path) -> list[Worktree]:
    trees, cur = [], {}
    for line in out(root, "worktree", "list", "--porcelain").splitlines() + [""]:
        if not line:
            if cur:
                branch = cur.get("branch", "")
                trees.append(Worktree(Path(cur["worktree"]), branch.removeprefix("refs/heads/") or None,
                                      cur.get("HEAD")))
            cur = {}
            continue
        key, _, value = line.partition(" ")
        cur[key] = value
    return trees


def worktree_for_branch(root: Path, branch: str) -> Path | None:
    for wt in list_worktrees(root):
        if wt.branch == branch and wt.path.exists():
            return wt.path
    return None


def ensure_stream_worktree(root: Path, worktrees_dir: Path, stream: str, start: str) -> tuple[str, Path]:
    """Create (or reuse) branch `stream/<name>` from `start` and its worktree. Idempotent."""
    branch = branch_name(stream)
    existing = worktree_for_branch(root, branch)
    if existing:
        return branch, existing
    path = worktrees_dir / stream
    git(root, "worktree", "prune", check=False)
    if path.exists() and any(path.iterdir()):
        raise GitError(f"{path} exists but is not the worktree of {branch}",
                       hint="move it away; br will recreate the worktree")
    path.parent.mkdir(parents=True, exist_ok=True)
    if rev(root, f"refs/heads/{branch}"):
        git(root, "worktree", "add", "-q", str(path), branch)
    else:
        git(root, "worktree", "add", "-q", "-b", branch, str(path), start)
    return branch, path


def commits_between(root: Path, base: str, tip: str, path: str | None = None) -> list[str]:
    args = ["rev-list", "--reverse", f"{base}..{tip}"]
    if path:
        args += ["--", path]
    return [c for c in out(root, *args).splitlines() if c]


def changed_files(root: Path, base: str, tip: str) -> list[str]:
    text = out(root, "diff", "--name-only", "--no-renames", "-z", base, tip)
    return [p for p in text.split("\0") if p]


def merge_base(root: Path, a: str, b: str) -> str | None:
    proc = git(root, "merge-base", a, b, check=False)
    return proc.stdout.strip() or None


def show(root: Path, commit: str, path: str) -> bytes | None:
    """A file's bytes at a commit, or None when it does not exist there."""
    proc = git(root, "show", f"{commit}:{path}", check=False, text=False)
    return proc.stdout if proc.returncode == 0 else None


def subject(root: Path, commit: str) -> str:
    proc = git(root, "log", "-1", "--format=%s", commit, check=False)
    return proc.stdout.strip()


def is_ancestor(root: Path, ancestor: str, descendant: str) -> bool:
    return git(root, "merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0


def is_dirty(worktree: Path) -> bool:
    return bool(out(worktree, "status", "--porcelain", "--untracked-files=normal"))


def fast_forward(worktree: Path, target: str) -> bool:
    """Move the branch checked out in `worktree` to `target` if that is a fast-forward."""
    return git(worktree, "merge", "--ff-only", "-q", target, check=False).returncode == 0
