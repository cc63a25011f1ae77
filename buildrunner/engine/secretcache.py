"""The built-in secret rules' JSON cache in the user cache dir (validated specs + the keywords).

Written by `engine.secrets.builtin_secret_rules`, and by `engine.rules.load_rules` whenever it
reads the pack anyway (so a scan's workers never parse it a second time); read by the masker's
keyword prefilter (which must not import the matcher for clean text). Keyed on the pack's and engine/literals.py's size/mtime and br's version.
"""

from __future__ import annotations

from pathlib import Path

from buildrunner.fsutil import user_cache_dir

PACK = Path(__file__).resolve().parent.parent / "rules" / "secrets.yaml"  # the built-in secret pack
CACHE_NAME = "secret-rules.json"
KEYWORDS_NAME = "secret-keywords.json"  # the prefilter's keywords alone: a few KB to read
CACHE_FORMAT = 3  # bump when the cached layout changes (3: specs carry the regex literal analysis)


def cache_path(name: str = CACHE_NAME) -> Path:
    return user_cache_dir() / name


def cache_key() -> str:
    from buildrunner import __version__

    st = PACK.stat()
    # the specs hold engine/literals.py's analysis of each regex: a change there is a new key
    lit = (PACK.parent.parent / "engine" / "literals.py").stat()
    return f"{CACHE_FORMAT}:{__version__}:{st.st_size}:{st.st_mtime_ns}:{lit.st_size}:{lit.st_mtime_ns}"


def read_cache(name: str = CACHE_NAME) -> dict | None:
    """A cache file's data (`rules` or `keywords`), or None when missing, stale or unreadable."""
    import json

    field = "rules" if name == CACHE_NAME else "keywords"
    try:
        data = json.loads(cache_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("key") == cache_key() and isinstance(data.get(field), list):
        return data
    return None


def write_cache(rules_payload: list[dict] | None, keywords: list[str]) -> None:
    """Write the cache files atomically; a read-only or missing cache dir is not an error."""
    from buildrunner.fsutil import atomic_write_json

    key = cache_key()
    files = [(KEYWORDS_NAME, {"key": key, "keywords": keywords})]
    if rules_payload is not None:
        files.insert(0, (CACHE_NAME, {"key": key, "rules": rules_payload}))
    try:
        for name, data in files:
            atomic_write_json(cache_path(name), data, indent=None)
    except OSError:
        pass


def write_rules(pack_rules: list) -> list:
    """Write both cache files from the built-in pack's rules (as `load_pack` returns them); returns
    its secret rules."""
    rules = [r for r in pack_rules if r.kind == "secret"]
    write_cache([{"id": r.id, "name": r.name, "severity": r.severity.value, "message": r.message, "fix": r.fix,
                  "tags": list(r.tags), "cwe": list(r.cwe), "enabled": r.enabled, "spec": r.spec} for r in rules],
                sorted({k for r in rules if r.enabled for k in r.spec["keywords"]}))
    return rules


def pack_loaded(pack_rules: list) -> None:
    """`rules.load_rules` just read the built-in secret pack (before any project override touched
    its rules): refresh the masker's cache from them when it is stale, so that the masker (in this
    process and in every scan worker) does not read and validate the same YAML again."""
    if read_cache() is None:
        write_rules(pack_rules)
