"""Routing context from a git diff: the files a change touches and how many lines it changes.

`br model route --diff` reads the staged changes (or, when nothing is staged, the working tree
against HEAD); `--diff --base REF` reads the working tree against REF. Only `git diff --numstat`
is used: names and line counts, never contents.
"""

from __future__ import annotations

from pathlib import Path

from buildrunner.router.complexity import TaskContext


def numstat(root: Path, base: str | None = None) -> list[tuple[str, int]]:
    """(path, added + deleted lines) per changed file; binary files count 0 lines."""
    from buildrunner.engine.gitio import git

    opts = ("diff", "--numstat", "-z", "--no-renames", "--no-color", "--no-ext-diff", "--relative")
    if base:
        if base.startswith("-"):
            from buildrunner.errors import BrError

            raise BrError(f"invalid --base {base!r}", hint="a branch, tag or commit, e.g. --base main")
        rows = _parse(git(root, *opts, base, "--"))
    else:
        rows = _parse(git(root, *opts, "--cached", "--"))
        if not rows:
            rows = _parse(git(root, *opts, "--"))
    return rows


def _parse(raw: bytes) -> list[tuple[str, int]]:
    rows = []
    for record in raw.split(b"\0"):
        parts = record.split(b"\t", 2)
        if len(parts) != 3 or not parts[2]:
            continue
        added, deleted, path = parts
        lines = (int(added) if added.isdigit() else 0) + (int(deleted) if deleted.isdigit() else 0)
        rows.append((path.decode("utf-8", "surrogateescape").strip("\n"), lines))
    return rows


def context_from_diff(root: Path, base: str | None = None, extra_paths: list[str] | None = None,
                      files: int | None = None) -> TaskContext:
    rows = numstat(root, base)
    paths = [str(root / p) for p, _ in rows] + list(extra_paths or [])
    return TaskContext.from_paths(paths, root=root, files=files, changed_lines=sum(n for _, n in rows))
