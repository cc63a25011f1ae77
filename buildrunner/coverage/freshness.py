"""Does the coverage data still describe the code? Blob ids, a manifest, and an mtime fallback.

Coverage data says nothing about code changed after it was produced. `br coverage run -- CMD` runs
the tests and then writes `.buildrunner/state/coverage-manifest.json`: the git blob id of every
source file as it was measured, and a signature (mtime, size) of each data file. A file is *fresh*
when its current content (the staged blob in the hook, the work-tree file otherwise) has the blob
id recorded there. When the data files changed since the manifest was written (someone ran
`coverage run` directly) or there is no manifest, the fallback is modification times: a file is
fresh when it is not newer than the data file that measured it (and, in the hook, when what is
staged is what is in the work tree).

Changed lines of stale files are *unknown*: neither covered nor uncovered, and said so.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from buildrunner.coverage.data import CoverageData

MANIFEST_NAME = "coverage-manifest.json"
LINES_CACHE_NAME = "coverage-lines.json"
SOURCE_SUFFIXES = (".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


def blob_id(data: bytes) -> str:
    """The git blob id of `data` (what `git hash-object` prints), without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def manifest_path(project) -> Path:
    return project.state_dir / MANIFEST_NAME


def _signature(path: Path) -> list[float] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime, st.st_size]


@dataclass
class Manifest:
    created: float = 0.0
    command: str = ""
    data_files: dict[str, list[float]] = field(default_factory=dict)  # shown path → [mtime, size]
    blobs: dict[str, str] = field(default_factory=dict)  # repo path → blob id when measured

    def matches(self, root: Path, data: CoverageData) -> bool:
        """True when the data files are exactly those this manifest was written for."""
        if not self.data_files or {s.path for s in data.sources} != set(self.data_files):
            return False
        return all(_signature(root / p) == sig for p, sig in self.data_files.items())


def read_manifest(project) -> Manifest | None:
    try:
        raw = json.loads(manifest_path(project).read_text(encoding="utf-8"))
        return Manifest(float(raw.get("created", 0)), str(raw.get("command", "")),
                        {k: list(v) for k, v in raw.get("data_files", {}).items()},
                        dict(raw.get("blobs", {})))
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # missing or corrupt: fall back to modification times


def write_json_atomic(path: Path, payload) -> None:
    """Write machine-local state; a state directory created here ignores itself in git."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / ".gitignore").write_text("# machine-local BuildRunner state\n*\n", encoding="utf-8")
    from buildrunner.fsutil import atomic_write_json  # lazy: tempfile is off the hook's import path

    atomic_write_json(path, payload, indent=None)


def write_manifest(project, data: CoverageData, files: list[str], command: str) -> Manifest:
    """Record the blob ids of `files` (work tree) and the signatures of the data files just made."""
    blobs = {}
    for rel in files:
        try:
            blobs[rel] = blob_id((project.root / rel).read_bytes())
        except OSError:
            continue
    manifest = Manifest(time.time(), command,
                        {s.path: sig for s in data.sources if (sig := _signature(project.root / s.path))},
                        blobs)
    write_json_atomic(manifest_path(project), {"created": manifest.created, "command": manifest.command,
                                               "data_files": manifest.data_files, "blobs": manifest.blobs})
    return manifest


class Freshness:
    """Answers `is_fresh(path, content)` for one check run."""

    def __init__(self, project, data: CoverageData, *, staged: bool = False):
        self.root = project.root
        self.data = data
        self.staged = staged
        manifest = read_manifest(project)
        self.manifest = manifest if manifest is not None and manifest.matches(project.root, data) else None

    @property
    def method(self) -> str:
        return "blob ids recorded by `br coverage run`" if self.manifest else "file modification times"

    def is_fresh(self, rel: str, content: bytes | None = None) -> bool:
        """Whether `rel` (with `content`, the bytes being checked; default: the work-tree file) is
        what the coverage data measured."""
        path = self.root / rel
        if content is None:
            try:
                content = path.read_bytes() if self.manifest else None
            except OSError:
                return False
        if self.manifest is not None:
            return self.manifest.blobs.get(rel) == blob_id(content)
        fc = self.data.files.get(rel)
        measured_at = fc.mtime if fc is not None else self.data.newest_mtime
        try:
            if path.stat().st_mtime > measured_at:
                return False
            if self.staged and content is not None and path.read_bytes() != content:
                return False  # the staged version is not the work-tree version that was measured
        except OSError:
            return False
        return True
