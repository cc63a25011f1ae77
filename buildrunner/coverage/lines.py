"""A small on-disk cache of Python executable lines, keyed by git blob id.

Parsing and compiling a file costs ~15 µs a line; the hook must stay fast, and the same blob is
usually analysed by `br coverage run` (which fills the cache) and later by the hook. The cache is
one JSON file in `.buildrunner/state/`; a corrupt or unwritable cache is ignored.
"""

from __future__ import annotations

import contextlib
import json

from buildrunner.coverage.freshness import LINES_CACHE_NAME, blob_id, write_json_atomic

MAX_ENTRIES = 5000


class LineCache:
    def __init__(self, project):
        self.path = project.state_dir / LINES_CACHE_NAME if project is not None else None
        self.entries: dict[str, list] | None = None
        self.dirty = False

    def _load(self) -> dict[str, list]:
        if self.entries is None:
            self.entries = {}
            if self.path is not None:
                try:
                    loaded = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(loaded, dict):
                        self.entries = loaded
                except (OSError, ValueError):
                    pass
        return self.entries

    def get(self, content: bytes, name: str = "<source>") -> tuple[set[int], dict[int, int]] | None:
        """(statement lines, multi-line map) of Python `content`, or None when it does not parse."""
        key = blob_id(content)
        entries = self._load()
        if key in entries and entries[key] is None:
            return None  # known not to parse
        hit = entries.get(key)
        if isinstance(hit, list) and len(hit) == 2:
            try:
                return set(hit[0]), {int(k): v for k, v in hit[1]}
            except (TypeError, ValueError):
                pass
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        from buildrunner.coverage.pysource import analyze  # ast + compile: only on a cache miss

        lines = analyze(text, name)
        if lines is None:
            entries[key] = None
            self.dirty = True
            return None
        entries[key] = [sorted(lines.statements), [[k, v] for k, v in lines.multiline.items() if k != v]]
        self.dirty = True
        return lines.statements, lines.multiline

    def save(self) -> None:
        if not self.dirty or self.path is None or not self.path.parent.parent.is_dir():
            return  # never create .buildrunner/ just for a cache
        entries = self._load()
        if len(entries) > MAX_ENTRIES:
            for key in list(entries)[: len(entries) - MAX_ENTRIES]:
                del entries[key]
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            write_json_atomic(self.path, entries)
        self.dirty = False
