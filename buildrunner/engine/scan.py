"""The scan pipeline: documents × rules → matchers → fingerprints → suppression → sorted result.

Small inputs (the pre-commit hook's few staged files) run in this process. Large ones (more than
`PARALLEL_MIN_FILES` files or `PARALLEL_MIN_BYTES` bytes) go to a process pool: each worker builds
its matchers once (pool initializer) and reads its own files — the parent sends paths, not
contents. Sources are consumed as a stream with a bounded number of chunks in flight, so a history
scan never holds the whole log in memory. A worker that dies (OOM killer, segfault) surfaces as a
`BrError` (exit 2) instead of a hang.

Per document, in the process that scanned it: run each kind's matcher with the rules whose
languages fit the document, fingerprint the findings (before any filtering, so a finding has the
same fingerprint in a staged, full or history scan), keep only `changed_lines`, apply inline
`br: ignore[...]` comments. In the parent: whitelist and baseline, then sort.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from buildrunner.engine import kinds
from buildrunner.engine.model import Document, Finding, Rule, ScanResult, Skipped, Suppressed, fingerprint_findings
from buildrunner.engine.parsing import language_for_path, rule_language_matches
from buildrunner.engine.sources import DEFAULT_MAX_SIZE, FileRef
from buildrunner.engine.suppression import Suppressions, inline_suppressions, load_suppressions
from buildrunner.errors import BrError

DEFAULT_SALT = "buildrunner-default-salt"
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_BYTES = 4_000_000
CHUNK_BYTES = 512_000
CHUNK_ITEMS = 64

Progress = Callable[[int, "int | None"], None]


def _scanned(rule: Rule) -> bool:
    entry = kinds.KINDS.get(rule.kind)
    return rule.enabled and entry is not None and entry.matcher is not None


def salt_of(config) -> str:
    value = config.get("security.fingerprint_salt") if config is not None else ""
    return value or DEFAULT_SALT


def matcher_options(config) -> dict[str, dict]:
    """Per-kind matcher settings from the configuration: what the code rules do not parse."""
    if config is None:
        return {}
    return {"code": {"max_bytes": int(config.get("security.code_max_file_size")),
                     "skip_minified": bool(config.get("security.code_skip_minified"))}}


def severity_sort_key(f: Finding):
    return (-f.severity.rank, f.path, f.line, f.column, f.rule_id, f.origin.commit or "")


def touches(finding: Finding, changed_lines: frozenset[int]) -> bool:
    """A finding concerns a change when its line, or a line of its trace, was added or modified.

    SQL injection built on a changed line but executed on an unchanged one is still reported.
    """
    return finding.line in changed_lines or any(step.line in changed_lines and not step.path
                                                 for step in finding.trace)


class Engine:
    """Matchers for one process, built lazily per (kind, language) and reused for every document."""

    def __init__(self, rules: list[Rule], salt: str = "", max_size: int = DEFAULT_MAX_SIZE,
                 foreign_annotations: bool = True, options: dict[str, dict] | None = None):
        self.salt = salt
        self.options = options or {}  # kind → extra keyword arguments of its matcher (matcher_options)
        self.foreign_annotations = foreign_annotations
        self.max_size = max_size
        self.by_kind: dict[str, list[Rule]] = {}
        for r in rules:
            if _scanned(r):
                self.by_kind.setdefault(r.kind, []).append(r)
        self._classes = {kind: kinds.matcher_class(kind) for kind in self.by_kind}
        self._matchers: dict[tuple[str, str | None], object | None] = {}
        # one matcher per distinct rule list: the secret rules apply to every language, so all
        # languages share one SecretMatcher (one keyword database, one set of compiled regexes)
        self._by_rules: dict[tuple[str, tuple[int, ...]], object] = {}

    def matcher(self, kind: str, language: str | None):
        key = (kind, language)
        if key not in self._matchers:
            cls = self._classes.get(kind)
            rules = [r for r in self.by_kind[kind] if rule_language_matches(r.languages, language)]
            matcher = None
            if cls is not None and rules:
                shared = (kind, tuple(map(id, rules)))
                matcher = self._by_rules.get(shared)
                if matcher is None:
                    matcher = self._by_rules[shared] = cls(rules, salt=self.salt, **self.options.get(kind, {}))
            self._matchers[key] = matcher
        return self._matchers[key]

    def scan_document(self, doc: Document) -> tuple[list[Finding], list[Suppressed]]:
        if doc.changed_lines is not None and not doc.changed_lines:
            return [], []  # nothing added (pure rename, mode change, deletions only): nothing to report
        findings: list[Finding] = []
        for kind in self.by_kind:
            matcher = self.matcher(kind, doc.language)
            if matcher is None:
                continue
            try:
                found = matcher.scan(doc)
            except BrError:  # e.g. a rule whose regex only fails when first compiled: exit 2, as it is
                raise
            except Exception as exc:  # a matcher bug must name the file, not vanish
                raise RuntimeError(f"{doc.path}: the {kind} matcher failed: {exc!r}") from None
            for f in found:
                f.path = doc.path
                f.origin = doc.origin
            findings.extend(found)
        if not findings:
            return [], []
        fingerprint_findings(findings)
        if doc.changed_lines is not None:
            findings = [f for f in findings if touches(f, doc.changed_lines)]
        return inline_suppressions(doc, findings, foreign=self.foreign_annotations)

    def prepare(self, languages: Iterable[str | None]) -> None:
        """Build every matcher these languages need, and let each prepare its own state (compiled
        patterns, queries, parsers). Done in the parent before a pool forks: the workers inherit it."""
        from buildrunner.engine import masking

        for language in languages:
            for kind in self.by_kind:
                matcher = self.matcher(kind, language)
                prepare = getattr(matcher, "prepare", None)
                if prepare is not None:
                    prepare(language)
        masking.prepare()  # snippets are masked in the workers; the report, here after the scan

    def drain_skipped(self) -> list[Skipped]:
        """Documents a matcher could not analyse (e.g. code that does not parse at all)."""
        out: list[Skipped] = []
        for matcher in self._by_rules.values():
            pending = getattr(matcher, "skipped", None)
            if pending:
                out.extend(pending)
                pending.clear()
        return out

    def scan_items(self, items: list) -> tuple[list[Finding], list[Suppressed], list[Skipped], int]:
        findings: list[Finding] = []
        suppressed: list[Suppressed] = []
        skipped: list[Skipped] = []
        scanned = 0
        for item in items:
            doc = item.load(self.max_size) if isinstance(item, FileRef) else item
            if isinstance(doc, Skipped):
                skipped.append(doc)
                continue
            kept, supp = self.scan_document(doc)
            findings.extend(kept)
            suppressed.extend(supp)
            skipped.extend(self.drain_skipped())
            scanned += 1
        return findings, suppressed, skipped, scanned


# Worker-process state: built once by the pool initializer, or, when the pool forks, the parent's
# Engine prepared for the languages of the first documents (a forked child inherits the
# initializer's arguments as they are in memory: nothing is pickled).
_WORKER: Engine | None = None


def _init_worker(rules: list[Rule], salt: str, max_size: int, foreign: bool = True,
                 prepared: Engine | None = None, options: dict[str, dict] | None = None) -> None:
    global _WORKER
    _WORKER = prepared if prepared is not None else Engine(rules, salt, max_size, foreign, options)


def _language(item) -> str | None:
    return language_for_path(item.path) if isinstance(item, FileRef) else item.language


def _run_chunk(items: list):
    try:
        return _WORKER.scan_items(items)
    except BrError as exc:  # sent back as a plain BrError: a subclass's own arguments do not unpickle
        raise BrError(exc.message, hint=exc.hint, exit_code=exc.exit_code) from None


def _size(item) -> int:
    return item.size if isinstance(item, FileRef) else len(item.text)


# Estimated cost of a document relative to its size: a file in a language the code rules parse
# costs about this many times more per byte (tree-sitter parse + analysis) than one only the
# secret rules' keyword pass reads (measured on SQLAlchemy: ~0.11 s/MB against ~0.013 s/MB).
CODE_COST_PER_BYTE = 8


def _cost(item, language: str | None, code_rules: bool) -> int:
    return _size(item) * (CODE_COST_PER_BYTE if code_rules and language is not None else 1)


def _largest_first(items: Iterable, code_rules: bool) -> tuple[list, set[str | None]]:
    """The work of a known input (a full scan's file list) in decreasing estimated cost, and the
    languages it holds. Each worker takes the big files first and the pool ends on small chunks:
    both cores finish together instead of one waiting for the other's last big file. Ties keep the
    listing order; the result is sorted after the scan, so the order changes no output."""
    keyed = []
    languages: set[str | None] = set()
    for position, item in enumerate(items):
        if isinstance(item, Skipped):
            keyed.append((0, position, item))
            continue
        language = _language(item)
        languages.add(language)
        keyed.append((-_cost(item, language, code_rules), position, item))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [item for _cost, _position, item in keyed], languages


# Guided self-scheduling of a known input (`_guided_chunks`): each chunk takes this share of the
# estimated cost still unsent, divided by the workers, but at least `GUIDED_MIN_COST` (~4 ms of
# work on SQLAlchemy) and at most `GUIDED_MAX_ITEMS` files.
GUIDED_SHARES = 4
GUIDED_MIN_COST = 250_000
GUIDED_MAX_ITEMS = 256
# what any file costs besides its bytes (open, read, decode, the per-document matcher set-up: ~0.2 ms
# on SQLAlchemy, against ~14 ms per 1_000_000 of `_cost`), so a chunk of a thousand tiny files
# is not mistaken for a small one
FILE_COST = 15_000


def _guided_chunks(items: list, jobs: int, code_rules: bool) -> Iterator[list]:
    """Chunks of a known input already in decreasing cost order (`_largest_first`): big at first,
    shrinking as the work runs out (each one is 1/(GUIDED_SHARES x jobs) of what is left).

    Every chunk costs a round trip through the pool (~0.5 ms of the parent's CPU, and a worker
    waits for its next chunk): fixed-size chunks made ~95 of them on SQLAlchemy, these ~43. While
    one worker runs a chunk, the chunks left hold (GUIDED_SHARES x jobs - 1) times its estimated
    cost for the others, and the last chunks are small: the workers still end together."""
    costs = [_cost(item, _language(item), code_rules) + FILE_COST for item in items]
    remaining = sum(costs)
    chunk: list = []
    size = 0
    target = max(GUIDED_MIN_COST, remaining / (GUIDED_SHARES * jobs))
    for item, cost in zip(items, costs, strict=True):
        chunk.append(item)
        size += cost
        if size >= target or len(chunk) >= GUIDED_MAX_ITEMS:
            yield chunk
            remaining -= size
            chunk, size = [], 0
            target = max(GUIDED_MIN_COST, remaining / (GUIDED_SHARES * jobs))
    if chunk:
        yield chunk


def _chunks(items: Iterable, target_bytes: int) -> Iterator[list]:
    chunk: list = []
    size = 0
    for item in items:
        chunk.append(item)
        size += _size(item)
        if size >= target_bytes or len(chunk) >= CHUNK_ITEMS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def resolve_jobs(jobs: int | None, config) -> int:
    if jobs is None:
        jobs = int(config.get("security.jobs")) if config is not None else 0
    if jobs <= 0:
        try:
            jobs = len(os.sched_getaffinity(0))
        except AttributeError:
            jobs = os.cpu_count() or 1
    return max(1, jobs)


def scan(project, documents: Iterable, rules: list[Rule], *, config=None, jobs: int | None = None,
         progress: Progress | None = None, suppressions: Suppressions | None = None,
         use_baseline: bool = True, mode: str = "files") -> ScanResult:
    """Scan `documents` (Documents, FileRefs and Skipped, as the sources yield them) with `rules`."""
    started = time.perf_counter()
    rules = [r for r in rules if _scanned(r)]
    for kind in sorted({r.kind for r in rules}):
        kinds.matcher_class(kind)  # a matcher that cannot be imported is an error here, not in a worker
    salt = salt_of(config)
    max_size = int(config.get("security.max_file_size")) if config is not None else DEFAULT_MAX_SIZE
    jobs = resolve_jobs(jobs, config)
    foreign = bool(config.get("security.foreign_annotations")) if config is not None else True
    options = matcher_options(config)
    result = ScanResult(rules=rules, mode=mode, root=str(project.root) if project is not None else "")

    total = sum(not isinstance(d, Skipped) for d in documents) if isinstance(documents, (list, tuple)) else None
    # Buffer until we know whether the input is big enough to be worth a process pool.
    buffer: list = []
    buffered_bytes = 0
    stream = iter(documents)
    parallel = False
    for item in stream:
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        buffer.append(item)
        buffered_bytes += _size(item)
        if jobs > 1 and (len(buffer) > PARALLEL_MIN_FILES or buffered_bytes > PARALLEL_MIN_BYTES):
            parallel = True
            break

    if parallel:
        work: Iterable = chain(buffer, stream)
        if isinstance(documents, (list, tuple)):
            # the whole input is known (a full scan's file list): biggest work first, and every
            # language the workers will meet is prepared here, once, not in each worker on its
            # first file of that language
            code_rules = any(r.kind == "code" for r in rules)
            work, languages = _largest_first(work, code_rules=code_rules)
            guided = code_rules
        else:
            languages = {_language(item) for item in buffer}
            guided = None
        found, supp, skipped, scanned = _scan_parallel(work, rules, salt, max_size, jobs,
                                                       result.skipped, progress, total, foreign, languages,
                                                       options, guided=guided)
    else:
        engine = Engine(rules, salt, max_size, foreign, options)
        found, supp, skipped, scanned = [], [], [], 0
        for i, item in enumerate(buffer, 1):
            try:
                f, s, k, n = engine.scan_items([item])
            except RuntimeError as exc:
                raise BrError(str(exc)) from None
            found += f
            supp += s
            skipped += k
            scanned += n
            if progress:
                progress(i, len(buffer))
    result.skipped.extend(skipped)
    result.files_scanned = scanned
    found += _skipped_file_findings(result.skipped, rules, salt)

    if suppressions is None:
        suppressions = load_suppressions(project, use_baseline=use_baseline) if project is not None else Suppressions()
    kept, more, unused = suppressions.apply(found)
    result.findings = sorted(kept, key=severity_sort_key)
    result.suppressed = sorted(supp + more, key=lambda s: severity_sort_key(s.finding))
    result.unused_suppressions = unused
    result.skipped.sort(key=lambda s: (s.path, s.reason))
    result.duration_s = time.perf_counter() - started
    return result


def _skipped_file_findings(skipped: list[Skipped], rules: list[Rule], salt: str) -> list[Finding]:
    """Keystores (`paths:` secret rules) among the files skipped as binary (engine/secrets.py)."""
    from buildrunner.engine.secrets import skipped_file_findings

    findings = skipped_file_findings(skipped, rules, salt)
    fingerprint_findings(findings)
    return findings


def _scan_parallel(items: Iterable, rules: list[Rule], salt: str, max_size: int, jobs: int,
                   skipped_out: list[Skipped], progress: Progress | None, total: int | None = None,
                   foreign: bool = True, languages: Iterable[str | None] = (),
                   options: dict[str, dict] | None = None, guided: bool | None = None):
    """`guided`: `items` is a known list in decreasing cost order (`_largest_first`), chunked by
    `_guided_chunks` (True/False: whether code rules weigh code files); None, a stream in fixed-size
    chunks."""
    import gc

    fork = _can_fork()
    prepared = None
    if fork:  # build the matchers once here; every forked worker inherits them
        prepared = Engine(rules, salt, max_size, foreign, options)
        prepared.prepare(sorted(languages, key=str))
    found: list[Finding] = []
    supp: list[Suppressed] = []
    skipped: list[Skipped] = []
    scanned = done = 0

    def docs_only() -> Iterator:
        for item in items:
            if isinstance(item, Skipped):
                skipped_out.append(item)
            else:
                yield item

    if fork and guided is not None:  # a known list: the workers inherit it and get index ranges
        return _scan_forked(list(docs_only()), prepared, jobs, progress, total, code_rules=guided)
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("fork" if fork else None)
    max_in_flight = jobs * 4
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(rules, salt, max_size, foreign, prepared, options))
    completed = False
    # What the parent built (rules, matchers, the file list) moves out of the collector's reach
    # before the workers fork: their collections then never walk it, nor write to its pages (each
    # write would copy a page the processes share). Undone once the workers are gone.
    gc.freeze()
    try:
        pending = set()
        chunks = (_chunks(docs_only(), CHUNK_BYTES) if guided is None
                  else _guided_chunks(list(docs_only()), jobs, code_rules=guided))
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < max_in_flight:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending.add(pool.submit(_run_chunk, chunk))
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                f, s, k, n = fut.result()
                found += f
                supp += s
                skipped += k
                scanned += n
                done += n + len(k)  # every item of a chunk is either scanned or skipped
                if progress:
                    progress(done, total)
        completed = True
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise BrError("a scan worker process died (killed or crashed); the scan is incomplete",
                      hint="retry with --jobs 1 to scan in one process") from None
    except RuntimeError as exc:
        raise BrError(str(exc)) from None
    finally:
        # Once every result is in, the workers get their stop signal and end on their own (tearing
        # down a large heap takes each 10-20 ms) while this process goes on to the report; the
        # pool's thread joins them, at the latest when the interpreter exits. On an error, wait.
        pool.shutdown(wait=not completed, cancel_futures=True)
        gc.unfreeze()
    return found, supp, skipped, scanned


def _can_fork() -> bool:
    """Whether multiprocessing offers the fork start method here (every platform but Windows that
    has `os.fork`), without importing multiprocessing."""
    return os.name == "posix" and hasattr(os, "fork")


def _run_range(items: list):
    return _run_chunk(items)  # (looked up when called: bench/scan_timeline.py wraps `_run_chunk`)


def _scan_forked(work: list, prepared: Engine, jobs: int, progress: Progress | None, total: int | None,
                 code_rules: bool):
    """A known file list through `forkpool`: the workers inherit `work` and the prepared Engine, and
    take index ranges of `_guided_chunks` (see `_scan_parallel`)."""
    import gc

    from buildrunner.engine import forkpool

    positions, start = [], 0
    for chunk in _guided_chunks(work, jobs, code_rules=code_rules):
        positions.append((start, start + len(chunk)))
        start += len(chunk)
    found: list[Finding] = []
    supp: list[Suppressed] = []
    skipped: list[Skipped] = []
    scanned = done = 0
    gc.freeze()  # (as in `_scan_parallel`: the workers' collections never walk the parent's heap)
    try:
        for f, s, k, n in forkpool.run_forked(_run_range, work, positions, jobs,
                                              init=lambda: _init_worker([], "", 0, prepared=prepared)):
            found += f
            supp += s
            skipped += k
            scanned += n
            done += n + len(k)
            if progress:
                progress(done, total)
    except forkpool.WorkerDied:
        raise BrError("a scan worker process died (killed or crashed); the scan is incomplete",
                      hint="retry with --jobs 1 to scan in one process") from None
    except RuntimeError as exc:
        raise BrError(str(exc)) from None
    finally:
        gc.unfreeze()
    return found, supp, skipped, scanned
