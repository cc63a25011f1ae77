"""Where any of a set of literal strings occur in a text: the engine's keyword passes.

`Literals(words, caseless=...)` finds every occurrence of every word (overlapping ones included),
as (start, word index) pairs in characters, ordered like an Aho-Corasick pass: by end offset, and
the longer word first when two end at the same place. Caseless means: the words are lowercased and
matched against `lower_same_length(text)`, so the offsets are the original text's.

Two backends give the same answers:

- **Hyperscan** (PyPI `hyperscan`, x86_64 only), about 10x faster per byte: it runs over one byte
  per character (`?` for a non-ASCII one, so offsets stay characters), folding ASCII case only.
  It is used once `prepare()` was called (a full scan does it in the parent before its
  workers fork) or after a matcher has scanned `LAZY_BYTES` through the fallback: importing and
  compiling cost ~15-40 ms, more than a pre-commit hook's whole keyword pass. A compiled database
  is kept in the user's cache directory (`literals/`), so the next process loads it in ~0.1 ms.
- **pyahocorasick**, always available: everything else, and the texts Hyperscan cannot judge the
  same way (words that are not ASCII and, caseless, text with the Kelvin sign, the one non-ASCII
  letter whose lowercase is ASCII).

`BR_LITERALS=aho-corasick` forces the fallback, `BR_LITERALS=hyperscan` uses Hyperscan for every
text (both for tests and for comparing the two).
"""

from __future__ import annotations

import os
import string
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

LAZY_BYTES = 4_000_000  # text scanned by the fallback before a matcher switches to Hyperscan
_KELVIN = "\u212a"  # lowercases to ASCII `k`: Hyperscan's ASCII case folding would miss it
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def lower_same_length(text: str) -> str:
    """Lowercase `text` keeping offsets aligned with it.

    A few Unicode letters change length on lower() ('İ' → 'i̇'); words are matched on the lowered
    text and their offsets used in the original, so then only ASCII is lowered.
    """
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def _backend_setting() -> str:
    return os.environ.get("BR_LITERALS", "auto").strip().lower() or "auto"


def fast_backend_ready() -> bool:
    """Is Hyperscan already loaded in this process (a full scan's parent prepared it) and not
    disabled? For callers whose plain-regex path beats the fallback: they use `Literals` only
    then, and never pay Hyperscan's import themselves (the pre-commit hook must not load it)."""
    return _backend_setting() != "aho-corasick" and "hyperscan" in sys.modules


class Literals:
    """Every occurrence of any of `words` in a text (see the module docstring)."""

    def __init__(self, words: Iterable[str], *, caseless: bool = False):
        words = (w.lower() for w in words) if caseless else words
        self.words: list[str] = list(dict.fromkeys(w for w in words if w))  # unique, order kept
        self.caseless = caseless
        self._aho = None
        self._hs = None  # a compiled Hyperscan database, False when it is not available
        self._hs_lock = threading.Lock()  # a database has one scratch space: one scan at a time
        self._fallback_bytes = 0
        self._ascii_words = all(w.isascii() for w in self.words)
        self._question = any("?" in w for w in self.words)  # could match where `?` stands for non-ASCII

    def __len__(self) -> int:
        return len(self.words)

    def prepare(self) -> None:
        """Build the fast backend now (before a pool forks), when it is available and not disabled."""
        if _backend_setting() != "aho-corasick":
            self._hyperscan()
        if not self._hs:
            self._automaton()

    def prepare_search(self) -> None:
        """Build what `search` uses (the automaton: it stops at the first word) now."""
        if self.words:
            self._automaton()

    # -- queries -----------------------------------------------------------------------------
    def find(self, text: str) -> list[tuple[int, int]]:
        """(start offset, word index) of every occurrence, by end offset, longer word first."""
        if not self.words or not text:
            return []
        hs = self._fast_for(text)
        if hs is not None:
            found = self._find_hyperscan(hs, text)
            if found is not None:
                return found
        return self._find_aho(text)

    def find_grouped(self, text: str) -> dict[int, list[int]]:
        """word index → the start offsets of its occurrences, ascending (the words that occur)."""
        if not self.words or not text:
            return {}
        hs = self._fast_for(text)
        if hs is not None:
            found = self._grouped_hyperscan(hs, text)
            if found is not None:
                return found
        out: dict[int, list[int]] = {}
        for start, index in self._find_aho(text):
            out.setdefault(index, []).append(start)
        return out

    def search(self, text: str) -> bool:
        """Whether any word occurs in `text`."""
        if not self.words or not text:
            return False
        automaton = self._automaton()
        for _ in automaton.iter(lower_same_length(text) if self.caseless else text):
            return True
        return False

    # -- pyahocorasick -------------------------------------------------------------------------
    def _automaton(self):
        if self._aho is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for index, word in enumerate(self.words):
                automaton.add_word(word, (index, len(word)))
            automaton.make_automaton()
            self._aho = automaton
        return self._aho

    def _find_aho(self, text: str) -> list[tuple[int, int]]:
        automaton = self._automaton()
        self._fallback_bytes += len(text)
        low = lower_same_length(text) if self.caseless else text
        return [(end - length + 1, index) for end, (index, length) in automaton.iter(low)]

    # -- Hyperscan -----------------------------------------------------------------------------
    def _fast_for(self, text: str):
        """The Hyperscan database to scan `text` with, or None for the fallback."""
        if self._hs is None:
            setting = _backend_setting()
            if setting == "aho-corasick" or (setting != "hyperscan" and self._fallback_bytes < LAZY_BYTES):
                return None
            self._hyperscan()
        return self._hs or None

    def _hyperscan(self):
        if self._hs is None:
            self._hs = self._compile() if self._ascii_words else False
        return self._hs

    def _compile(self):
        try:
            import hyperscan
        except Exception:  # not installed (no wheel off x86_64) or the CPU lacks what it needs
            return False
        flags = hyperscan.HS_FLAG_CASELESS if self.caseless else 0
        key = _database_key(hyperscan, self.words, flags)
        db = _load_database(hyperscan, key)
        if db is not None:
            return db
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            db.compile(expressions=[w.encode("ascii") for w in self.words], ids=list(range(len(self.words))),
                       elements=len(self.words), flags=[flags] * len(self.words), literal=True)
        except hyperscan.error:
            return False
        _store_database(hyperscan, key, db)
        return db

    def _find_hyperscan(self, db, text: str) -> list[tuple[int, int]] | None:
        """Hyperscan's matches, or None when it cannot judge `text` like the fallback."""
        ends: list[tuple[int, int]] = []
        append = ends.append
        if not self._scan_hyperscan(db, text, lambda index, _start, end, _flags, _ctx: append((end, index))):
            return None
        words = self.words
        # by end offset, the longer word (the smaller start) first: the fallback's order
        found = [(end - len(words[index]), index) for end, _neg, index
                 in sorted((end, -len(words[index]), index) for end, index in ends)]
        if self._question and not text.isascii():
            return [(start, index) for start, index in found if text[start:start + len(words[index])].isascii()]
        return found

    def _grouped_hyperscan(self, db, text: str) -> dict[int, list[int]] | None:
        by_word: defaultdict[int, list[int]] = defaultdict(list)
        if not self._scan_hyperscan(db, text, lambda index, _start, end, _flags, _ctx: by_word[index].append(end)):
            return None
        words = self.words
        out = {}
        for index, ends in by_word.items():
            ends.sort()
            length = len(words[index])
            out[index] = [end - length for end in ends]
        if self._question and not text.isascii():
            out = {index: kept for index, starts in out.items()
                   if (kept := [s for s in starts if text[s:s + len(words[index])].isascii()])}
        return out

    def _scan_hyperscan(self, db, text: str, on_match) -> bool:
        """Scan `text`, calling `on_match` for each match; False when Hyperscan cannot judge `text`
        like the fallback (nothing was reported then).

        Hyperscan scans bytes: each character is scanned as one byte, a non-ASCII one as `?`, so
        byte offsets are character offsets. No word holds a non-ASCII character, so none matches
        over one; a word with a `?` could, and such matches are dropped (`_question`)."""
        if self.caseless and _KELVIN in text:
            return False
        data = _scan_bytes(text)
        if not self._hs_lock.acquire(blocking=False):  # another thread is scanning with this database
            return False
        try:
            db.scan(data, match_event_handler=on_match)
        except Exception as exc:  # e.g. a CPU the library does not support: use the fallback from now on
            import hyperscan

            if not isinstance(exc, hyperscan.error):
                raise
            self._hs = False
            return False
        finally:
            self._hs_lock.release()
        return True


# The last text turned into bytes for Hyperscan, with its bytes. A worker scans each document for
# the secret keywords and then for the SQL sink names: the second scan reuses the first's bytes
# (a str is immutable, so the same object means the same bytes). One tuple, so that a thread
# never reads one text's object with another text's bytes.
_last_encoded: tuple[str, bytes] = ("", b"")


def _scan_bytes(text: str) -> bytes:
    """`text` as Hyperscan scans it: one byte per character, a non-ASCII character as `?`."""
    global _last_encoded
    last = _last_encoded
    if last[0] is text:
        return last[1]
    data = text.encode("ascii") if text.isascii() else text.encode("ascii", "replace")
    _last_encoded = (text, data)
    return data


# -- compiled Hyperscan databases, kept in the user's cache directory ---------------------------
# Compiling the secret rules' ~400 keywords costs 15-40 ms, in the parent of every full scan before
# its workers fork; loading the serialized database costs well under a millisecond. A file holds the
# SHA-256 of the serialized database, then the database: a torn or altered file is never handed to
# the library (which checks its own CRC as well), it is compiled again and rewritten.
DATABASE_FILES_KEPT = 32  # a few word sets per project (secret keywords, sink names, SQL keywords)


def _database_dir():
    from buildrunner.fsutil import user_cache_dir

    return user_cache_dir() / "literals"


def _database_key(hyperscan, words: list[str], flags: int) -> str:
    """Everything the database depends on: the words in order (their index is the match id), the
    flags, the library's version and the machine it was built for."""
    import hashlib
    import platform

    head = f"{hyperscan.__version__}\0{platform.machine()}\0{flags}\0{len(words)}\0"
    return hashlib.sha256((head + "\0".join(words)).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _load_database(hyperscan, key: str):
    """The cached database for `key` with its scratch space, or None (missing, corrupt, stale,
    built for another CPU, or caching turned off)."""
    import hashlib

    if os.environ.get("BR_NO_RULE_CACHE"):
        return None
    try:
        data = (_database_dir() / f"{key}.hsdb").read_bytes()
        digest, blob = data[:32], data[32:]
        if not blob or hashlib.sha256(blob).digest() != digest:
            return None
        db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)
        return db
    except Exception:  # noqa: BLE001 — any problem means compiling it again
        return None


def _store_database(hyperscan, key: str, db) -> None:
    """Write the database for the next process; a cache that cannot be written is only slower."""
    import hashlib

    from buildrunner.fsutil import atomic_write_bytes

    if os.environ.get("BR_NO_RULE_CACHE"):
        return
    try:
        blob = hyperscan.dumpb(db)
        directory = _database_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(directory / f"{key}.hsdb", hashlib.sha256(blob).digest() + blob, mode=0o600)
        files = sorted(directory.glob("*.hsdb"), key=lambda p: p.stat().st_mtime_ns)
        for old in files[:-DATABASE_FILES_KEPT]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001
        pass


# -- what a regex's matches must contain -------------------------------------------------------
@lru_cache(maxsize=16)
def parsed_pattern(pattern: str):
    """`pattern` parsed by the regex parser (`re._parser`), shared by the analyses of one rule's
    regex when its pack loads (validation, literal prefix, required literals, leading literal, run
    start, witness, line-break blindness: each parsed it again). Callers only read it. Raises what
    the parser raises."""
    import re._parser as sre_parse

    return sre_parse.parse(pattern, 0)


def parsed_or_none(pattern: str):
    """`parsed_pattern(pattern)`, or None where it cannot be had: a Python without `re._parser`, or a
    pattern the parser refuses (the analyses then know nothing and fall back to the plain search)."""
    import re

    try:
        import re._parser  # noqa: F401 — what parsed_pattern uses
    except ImportError:  # pragma: no cover - a Python without re._parser
        return None
    try:
        return parsed_pattern(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


# -- what a regex's matches must contain -------------------------------------------------------
def required_literals(pattern: str, known: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """Literal strings every match of `pattern` contains: a list of any-of sets, one word of each
    set occurs (case-sensitively) in every match. Empty when nothing is known.

    A text range without a word of each set cannot hold a match: the regex need not search it.
    Read from the parsed regex: runs of literal characters, through groups, alternations (the
    union of one set per branch) and repeats of at least one. Case-insensitive parts, look-arounds,
    classes and back-references require nothing.

    `known`: lowercase words the searched text is known to hold in some case (a rule's keywords).
    Sets with a word that is part of one tell little: they are left out, also when choosing one set
    per branch.
    """
    import re

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return []
    if parsed.state.flags & re.IGNORECASE:
        return []
    return list(dict.fromkeys(_Required(list(known)).sequence(list(parsed))))


class _Required:
    def __init__(self, known: list[str]):
        self.known = known

    def telling(self, anyof: tuple[str, ...]) -> bool:
        """No word of the set is part of a known word (a set with one is in nearly every searched
        range: the text holds the known word, though maybe in another case)."""
        return not any(word in k for word in anyof for k in self.known)

    def sequence(self, items) -> list[tuple[str, ...]]:
        from re import _constants as c

        out: list[tuple[str, ...]] = []
        run: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run and op is c.BRANCH:  # `-(?:a|-pass)`, as the parser factors `-a|--pass`: `-a` or `--pass`
                heads = [_head(branch) for branch in av[1]]
                if all(heads):
                    out.append(tuple(sorted({"".join(run) + head for head in heads})))
            if run:
                out.append(("".join(run),))
                run = []
            out.extend(self.item(op, av))
        if run:
            out.append(("".join(run),))
        return [anyof for anyof in out if self.telling(anyof)]

    def item(self, op, av) -> list[tuple[str, ...]]:
        import re
        from re import _constants as c

        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            return [] if add_flags & re.IGNORECASE else self.sequence(body)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, body = av
            return self.sequence(body) if low >= 1 else []
        if op is c.ATOMIC_GROUP:
            return self.sequence(av)
        if op is c.BRANCH:  # one set from each branch, united: the j-th of each (its last when fewer)
            branches = [sorted(self.sequence(branch), key=_weakest) for branch in av[1]]
            if not all(branches):
                return []  # a branch that requires nothing: the alternation requires nothing
            return [tuple(sorted({word for sets in branches for word in sets[min(j, len(sets) - 1)]}))
                    for j in range(max(map(len, branches)))]
        return []


def _weakest(anyof: tuple[str, ...]) -> int:
    """Sort key: sets whose shortest word is longer first (a long literal is rarer in text)."""
    return -min(map(len, anyof))


def _head(items) -> str:
    """The literal characters a sequence starts with."""
    from re import _constants as c

    head = []
    for op, av in items:
        if op is not c.LITERAL:
            break
        head.append(chr(av))
    return "".join(head)


def leading_literal(pattern: str) -> str:
    """The literal every match of `pattern` starts with, when the pattern starts with a zero-width
    assertion (`\\b`, a look-around) and then literal characters: '' otherwise.

    Python's regex engine jumps to a literal prefix itself, but not past an assertion (`\\bvariable`,
    `(?<![\\w-])re_`): there it tries every position. Searching from each occurrence of this literal
    finds the same matches (the assertions still see the text before it)."""
    import re
    from re import _constants as c

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return ""
    if parsed.state.flags & re.IGNORECASE:
        return ""
    items, asserted, head = list(parsed), False, []
    while items:
        op, av = items.pop(0)
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT) and not head:
            asserted = True
        elif op is c.LITERAL:
            head.append(chr(av))
        elif op is c.SUBPATTERN and not av[1] & re.IGNORECASE:
            items = list(av[-1]) + items  # `(?P<secret>re_…)`: the group's start is the match's
        else:
            break
    return "".join(head) if asserted else ""


# -- where a match can start: before the keyword it names ---------------------------------------
# The non-ASCII characters Python's case-insensitive matching equates with an ASCII letter (`ſ` with
# `s`, the Kelvin sign with `k`, dotted and dotless `i`): `(?i:secret)` matches `ſecret`, which no
# ASCII-caseless keyword pass reports. tests/engine/test_literals.py recomputes this set over every
# code point.
CASE_TRAPS = ("\u017f", "\u212a", "\u0130", "\u0131")


def keywords_fold_like_regex(text: str) -> bool:
    """Whether every case-insensitive regex match of an ASCII word in `text` is an ASCII-caseless
    occurrence of it (what the keyword pass reports): `text` holds none of `CASE_TRAPS`."""
    return text.isascii() or not any(ch in text for ch in CASE_TRAPS)


_CLASS_CATEGORIES = {"CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W", "CATEGORY_DIGIT": r"\d",
                     "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S"}


def keyword_run_start(pattern: str, keywords: Iterable[str]) -> tuple[str, str] | None:
    """(lead, run class) when every match of `pattern` starts with the literal character `lead`,
    followed by a repeat of the class `run` that reaches a case-insensitive alternative of words,
    each holding one of `keywords` (lowercase) and made of `run` characters, `lead` not one of them:
    `<(?P<key>[\\w.\\-:]*(?i:key|secret|…)…`. Else None.

    Then (in a text where `keywords_fold_like_regex`) every match starts at the nearest `lead`
    before some keyword occurrence with only `run` characters between: the regex need only be
    tried there, not at every `lead` of the searched lines (every `<` of an HTML page). Patterns that
    look ahead (a look-ahead, `$`, `\\b`) are refused: their matches may depend on where the searched
    range ends (`secrets._run_led` relies on that)."""
    import re
    from re import _constants as c

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return None
    items = list(parsed)
    if parsed.state.flags & re.IGNORECASE or len(items) < 2 or items[0][0] is not c.LITERAL \
            or _looks_ahead(items) or items[1][0] is not c.SUBPATTERN:
        return None
    lead, body = chr(items[0][1]), list(items[1][1][-1])
    if len(body) < 2 or body[0][0] not in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        return None
    low, _high, repeated = body[0][1]
    run = _class_source(repeated) if low == 0 and len(repeated) == 1 else None
    words = _caseless_words(body[1])
    if run is None or not words:
        return None
    known = [k.lower() for k in keywords]
    run_re = re.compile(f"{run}*")
    if run_re.fullmatch(lead) or not all(any(k in w.lower() for k in known) and run_re.fullmatch(w.lower())
                                         and run_re.fullmatch(w.upper()) for w in words):
        return None
    return lead, run


def _looks_ahead(items) -> bool:
    """Whether a parsed pattern holds an assertion that reads text after the current position."""
    from re import _constants as c

    forward_at = (c.AT_END, c.AT_END_LINE, c.AT_END_STRING, c.AT_BOUNDARY, c.AT_NON_BOUNDARY,
                  c.AT_LOC_BOUNDARY, c.AT_LOC_NON_BOUNDARY, c.AT_UNI_BOUNDARY, c.AT_UNI_NON_BOUNDARY)
    for op, av in items:
        if op is c.AT and av in forward_at:
            return True
        if op in (c.ASSERT, c.ASSERT_NOT) and (av[0] > 0 or _looks_ahead(av[1])):
            return True
        if op is c.SUBPATTERN and _looks_ahead(av[-1]):
            return True
        if op is c.BRANCH and any(_looks_ahead(branch) for branch in av[1]):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and _looks_ahead(av[2]):
            return True
        if op is c.ATOMIC_GROUP and _looks_ahead(av):
            return True
        if op is c.GROUPREF_EXISTS and (_looks_ahead(av[1]) or (av[2] is not None and _looks_ahead(av[2]))):
            return True
    return False


def _class_source(items) -> str | None:
    """`[…]` for a parsed one-character class (IN), None for anything else."""
    import re
    from re import _constants as c

    if len(items) != 1 or items[0][0] is not c.IN:
        return None
    out = []
    for op, av in items[0][1]:
        if op is c.NEGATE:
            out.append("^")
        elif op is c.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is c.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is c.CATEGORY and str(av) in _CLASS_CATEGORIES:
            out.append(_CLASS_CATEGORIES[str(av)])
        else:
            return None
    return "[" + "".join(out) + "]"


def _caseless_words(item) -> list[str]:
    """The words of `(?i:w1|w2|…)` (or `(?i:w)`), each all literal characters; [] otherwise."""
    import re
    from re import _constants as c

    op, av = item
    if op is not c.SUBPATTERN or not av[1] & re.IGNORECASE:
        return []
    body = list(av[-1])
    branches = body[0][1][1] if len(body) == 1 and body[0][0] is c.BRANCH else [body]
    words = []
    for branch in branches:
        if not branch or any(op is not c.LITERAL for op, _av in branch):
            return []
        words.append("".join(chr(av) for _op, av in branch))
    return words


# -- a necessary part of every match, searched for once per line ---------------------------------
def witness_items(pattern: str) -> tuple[int, int] | None:
    """(start, end): top-level items `start:end` of the parsed `pattern` that every match holds, in a
    form a search finds fast, or None. Every match of `pattern` that starts in a text range and ends
    by its end holds a match of these items (searched in the same text, with the same end): a line
    where they occur nowhere after a keyword cannot hold a match starting there.

    Chosen from the end of the pattern (the value part of a `key = "value"` rule): the items after
    the last alternation, caseless group or back-reference (a trailing back-reference is left out),
    without leading items that may match nothing; None unless they start with a literal or a class
    of a few literal characters (`_rare_start`: otherwise the search costs more than it saves)."""
    import re
    from re import _constants as c

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    items = list(parsed)
    end = len(items)
    while end and items[end - 1][0] is c.GROUPREF:
        end -= 1
    start = end
    while start and _plain([items[start - 1]]):
        start -= 1
    while start < end and _min_width(items[start]) == 0:
        start += 1
    if start == end or not _rare_start(items[start]):
        return None
    return start, end


def compile_items(pattern: str, start: int, end: int):
    """The top-level items `start:end` of the parsed `pattern`, compiled as a regex of their own (the
    group numbers and names stay those of `pattern`)."""
    import re._compiler as sre_compile
    import re._parser as sre_parse

    parsed = sre_parse.parse(pattern, 0)  # a fresh tree: the compiler gets its own
    return sre_compile.compile(sre_parse.SubPattern(parsed.state, list(parsed)[start:end]), 0)


def _plain(items) -> bool:
    """No alternation, caseless group, back-reference or conditional anywhere in `items`."""
    import re
    from re import _constants as c

    for op, av in items:
        if op in (c.BRANCH, c.GROUPREF, c.GROUPREF_EXISTS, c.GROUPREF_IGNORE, c.GROUPREF_LOC_IGNORE,
                  c.GROUPREF_UNI_IGNORE):
            return False
        if op is c.SUBPATTERN and (av[1] & re.IGNORECASE or not _plain(av[-1])):
            return False
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and not _plain(av[2]):
            return False
        if op in (c.ASSERT, c.ASSERT_NOT) and not _plain(av[1]):
            return False
        if op is c.ATOMIC_GROUP and not _plain(av):
            return False
    return True


def _min_width(item) -> int:
    import re._parser as sre_parse

    return sre_parse.SubPattern(sre_parse.State(), [item]).getwidth()[0]


RARE_START_CHARS = 4  # a witness starts with at most this many distinct characters (quotes, `=`)


def _rare_start(item) -> bool:
    """The item begins with a literal or a class of a few literal characters (`["'\x60]`): a search
    skips to them, and they are rare enough in text for the search to cost less than the attempts
    it saves. A witness that starts with `[a-z0-9]{32}` would try nearly every place of a line."""
    from re import _constants as c

    op, av = item
    if op is c.LITERAL:
        return True
    if op is c.IN:
        return len(av) <= RARE_START_CHARS and all(sub_op is c.LITERAL for sub_op, _ in av)
    if op is c.SUBPATTERN and av[-1]:
        return _rare_start(list(av[-1])[0])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1 and av[2]:
        return _rare_start(list(av[2])[0])
    return False


# -- matches that never read a line break ----------------------------------------------------------
def newline_blind(pattern: str) -> bool:
    """Whether no part of `pattern` can match a line break and it has no end-of-text assertion
    (`$`, `\\Z`): searched with a line's end as the end of the text, or with more lines after it,
    it then finds the same match at each place (at the line's end it sees nothing in one case and a
    `\\n` no part can match in the other; `\\b` sees a non-word character either way)."""
    import re

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return False
    return not parsed.state.flags & re.DOTALL and _blind(list(parsed))


def _blind(items) -> bool:
    import re
    from re import _constants as c

    for op, av in items:
        if op is c.LITERAL and av == 10 or op is c.NOT_LITERAL and av != 10:
            return False
        if op is c.ANY or op is c.AT and av in (c.AT_END, c.AT_END_LINE, c.AT_END_STRING):
            return False  # `.` is blind without DOTALL, but a scoped (?s:…) is not worth telling apart
        if op is c.IN:
            source = _class_source([(op, av)])
            if source is None or re.fullmatch(source, "\n"):
                return False
        nested = (av[-1] if op is c.SUBPATTERN else av[2] if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)
                  else av[1] if op in (c.ASSERT, c.ASSERT_NOT) else av if op is c.ATOMIC_GROUP else None)
        if op is c.SUBPATTERN and av[1] & re.DOTALL:
            return False
        if nested is not None and not _blind(list(nested)):
            return False
        if op is c.BRANCH and not all(_blind(list(branch)) for branch in av[1]):
            return False
        if op is c.GROUPREF_EXISTS:
            return False
        if op not in _BLIND_OPS:
            return False
    return True


def _blind_ops():
    from re import _constants as c

    return frozenset({c.LITERAL, c.NOT_LITERAL, c.IN, c.AT, c.SUBPATTERN, c.MAX_REPEAT, c.MIN_REPEAT,
                      c.POSSESSIVE_REPEAT, c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP, c.BRANCH, c.GROUPREF})


_BLIND_OPS = _blind_ops()  # anything else (an unknown opcode): not known to be blind
