"""The one scan set-up: rules for some kinds, documents for a mode, the scan.

`br security check` (and its whitelist lookups), the quality gate, the pre-commit hook and the
repository gap checks all go through here, so a mode means the same documents and the same rules
everywhere. Steps are separate functions because the hook times each one (`br hook run --json`).
"""

from __future__ import annotations

from collections.abc import Iterable

from buildrunner.engine.model import Rule, ScanResult
from buildrunner.errors import BrError

TIER1_KINDS = ("secret", "code")


def load_rules(project, kinds: Iterable[str], ids: Iterable[str] = (), *, require: bool = False) -> list[Rule]:
    """The enabled rules of `kinds` (built-in + the project's packs, through the per-user rule
    cache), narrowed to `ids` (a rule id or a dotted prefix). With `require`, none is an error."""
    from buildrunner.engine.rulecache import load_rules_cached
    from buildrunner.engine.rules import RuleSet

    kinds = tuple(kinds)
    ids = list(ids)
    ruleset = RuleSet(load_rules_cached(project, kinds), [])
    if ids:
        ruleset = ruleset.select(ids=ids)
    rules = [r for r in ruleset.rules if r.enabled]
    if require and not rules:
        which = f" matching {', '.join(ids)}" if ids else ""
        raise BrError(f"no enabled {'/'.join(kinds)} rules{which}", hint="list rules with `br rules list`")
    return rules


def documents(project, config, *, paths: Iterable[str] = (), staged: bool = False, history: bool = False,
              since: str | None = None, log_opts: str | None = None) -> tuple[Iterable, str]:
    """(documents, mode): the work tree (PATHs or everything), the index (`staged`, optionally only
    PATHs) or every commit's added lines (`history`)."""
    from buildrunner.engine import sources

    paths = list(paths)
    if history:
        return sources.history(project, since=since, config=config, log_opts=log_opts), "history"
    if staged:
        docs = sources.staged_for_paths(project, paths, config) if paths else sources.staged(project, config)
        return docs, "staged"
    return list(sources.files(project, paths or None, config)), "files"  # a list: progress knows the total


def scan_documents(project, config, items: Iterable, rules: list[Rule], mode: str, *, partial: bool = False,
                   **options) -> ScanResult:
    """Scan `items` with `rules` (`options`: jobs, progress, suppressions, use_baseline). A `partial`
    scan (some PATHs, or the index) reports no unused suppressions: entries for files it did not
    read are not unused."""
    from buildrunner.engine.scan import scan

    result = scan(project, items, rules, config=config, mode=mode, **options)
    if partial:
        result.unused_suppressions = []
    return result


def scan_project(project, config, kinds: Iterable[str] = TIER1_KINDS, *, rule_ids: Iterable[str] = (),
                 require_rules: bool = False, paths: Iterable[str] = (), staged: bool = False,
                 history: bool = False, since: str | None = None, log_opts: str | None = None,
                 **options) -> ScanResult:
    """Load the rules, build the documents for the mode and scan them (see `scan_documents`)."""
    paths = list(paths)
    if staged or history:
        from buildrunner.engine.gitio import require_repo

        require_repo(project)  # before the (slower) rule loading: fail fast with a clear message
    rules = load_rules(project, kinds, rule_ids, require=require_rules)
    items, mode = documents(project, config, paths=paths, staged=staged, history=history, since=since,
                            log_opts=log_opts)
    return scan_documents(project, config, items, rules, mode, partial=bool(paths or staged), **options)
