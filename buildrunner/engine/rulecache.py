"""A per-user cache of loaded, validated rule packs (the hook, scans and the quality gate use it).

Loading the built-in packs (YAML construction plus validating ~200 regexes and syntax queries)
costs far more than the hook's whole budget; unpickling the result costs ~15 ms. The cache key
covers everything the result depends on: every pack file (path, mtime, size), the modules that
validate rules, the BuildRunner and Python versions. The cache lives in the user's cache directory
(`fsutil.user_cache_dir()`: `$XDG_CACHE_HOME/buildrunner` on Linux, the platform's cache dir
elsewhere; mode 0700), never in the repository: a cloned repository cannot
plant a pickle that a hook would load. Any problem (unwritable, corrupt, stale) means a normal load.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from buildrunner import __version__
from buildrunner.fsutil import atomic_write_bytes, user_cache_dir

_VALIDATORS = ("rules.py", "kinds.py", "specs.py", "secrets.py", "secret_filters.py", "code.py", "repo.py", "model.py", "rulecache.py",
               "literals.py")


def cache_dir() -> Path:
    return user_cache_dir() / "rules"


def _stat_key(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def cache_key(project, kinds: tuple[str, ...]) -> str:
    from buildrunner.engine.rules import builtin_pack_paths

    engine = Path(__file__).resolve().parent
    parts: list = [__version__, sys.version, kinds]
    parts += [_stat_key(p) for p in builtin_pack_paths()]
    parts += [_stat_key(engine / name) for name in _VALIDATORS]
    if project is not None and project.rules_dir.is_dir():
        parts.append(_stat_key(project.rules_dir))
        parts += [_stat_key(p) for p in sorted(project.rules_dir.glob("*.y*ml"))]
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def load_rules_cached(project, kinds: tuple[str, ...]) -> list:
    """The enabled-or-not rules of `kinds`, as `load_rules(project, kinds=kinds).rules` returns them."""
    from buildrunner.engine.rules import load_rules

    if os.environ.get("BR_NO_RULE_CACHE"):
        return load_rules(project, kinds=kinds).rules
    try:
        path = cache_dir() / f"{cache_key(project, kinds)}.pickle"
        with path.open("rb") as fh:
            rules = pickle.load(fh)
        if isinstance(rules, list):
            return rules
    except Exception:  # noqa: BLE001 — missing, corrupt or from another version: load normally
        pass
    rules = load_rules(project, kinds=kinds).rules
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(path, pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL))
        for old in sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)[:-8]:
            old.unlink(missing_ok=True)  # keep the few most recent keys
    except Exception:  # noqa: BLE001 — a cache that cannot be written is only slower
        pass
    return rules
