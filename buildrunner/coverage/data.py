"""Format-independent coverage data: which lines of which file could run, and which ran."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileCoverage:
    """Coverage of one file. `executable` is None when the format records only executed lines
    (`.coverage`): it is then computed from the source (see `pysource`), and `executed` holds the
    tracer's raw line numbers, which must be mapped to statement first lines."""

    path: str  # repository-relative POSIX path
    executed: set[int] = field(default_factory=set)
    executable: set[int] | None = None
    raw: bool = False  # executed lines are raw tracer lines (`.coverage`)
    mtime: float = 0.0  # modification time of the data file this came from


@dataclass
class DataSource:
    """One coverage data file that was read."""

    path: str  # as shown to the user (relative to the project root when inside it)
    format: str  # "coverage.py" | "cobertura" | "coverage-json" | "istanbul-json" | "lcov"
    mtime: float
    files: int = 0


@dataclass
class CoverageData:
    files: dict[str, FileCoverage] = field(default_factory=dict)
    sources: list[DataSource] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # unreadable data files (named, with the reason)
    outside: int = 0  # measured files outside the project (site-packages...), ignored

    @property
    def found(self) -> bool:
        return bool(self.sources)

    @property
    def newest_mtime(self) -> float:
        return max((s.mtime for s in self.sources), default=0.0)

    @property
    def oldest_mtime(self) -> float:
        return min((s.mtime for s in self.sources), default=0.0)

    def merge(self, other: CoverageData) -> None:
        """Later data wins per file (callers merge oldest first)."""
        for path, fc in other.files.items():
            cur = self.files.get(path)
            if cur is not None and cur.raw and fc.raw:  # parallel `.coverage.*` files of one run: union
                fc.executed = fc.executed | cur.executed
            self.files[path] = fc
        self.sources.extend(other.sources)
        self.errors.extend(other.errors)
        self.outside += other.outside
