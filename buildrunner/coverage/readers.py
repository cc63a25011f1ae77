"""Readers for coverage data files, none of which imports coverage.py.

* `.coverage` (and unmerged `.coverage.*` parallel files): coverage.py's SQLite database, read with
  the stdlib `sqlite3` (tables `file`, `line_bits` with numbits blobs, `arc`, `meta`). Numbits are a
  bitmap: bit j of byte i set means line i*8+j ran. Only executed lines are stored.
* `coverage.xml`: Cobertura (coverage.py `coverage xml`, c8/istanbul/vitest `cobertura` reporter).
* `coverage.json`: coverage.py's JSON report, or istanbul's `coverage-final.json` shape.
* `lcov.info`: `SF:`/`DA:` records (c8, istanbul, vitest, coverage.py `coverage lcov`).

Paths are mapped to repository-relative POSIX paths; a path from another checkout (CI) is matched by
its longest suffix that exists here. Files outside the project (site-packages) are counted and
ignored. An unreadable file is reported in `CoverageData.errors`, never raised.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from buildrunner.coverage.data import CoverageData, DataSource, FileCoverage

# Looked for, in this order, when `security.coverage_files` is not set.
DEFAULT_FILES = (".coverage", "coverage.xml", "coverage.json", "lcov.info", "coverage.lcov",
                 "coverage/lcov.info", "coverage/cobertura-coverage.xml", "coverage/coverage-final.json")


def numbits_to_lines(numbits: bytes) -> list[int]:
    """Decode coverage.py's numbits: byte i, bit j → line i*8+j."""
    lines = []
    for i, byte in enumerate(numbits):
        if byte:
            base = i * 8
            for j in range(8):
                if byte & (1 << j):
                    lines.append(base + j)
    return lines


class _PathMapper:
    """Raw paths found in data files → repository-relative paths (or None: outside the project)."""

    def __init__(self, root: Path):
        self.root = root
        self.prefixes = {str(root).rstrip(os.sep) + os.sep, os.path.realpath(root).rstrip(os.sep) + os.sep}
        self.cache: dict[tuple[str, str], str | None] = {}

    def __call__(self, raw: str, base: str | None = None) -> str | None:
        key = (raw, base or "")
        if key not in self.cache:
            self.cache[key] = self._map(raw, base)
        return self.cache[key]

    def _inside(self, path: str) -> str | None:
        for prefix in self.prefixes:
            if path.startswith(prefix):
                return Path(path[len(prefix):]).as_posix()
        return None

    def _map(self, raw: str, base: str | None) -> str | None:
        raw = raw.replace("\\", "/") if os.sep == "/" else raw
        if os.path.isabs(raw):
            candidates = [raw]
        else:  # relative to the data file's directory (or <source>), else to the project root
            candidates = [os.path.normpath(os.path.join(b, raw)) for b in dict.fromkeys((base or str(self.root),
                                                                                         str(self.root)))]
        inside = [rel for rel in map(self._inside, candidates) if rel is not None]
        for rel in inside:
            if (self.root / rel).is_file():
                return rel
        # Measured elsewhere (CI workspace, container): longest suffix that exists here.
        parts = Path(candidates[0]).parts
        for i in range(1, len(parts)):
            candidate = Path(*parts[i:])
            if ".." in candidate.parts:
                continue
            if (self.root / candidate).is_file():
                return candidate.as_posix()
        return inside[0] if inside else None  # inside the project but gone: kept, skipped later


def _add(data: CoverageData, mapper: _PathMapper, raw_path: str, executed, executable, *,
         base: str | None = None, raw: bool = False) -> None:
    rel = mapper(raw_path, base)
    if rel is None:
        data.outside += 1
        return
    cur = data.files.get(rel)
    if cur is None:
        data.files[rel] = FileCoverage(rel, set(executed), None if executable is None else set(executable), raw)
    else:  # the same file twice in one source (several classes, contexts, parallel files): union
        cur.executed |= set(executed)
        if executable is not None:
            cur.executable = (cur.executable or set()) | set(executable)


def read_sqlite(path: Path, mapper: _PathMapper) -> CoverageData:
    import sqlite3
    from urllib.parse import quote

    data = CoverageData()
    con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        if "file" not in names:
            raise ValueError("not a coverage.py data file (no `file` table)")
        paths = dict(con.execute("select id, path from file"))
        lines: dict[int, set[int]] = {fid: set() for fid in paths}
        if "line_bits" in names:
            for fid, numbits in con.execute("select file_id, numbits from line_bits"):
                lines.setdefault(fid, set()).update(numbits_to_lines(numbits))
        if "arc" in names:
            for fid, a, b in con.execute("select file_id, fromno, tono from arc"):
                bucket = lines.setdefault(fid, set())
                if a > 0:
                    bucket.add(a)
                if b > 0:
                    bucket.add(b)
    finally:
        con.close()
    for fid, raw_path in paths.items():
        _add(data, mapper, raw_path, lines.get(fid, ()), None, raw=True)
    return data


def read_cobertura(path: Path, mapper: _PathMapper) -> CoverageData:
    import xml.etree.ElementTree as ET

    data = CoverageData()
    root = ET.parse(path).getroot()
    if root.tag != "coverage":
        raise ValueError(f"not a Cobertura report (root element <{root.tag}>)")
    sources = [s.text.strip() for s in root.iter("source") if s.text and s.text.strip()]
    base_dir = str(path.parent)
    for cls in root.iter("class"):
        filename = cls.get("filename")
        if not filename:
            continue
        executed, executable = set(), set()
        for line in cls.iter("line"):
            try:
                number = int(line.get("number", "0"))
                hits = int(float(line.get("hits", "0")))
            except ValueError:
                continue
            executable.add(number)
            if hits > 0:
                executed.add(number)
        base = next((s for s in sources if os.path.exists(os.path.join(s, filename))),
                    sources[0] if sources else base_dir)
        _add(data, mapper, filename, executed, executable, base=base)
    return data


def read_json(path: Path, mapper: _PathMapper) -> tuple[CoverageData, str]:
    data = CoverageData()
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    base = str(path.parent)
    if isinstance(doc.get("files"), dict):  # coverage.py `coverage json`
        for name, entry in doc["files"].items():
            executed = set(entry.get("executed_lines") or ())
            missing = set(entry.get("missing_lines") or ())
            _add(data, mapper, name, executed, executed | missing, base=base)
        return data, "coverage-json"
    entries = [v for v in doc.values() if isinstance(v, dict) and "statementMap" in v]
    if not entries and doc:
        raise ValueError("neither coverage.py JSON (`files`) nor istanbul JSON (`statementMap`)")
    for entry in entries:  # istanbul coverage-final.json: a line is covered if any statement on it ran
        counts: dict[int, int] = {}
        for sid, loc in entry["statementMap"].items():
            line = int(loc["start"]["line"])
            counts[line] = max(counts.get(line, 0), int(entry.get("s", {}).get(sid, 0)))
        _add(data, mapper, entry.get("path", ""), {n for n, c in counts.items() if c > 0}, set(counts),
             base=base)
    return data, "istanbul-json"


def read_lcov(path: Path, mapper: _PathMapper) -> CoverageData:
    data = CoverageData()
    base = str(path.parent)
    current: str | None = None
    executed: set[int] = set()
    executable: set[int] = set()
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("SF:"):
                current, executed, executable = line[3:], set(), set()
            elif line.startswith("DA:") and current is not None:
                parts = line[3:].split(",")
                try:
                    number, hits = int(parts[0]), int(float(parts[1]))
                except (ValueError, IndexError):
                    continue
                executable.add(number)
                if hits > 0:
                    executed.add(number)
            elif line == "end_of_record" and current is not None:
                _add(data, mapper, current, executed, executable, base=base)
                current = None
    if current is not None:
        _add(data, mapper, current, executed, executable, base=base)
    if not data.files and not data.outside and "SF:" not in path.read_text(encoding="utf-8", errors="replace"):
        raise ValueError("no `SF:` records: not an lcov tracefile")
    return data


def detect_format(path: Path) -> str:
    name = path.name
    if name == ".coverage" or name.startswith(".coverage.") or name.endswith((".sqlite", ".db")):
        return "coverage.py"
    if name.endswith(".xml"):
        return "cobertura"
    if name.endswith(".json"):
        return "json"
    if name.endswith((".info", ".lcov")):
        return "lcov"
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3"):
        return "coverage.py"
    return "lcov"


def read_file(path: Path, root: Path, mapper: _PathMapper | None = None) -> CoverageData:
    """Read one data file of any supported format (errors end up in `.errors`)."""
    mapper = mapper or _PathMapper(root)
    shown = _shown(path, root)
    try:
        mtime = path.stat().st_mtime
        fmt = detect_format(path)
        if fmt == "coverage.py":
            data = read_sqlite(path, mapper)
        elif fmt == "cobertura":
            data = read_cobertura(path, mapper)
        elif fmt == "json":
            data, fmt = read_json(path, mapper)
        else:
            data = read_lcov(path, mapper)
    except Exception as exc:  # noqa: BLE001 — any corrupt file: named, with the reason, never a crash
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        data = CoverageData()
        data.errors.append(f"{shown}: unreadable coverage data ({reason})")
        return data
    for fc in data.files.values():
        fc.mtime = mtime
    data.sources.append(DataSource(shown, fmt, mtime, len(data.files)))
    return data


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def find_data_files(root: Path, configured: list[str] | None = None) -> list[Path]:
    """Coverage data files of the project: the configured ones, or the usual names that exist."""
    if configured:
        return [p for p in ((root / c) for c in configured) if p.is_file()]
    found = [root / name for name in DEFAULT_FILES if (root / name).is_file()]
    if not (root / ".coverage").is_file():  # unmerged parallel data (`coverage run -p`)
        found.extend(sorted(p for p in root.glob(".coverage.*") if p.is_file()))
    return found


def load(root: Path, configured: list[str] | None = None) -> CoverageData:
    """All coverage data of the project merged, oldest file first so newer data wins per file."""
    mapper = _PathMapper(root)
    merged = CoverageData()
    parts = [read_file(p, root, mapper) for p in find_data_files(root, configured)]
    for part in sorted(parts, key=lambda d: d.newest_mtime):
        merged.merge(part)
    return merged
