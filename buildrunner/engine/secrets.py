"""Secret detection: `kind: secret` rules and the matcher that runs them.

Fields of a secret rule (besides the common ones in `engine/rules.py`)::

    keywords:   [sk-ant-api03-]   # required. Lowercase-matched prefilter: the regex only runs on
                                  # lines where one of these strings occurs (one Aho-Corasick pass
                                  # over the document for all rules' keywords).
    regex: '(?P<secret>…)'        # required. Must compile and have a named group `secret`: the
                                  # value that is reported, hashed and masked.
    entropy: 3.5                  # optional floor: Shannon bits/char of the secret group.
    min_length: 16                # optional minimum length of the secret group.
    window: 0                     # optional: lines after the keyword line the regex may span
                                  # (multi-line secrets such as PEM private keys).
    placeholders: true            # apply the global placeholder allowlist (engine/entropy.py).
    fallback: false               # a generic rule: its finding is dropped when a specific rule
                                  # reports an overlapping value (`api_key = "ghp_…"` is GitHub's).
    anchored: keyword             # optional: every match starts where a keyword occurs (`keyword`)
                                  # or at the start of a hit line (`line`, for `^KEY=value` rules):
                                  # the regex is tried only there instead of searching whole lines,
                                  # much faster for generic rules whose keywords hit many lines.
    extract: kubernetes_secret    # optional, instead of `regex`: a structured-document extractor
                                  # (engine/secret_structures.py) yields the values to judge.
    paths: ['*.p12', '*.jks']     # optional, instead of `keywords` and `regex`: a file whose name
                                  # matches is itself the secret (a keystore), reported at line 1
                                  # even when the scan skips it as binary (`path_findings`).
    validate: jwt                 # optional structural check of the value (see VALIDATORS).
    filters: [words_not_random]   # optional named filters (engine/secret_filters.py) applied on top
                                  # of the default ones (placeholder, templated, doc_example_key).
                                  # A regex group `(?P<key>…)` names what the value is assigned to,
                                  # `(?P<user>…)` a URL's user: filters may look at both.
    allowlist:                    # optional, per rule
      regexes:   ['^sk-ant-api03-test']   # searched in the secret value
      stopwords: [localhost]              # case-insensitive substrings of the secret value
      lines:     ['^\\s*#']               # searched in the whole line
      paths:     ['**/fixtures/**']       # globs on the document path

A fallback rule never reports a value that starts with a specific rule's literal prefix (the
provider-prefix claim: `ghp_…` is GitHub's to report, well-formed or not). `SecretMatcher.spans`
can collect the candidates a filter dropped, with the filter's name (`br security check --explain`).

Regexes are validated at load time with the regex parser only and compiled on a rule's first
keyword hit, so the pre-commit hook pays for the rules whose keywords appear in the staged text.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from buildrunner.engine.entropy import entropy_floor_met
from buildrunner.engine.model import Document, Finding, Rule, value_hash
from buildrunner.fsutil import glob_matcher

SPEC_FIELDS = {"keywords", "regex", "entropy", "min_length", "window", "placeholders", "fallback",
               "validate", "allowlist", "anchored", "filters", "extract", "paths"}
ALLOWLIST_FIELDS = {"regexes", "stopwords", "lines", "paths"}
LONG_LINE = 4096  # lines longer than this (minified files) are searched around keyword hits only
SNIPPET_WIDTH = 200
_NEVER = "(?P<secret>(?!))"  # the regex of an `extract:` rule: its values come from the extractor
SECRET_PACK = Path(__file__).resolve().parent.parent / "rules" / "secrets.yaml"


def _b64url(segment: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return b""


def _check_jwt(value: str) -> bool:
    """A JWT's header is base64url JSON with an `alg` (rules out random dotted strings).

    A header mangled in a log or a copy (not valid JSON any more) still counts when both the header
    and the payload decode to JSON text (`{"` and printable characters): random base64 after
    `eyJ` decodes to binary."""
    head, _, rest = value.partition(".")
    raw = _b64url(head)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        return "alg" in data
    return _json_text(raw) and _json_text(_b64url(rest.split(".", 1)[0]))


def _json_text(raw: bytes) -> bool:
    return raw.startswith(b'{"') and sum(32 <= b < 127 for b in raw) >= 0.9 * len(raw)


def _check_base64_jwt(value: str) -> bool:
    """A JWT wrapped in standard base64 (`ZXlK…` is base64 of `eyJ…`), as Kubernetes Secret data holds it."""
    import base64
    import binascii

    try:
        inner = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii").strip()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    parts = inner.split(".")
    return len(parts) == 3 and len(parts[1]) >= 10 and _check_jwt(inner)


def _check_docker_auth(value: str) -> bool:
    """A Docker `config.json` `auth`: base64 of `user:password` with a real (non-placeholder) password."""
    import base64
    import binascii

    from buildrunner.engine.secret_filters import Candidate, first_drop

    try:
        inner = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    user, sep, password = inner.partition(":")
    if not (sep and user and password and password.isprintable()):
        return False
    return first_drop(Candidate(password, key="password"), ("placeholder", "templated")) is None


VALIDATORS: dict[str, Callable[[str], bool]] = {"jwt": _check_jwt, "base64_jwt": _check_base64_jwt,
                                                 "docker_auth": _check_docker_auth}


def _spec_error(field: str, message: str):
    from buildrunner.engine.model import SpecError

    return SpecError(field, message)


def _check_lookbehinds(parsed) -> None:
    """What the regex compiler checks after parsing: look-behinds must have a fixed width."""
    from re import _constants as c

    for op, av in parsed:
        if op in (c.ASSERT, c.ASSERT_NOT):
            direction, sub = av
            lo, hi = sub.getwidth()
            if direction < 0 and lo != hi:
                raise re.error("look-behind requires fixed-width pattern")
            _check_lookbehinds(sub)
        elif op is c.SUBPATTERN:
            _check_lookbehinds(av[-1])
        elif op is c.BRANCH:
            for branch in av[1]:
                _check_lookbehinds(branch)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            _check_lookbehinds(av[2])
        elif op is c.ATOMIC_GROUP:
            _check_lookbehinds(av)
        elif op is c.GROUPREF_EXISTS:
            _check_lookbehinds(av[1])
            if av[2] is not None:
                _check_lookbehinds(av[2])


def _validate_regex(pattern: str, field: str, *, need_secret: bool) -> None:
    """Syntax-check `pattern` without paying for code generation (compiled on first keyword hit).

    Uses the regex parser (Python 3.11+) plus the one check the compiler adds (fixed-width
    look-behinds): about half the cost of compiling every rule's regex when the packs load.
    """
    try:
        try:
            import re._parser  # noqa: F401 — what parsed_pattern uses
        except ImportError:  # pragma: no cover - a Python without re._parser: compile fully
            groups = re.compile(pattern).groupindex
        else:
            from buildrunner.engine.literals import parsed_pattern

            parsed = parsed_pattern(pattern)
            _check_lookbehinds(parsed)
            groups = parsed.state.groupdict
    except re.error as exc:
        raise _spec_error(field, f"regex does not compile: {exc}") from None
    except (RecursionError, OverflowError) as exc:
        raise _spec_error(field, f"regex is too complex: {exc}") from None
    if need_secret and "secret" not in groups:
        raise _spec_error(field, "regex must have a named group `(?P<secret>...)` around the value")


def literal_prefix(pattern: str) -> str:
    """The literal characters every `secret` group match starts with (`ghp_`, `xoxb-`), lowercased.

    Read from the parsed regex: '' when the group starts with a class, an alternation or a repeat.
    """
    from re import _constants as c

    from buildrunner.engine.literals import parsed_or_none

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return ""
    group = parsed.state.groupdict.get("secret")

    def find(items):
        for op, av in items:
            if op is c.SUBPATTERN:
                if av[0] == group:
                    return av[-1]
                found = find(av[-1])
                if found is not None:
                    return found
        return None

    body, out = find(parsed), []
    while body is not None:
        nested = None
        for op, av in body:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.SUBPATTERN and av[0] is None:  # (?i:…) / (?:…) wrapping the prefix
                nested = av[-1]
                break
            else:
                break
        body = nested
    return "".join(out).lower()


def secret_min_width(pattern: str) -> int:
    """The fewest characters the `secret` group of `pattern` can match (0 when unknown)."""
    from re import _constants as c

    def find(items, group):
        for op, av in items:
            if op is c.SUBPATTERN:
                if av[0] == group:
                    return av[-1]
                found = find(av[-1], group)
                if found is not None:
                    return found
            elif op is c.BRANCH:
                for branch in av[1]:
                    found = find(branch, group)
                    if found is not None:
                        return found
        return None

    from buildrunner.engine.literals import parsed_or_none

    parsed = parsed_or_none(pattern)
    if parsed is None:
        return 0
    try:
        body = find(parsed, parsed.state.groupdict.get("secret"))
        return body.getwidth()[0] if body is not None else 0
    except (RecursionError, OverflowError):
        return 0


def _str_list(raw: dict, name: str, field: str) -> list[str]:
    from buildrunner.engine.specs import str_list

    return str_list(raw, name, field, non_empty_items=True)


def _filter_names(raw: dict) -> list[str]:
    from buildrunner.engine.secret_filters import FILTERS

    names = _str_list(raw, "filters", "filters")
    for name in names:
        if name not in FILTERS:
            raise _spec_error("filters", f"unknown filter `{name}`; known: {', '.join(sorted(FILTERS))}")
    return names


def compile_spec(raw: dict, rule_id: str) -> dict:
    """Validate a secret rule's own fields into its spec (raises SpecError(field, message))."""
    from buildrunner.engine import specs

    specs.refuse_unknown(raw, SPEC_FIELDS, "a secret rule")
    if "paths" in raw:
        return _path_spec(raw)
    if "keywords" not in raw:
        raise _spec_error("keywords", "`keywords` is required: strings that must occur on a line "
                          "before the regex runs")
    keywords = _str_list(raw, "keywords", "keywords")
    if not keywords:
        raise _spec_error("keywords", "`keywords` must not be empty")
    extract = raw.get("extract")
    if extract is not None:
        from buildrunner.engine.secret_structures import EXTRACTORS

        if extract not in EXTRACTORS or "regex" in raw:
            raise _spec_error("extract", f"`extract` must be one of {', '.join(EXTRACTORS)}, "
                              "and replaces `regex`")
    regex = raw.get("regex", _NEVER if extract else None)
    if not isinstance(regex, str) or not regex:
        raise _spec_error("regex", "`regex` is required and must be a string")
    _validate_regex(regex, "regex", need_secret=True)
    spec: dict[str, Any] = {"keywords": sorted({k.lower() for k in keywords}), "regex": regex}
    spec["entropy"] = specs.number(raw, "entropy", 0.0, 8.0, whole=False, default=0.0)
    spec["min_length"] = specs.number(raw, "min_length", 1, 100_000, whole=True, default=1)
    spec["window"] = specs.number(raw, "window", 0, 1000, whole=True, default=0)
    spec["placeholders"] = specs.boolean(raw, "placeholders", True)
    spec["fallback"] = specs.boolean(raw, "fallback", False)
    anchored = raw.get("anchored")
    if anchored not in (None, "keyword", "line"):
        raise _spec_error("anchored", "`anchored` must be `keyword` or `line`")
    spec["anchored"] = anchored
    validate = raw.get("validate")
    if validate is not None and validate not in VALIDATORS:
        raise _spec_error("validate", f"`validate` must be one of {', '.join(VALIDATORS)}")
    spec["validate"] = validate
    spec["filters"] = _filter_names(raw)
    spec["extract"] = extract
    spec["prefix"] = literal_prefix(regex)
    spec["allowlist"] = _allowlist(raw.get("allowlist") or {})
    # the regex's literal analysis (~1 ms a rule in the regex parser) is done once here, so the rule
    # caches keep it and a scan does not redo it for 281 rules before its workers start
    spec["required"] = _required_sets(regex, spec["keywords"])
    spec["leading"] = _leading(regex)
    spec["run_start"] = _run_start(regex, spec["keywords"])
    spec["witness"] = _witness(regex) if anchored else []
    spec["leading_hits"] = _leading_hits(regex, spec)
    return spec


def _required_sets(regex: str, keywords: list[str]) -> list[list[str]]:
    """Literals every match of the regex contains (engine/literals.py `required_literals`), at most
    3 sets of at most 4 words: a searched range without one of each is skipped. Sets with a part of
    a keyword are left out: every searched range holds a keyword."""
    from buildrunner.engine.literals import required_literals

    sets = [list(anyof) for anyof in required_literals(regex, keywords) if len(anyof) <= 4]
    sets.sort(key=lambda anyof: -min(map(len, anyof)))  # stable: pattern order among equals
    return sets[:3]


def _leading(regex: str) -> str:
    """The literal every match starts with after a leading assertion (engine/literals.py
    `leading_literal`), when at least 2 characters: the regex is tried only where it occurs."""
    from buildrunner.engine.literals import leading_literal

    head = leading_literal(regex)
    return head if len(head) >= 2 else ""


def _run_start(regex: str, keywords: list[str]) -> list[str]:
    """[lead, run class] of engine/literals.py `keyword_run_start`, or [] (a JSON-cacheable spec)."""
    from buildrunner.engine.literals import keyword_run_start

    found = keyword_run_start(regex, keywords)
    return list(found) if found else []


def _witness(regex: str) -> list[int]:
    """[start, end] of engine/literals.py `witness_items`, or [] (a JSON-cacheable spec)."""
    from buildrunner.engine.literals import witness_items

    found = witness_items(regex)
    return list(found) if found else []


def _leading_hits(regex: str, spec: dict) -> bool:
    """Whether the regex can be tried at the keyword hits where its leading literal occurs, up to
    the end of their line (`_at_leading_hits`), instead of searching the merged hit lines: a rule
    searched line by line (not anchored, no window) whose every match starts with a literal that
    starts with one of its keywords (so each occurrence is a hit), and whose regex is blind to line
    breaks (engine/literals.py `newline_blind`: a line's end or the next line makes no difference)."""
    from buildrunner.engine.literals import newline_blind

    leading = spec["leading"]
    return bool(leading and leading.isascii() and not spec["anchored"] and not spec["window"]
                and any(leading.lower().startswith(k) for k in spec["keywords"]) and newline_blind(regex))


def _path_spec(raw: dict) -> dict:
    """A path rule: the file is the secret (`paths:` globs on the file name or the path)."""
    extra = set(raw) & (SPEC_FIELDS - {"paths", "allowlist"})
    if extra:
        raise _spec_error("paths", f"a `paths` rule reports files by name: drop {', '.join(sorted(extra))}")
    globs = [g.lower() for g in _str_list(raw, "paths", "paths")]
    if not globs:
        raise _spec_error("paths", "`paths` must not be empty")
    spec = {"keywords": [], "regex": _NEVER, "paths": globs, "entropy": 0.0, "min_length": 1, "window": 0,
            "placeholders": False, "fallback": False, "anchored": None, "validate": None, "filters": [],
            "extract": None, "prefix": "", "allowlist": _allowlist(raw.get("allowlist") or {})}
    return spec


def _path_matches(path: str, globs: list[str]) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return _any_glob(name, globs) or _any_glob(path.lower(), globs)


def _any_glob(name: str, globs: list[str]) -> bool:
    """`any(fnmatch(name, g) for g in globs)`, as one compiled regex (a path is checked per rule)."""
    return bool(globs) and glob_matcher(tuple(globs), normcase=True)(name)


def _allowlist(allow) -> dict[str, list[str]]:
    if not isinstance(allow, dict):
        raise _spec_error("allowlist", "`allowlist` must be a mapping (regexes, stopwords, lines, paths)")
    unknown = set(allow) - ALLOWLIST_FIELDS
    if unknown:
        raise _spec_error("allowlist", f"unknown allowlist field(s) {sorted(unknown)}; "
                          f"known: {', '.join(sorted(ALLOWLIST_FIELDS))}")
    for name in ("regexes", "lines"):
        for pattern in _str_list(allow, name, f"allowlist.{name}"):
            _validate_regex(pattern, f"allowlist.{name}", need_secret=False)
    return {
        "regexes": _str_list(allow, "regexes", "allowlist.regexes"),
        "lines": _str_list(allow, "lines", "allowlist.lines"),
        "stopwords": [s.lower() for s in _str_list(allow, "stopwords", "allowlist.stopwords")],
        "paths": _str_list(allow, "paths", "allowlist.paths"),
    }


class Dropped(NamedTuple):
    """A candidate value that was not reported, and why (`br security check --explain`)."""

    rule_id: str
    path: str
    line_start: int
    start: int
    end: int
    reason: str  # a filter name (engine/secret_filters.py), entropy, min_length, allowlist.*, shadowed


# first words of specific rule ids that name a kind of secret or an English word, not a provider
_NOT_PROVIDER_WORDS = frozenset({"private", "generic", "jwt", "url", "test", "new", "age", "defined", "fly",
                                 "linear", "readme", "connection", "authorization", "bearer", "cli", "curl"})


class Providers:
    """The providers br has specific rules for (the first word of the rule id: `github`, `openai`),
    and whether a provider's keys can be UUIDs (Heroku, Snyk: yes; GitHub, OpenAI: no). The second
    question compiles that provider's rules, once, only when a UUID under its name shows up."""

    _UUID_SAMPLE = "8f14e45f-ceea-467f-a9a5-c1f0f34b2e3d"

    def __init__(self, specific: list[_Compiled]):
        self.rules: dict[str, list[_Compiled]] = {}
        for c in specific:
            word = c.rule.id.partition(".")[2].split("-")[0]
            if word not in _NOT_PROVIDER_WORDS:
                self.rules.setdefault(word, []).append(c)
        self.names = frozenset(self.rules)
        self._uuid: dict[str, bool] = {}
        self._shortest: dict[tuple[str, str], int] = {}

    def shortest(self, key: str, value: str) -> int:
        """The length of the shortest token the providers the name `key` mentions issue with the
        prefix `value` starts with (read from their rules' regexes, once per provider and prefix,
        only when such a name holds a claimed value); 0 when none of their rules claims it."""
        from buildrunner.engine.secret_filters import key_words

        low = value.lower()
        widths = [self._prefix_shortest(w, c.spec["prefix"]) for w in key_words(key) if w in self.names
                  for c in self.rules[w] if c.spec["prefix"] and low.startswith(c.spec["prefix"])]
        return min(widths, default=0)

    def _prefix_shortest(self, word: str, prefix: str) -> int:
        if (word, prefix) not in self._shortest:
            self._shortest[word, prefix] = min(secret_min_width(c.spec["regex"]) for c in self.rules[word]
                                               if c.spec["prefix"] == prefix)
        return self._shortest[word, prefix]

    def takes_uuid(self, key: str) -> bool:
        """Whether a provider the name `key` mentions has a rule that reports a UUID-shaped key."""
        from buildrunner.engine.secret_filters import key_words

        return any(self._provider_takes_uuid(w) for w in key_words(key) if w in self.names)

    def _provider_takes_uuid(self, word: str) -> bool:
        if word not in self._uuid:
            u = self._UUID_SAMPLE
            samples = (f'{word}_api_key = "{u}"', f"{word.upper()}_TOKEN={u}", f"{word}_secret: {u}")
            self._uuid[word] = any(m and m.group("secret") == u for c in self.rules[word]
                                   for text in samples for m in [c.regex.search(text)])
        return self._uuid[word]


# Every secret rule's regex compiled in this process, by pattern: compiled once, on the first keyword
# hit of a rule that has one, and shared by every SecretMatcher (one per scan, the masker's own). Our
# own dict, not `re.compile`'s cache: that one holds 512 patterns and is shared with everything else.
_PATTERNS: dict[str, re.Pattern] = {}


_WITNESSES: dict[tuple[str, int, int], re.Pattern] = {}  # likewise, the witnesses of anchored rules


def compiled_witness(pattern: str, start: int, end: int) -> re.Pattern:
    """Items `start:end` of `pattern` compiled on their own (engine/literals.py `witness_items`),
    once per process; only called after `pattern` itself compiled."""
    key = (pattern, start, end)
    found = _WITNESSES.get(key)
    if found is None:
        from buildrunner.engine.literals import compile_items

        found = _WITNESSES[key] = compile_items(pattern, start, end)
    return found


def compiled_regex(rule: Rule) -> re.Pattern:
    """`rule`'s regex, compiled once per process. The pack loader only parses it (a code-size limit
    or a compiler that disagrees shows here): a RuleError naming the rule, never a traceback."""
    pattern = rule.spec["regex"]
    found = _PATTERNS.get(pattern)
    if found is None:
        try:
            found = _PATTERNS[pattern] = re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            from buildrunner.errors import RuleError

            raise RuleError(rule.source or "<rules>", f"regex does not compile: {exc}",
                            rule_id=rule.id, field="regex") from None
    return found


def _is_claim(prefix: str) -> bool:
    """A literal prefix distinctive enough to claim values: `ghp_`, `xoxb-`, `akia`; not `sk_`, `sl.`."""
    return len(prefix) >= 4


class _Compiled:
    """A rule's regexes, compiled on first use."""

    __slots__ = ("rule", "spec", "_regex", "_required", "_leading", "_run_start", "_witness", "_leading_hits",
                 "_allow_re", "_line_re", "_verdicts")

    def __init__(self, rule: Rule):
        self.rule = rule
        self.spec = rule.spec
        self._regex = None
        self._required: list[list[str]] | None = None
        self._leading: str | None = None
        self._run_start: tuple[str, re.Pattern] | bool | None = None
        self._witness: re.Pattern | bool | None = None
        self._leading_hits: bool | None = None
        self._allow_re: list[re.Pattern] | None = None
        self._line_re: list[re.Pattern] | None = None
        self._verdicts: dict[tuple, str | None] = {}  # the same line in many files is judged once

    def judge(self, candidate, claims: tuple[str, ...], path_kind: bool,
              providers: Providers | None = None) -> str | None:
        """`drop_reason`, memoized on what it reads (`path_kind`: whether the path is a test or doc
        path). A bounded cache: generated and vendored trees repeat the same lines."""
        key = (candidate.value, candidate.key, candidate.user, candidate.line, path_kind)
        verdicts = self._verdicts
        if key in verdicts:
            return verdicts[key]
        if len(verdicts) > 4096:
            verdicts.clear()
        verdicts[key] = reason = self.drop_reason(candidate, claims, providers)
        return reason

    @property
    def regex(self) -> re.Pattern:
        if self._regex is None:
            self._regex = compiled_regex(self.rule)
        return self._regex

    @property
    def required(self) -> list[list[str]]:
        """`_required_sets` of the regex: from the spec (computed when the rule was loaded), or now
        for a spec built without it."""
        if self._required is None:
            found = self.spec.get("required")
            self._required = found if found is not None else _required_sets(self.spec["regex"],
                                                                               self.spec["keywords"])
        return self._required

    @property
    def leading(self) -> str:
        """`_leading` of the regex: from the spec, or now for a spec built without it."""
        if self._leading is None:
            found = self.spec.get("leading")
            self._leading = found if found is not None else _leading(self.spec["regex"])
        return self._leading

    @property
    def run_start(self) -> tuple[str, re.Pattern] | None:
        """(lead, compiled run class) when every match starts at the `lead` before a keyword
        (`_run_start`): from the spec, or now for a spec built without it."""
        if self._run_start is None:
            found = self.spec.get("run_start")
            if found is None:
                found = _run_start(self.spec["regex"], self.spec["keywords"])
            self._run_start = (found[0], re.compile(f"{found[1]}*")) if found else False
        return self._run_start or None

    @property
    def witness(self) -> re.Pattern | None:
        """For an anchored rule, the compiled `_witness` items every match holds (a hit line without
        them is not tried), or None: from the spec, or now for a spec built without it."""
        if self._witness is None:
            found = self.spec.get("witness")
            if found is None:
                found = _witness(self.spec["regex"]) if self.spec["anchored"] else []
            self._witness = compiled_witness(self.spec["regex"], *found) if found else False
        return self._witness or None

    @property
    def leading_hits(self) -> str | None:
        """The leading literal when the regex is tried only at the hits where it occurs
        (`_leading_hits`), else None: from the spec, or now for a spec built without it."""
        if self._leading_hits is None:
            found = self.spec.get("leading_hits")
            if found is None:
                found = _leading_hits(self.spec["regex"], {**self.spec, "leading": self.leading})
            self._leading_hits = found
        return self.leading if self._leading_hits else None

    def drop_reason(self, candidate, claims: tuple[str, ...] = (),
                    providers: Providers | None = None) -> str | None:
        """The name of what drops `candidate` (a filter, the entropy floor, an allowlist), or None."""
        from buildrunner.engine import secret_filters as sf

        spec, value = self.spec, candidate.value
        if len(value) < spec["min_length"]:
            return "min_length"
        if spec["fallback"]:
            named = providers is not None and sf.names_provider(candidate.key, providers.names)
            truncated = named and len(value) < providers.shortest(candidate.key, value)
            if sf.claimed_by_provider(value, claims, truncated):
                return "provider_prefix"
            if named and sf.is_uuid(value) and not providers.takes_uuid(candidate.key):
                return "provider_name"
        # a password-named key holds a human-chosen password: no entropy floor (as gitleaks' and
        # detect-secrets' keyword detectors); placeholders, references and samples are still filtered
        if spec["entropy"] and not entropy_floor_met(value, spec["entropy"]) \
                and not sf.human_password(candidate):
            return "entropy"
        if spec["placeholders"]:
            reason = sf.first_drop(candidate, sf.DEFAULT_FILTERS)
            if reason:
                return reason
        if spec.get("filters"):
            reason = sf.first_drop(candidate, spec["filters"])
            if reason:
                return reason
        if spec["validate"] and not VALIDATORS[spec["validate"]](value):
            return f"validate:{spec['validate']}"
        return self._allowlisted(value, candidate.line)

    def _allowlisted(self, value: str, line: str) -> str | None:
        allow = self.spec["allowlist"]
        if allow["stopwords"]:
            low = value.lower()
            if any(s in low for s in allow["stopwords"]):
                return "allowlist.stopwords"
        if allow["regexes"]:
            if self._allow_re is None:
                self._allow_re = [re.compile(p) for p in allow["regexes"]]
            if any(p.search(value) for p in self._allow_re):
                return "allowlist.regexes"
        if allow["lines"]:
            if self._line_re is None:
                self._line_re = [re.compile(p) for p in allow["lines"]]
            if any(p.search(line) for p in self._line_re):
                return "allowlist.lines"
        return None

    def allowed(self, value: str, line: str) -> bool:
        """True when the value is not a credential by this rule's filters and allowlists."""
        from buildrunner.engine.secret_filters import Candidate

        return self.drop_reason(Candidate(value, line=line)) is not None

    def path_allowed(self, path: str) -> bool:
        return _any_glob(path, self.spec["allowlist"]["paths"])


class SecretMatcher:
    """Runs secret rules over documents: one keyword pass, then each hit rule's regex on hit lines."""

    def __init__(self, rules: list[Rule], *, salt: str = ""):
        from buildrunner.engine.literals import Literals

        self.salt = salt
        compiled_rules = [_Compiled(r) for r in rules if r.kind == "secret" and r.enabled]
        self.path_rules = [c for c in compiled_rules if c.spec.get("paths")]
        self.rules = [c for c in compiled_rules if not c.spec.get("paths")]
        by_keyword: dict[str, list[int]] = {}
        for index, compiled in enumerate(self.rules):
            for keyword in compiled.spec["keywords"]:
                by_keyword.setdefault(keyword, []).append(index)
        # one pass for every rule's keywords (lowercase already), each mapped to the rules it triggers
        self.keywords = Literals(by_keyword, caseless=True)
        self._keyword_rules = [tuple(by_keyword[k]) for k in self.keywords.words]
        # provider-prefix claim: a fallback rule never reports a value a specific rule's prefix starts
        self.claims = tuple(sorted({c.spec.get("prefix", "") for c in self.rules
                                    if not c.spec["fallback"] and _is_claim(c.spec.get("prefix", ""))}))
        # provider names (the first word of a specific rule's id: `github`, `openai`), for names_provider
        self.providers = Providers([c for c in self.rules if not c.spec["fallback"]])

    def prepare(self, language: str | None = None) -> None:
        """Build the keyword pass now (before a pool forks: the workers inherit it).

        The rules' regexes are not compiled here: most never hit on a code tree (on SQLAlchemy 46
        of 280 rules have a keyword hit), so each worker compiles the few it needs on their first
        hit (`compiled_regex`), in parallel, instead of the parent compiling all of them first."""
        import buildrunner.engine.secret_filters  # noqa: F401 — every candidate is judged by it

        self.keywords.prepare()
        for compiled in self.rules:
            compiled.required  # noqa: B018 — the properties read the regex literals from the spec
            compiled.leading  # noqa: B018
            compiled.run_start  # noqa: B018
            compiled.leading_hits  # noqa: B018

    # -- keyword pass -------------------------------------------------------------------------
    def hits(self, text: str) -> dict[int, list[int]]:
        """rule index → offsets where one of its keywords starts, in no particular order (empty when
        none hit)."""
        out: dict[int, list[int]] = {}
        rules_of = self._keyword_rules
        for keyword, starts in self.keywords.find_grouped(text).items():
            for i in rules_of[keyword]:
                have = out.get(i)
                out[i] = starts if have is None else have + starts  # never extended in place: shared
        return out

    def spans(self, doc: Document, dropped: list | None = None) -> list[tuple[_Compiled, int, int, int]]:
        """(rule, line start offset, secret start, secret end) of every accepted match in doc.text.

        Line bounds are found around each keyword hit with str.find/rfind (C speed); nothing is
        computed for the lines without a hit. With `dropped`, each candidate a filter, the entropy
        floor, an allowlist or shadowing dropped is appended as a `Dropped`.
        """
        text = doc.text
        hits = self.hits(text)
        if not hits:
            return self._file_spans(doc) if self.path_rules else []
        size = len(text)

        def line_start(offset: int) -> int:
            return text.rfind("\n", 0, offset) + 1

        def line_end(offset: int, extra_lines: int = 0) -> int:
            end = text.find("\n", offset)
            while extra_lines and end != -1:
                end, extra_lines = text.find("\n", end + 1), extra_lines - 1
            return size if end == -1 else end

        from buildrunner.engine.secret_filters import is_test_or_doc_path

        path_kind = is_test_or_doc_path(doc.path)
        folds: list[bool] = []  # keywords_fold_like_regex(text), computed on first need
        found: list[tuple[_Compiled, int, int, int]] = []
        for index in sorted(hits):
            compiled = self.rules[index]
            if compiled.spec["allowlist"]["paths"] and compiled.path_allowed(doc.path):
                continue
            if compiled.spec.get("extract"):
                self._extracted(compiled, doc, path_kind, line_start, line_end, found, dropped)
                continue
            matches = self._matches(compiled, text, hits[index], folds)
            seen: set[int] = set()
            for m in matches:
                if m is None:
                    continue
                s, e = m.span("secret")
                if s < 0 or s == e or s in seen:
                    continue
                seen.add(s)
                ls = line_start(s)
                reason = compiled.judge(self._candidate(m, text, text[ls:line_end(s)], doc.path), self.claims,
                                        path_kind, self.providers)
                if reason:
                    if dropped is not None:
                        dropped.append(Dropped(compiled.rule.id, doc.path, ls, s, e, reason))
                    continue
                found.append((compiled, ls, s, e))
        if self.path_rules:
            found.extend(self._file_spans(doc))
        kept = _drop_shadowed(found)
        if dropped is not None and len(kept) < len(found):
            kept_ids = {id(t) for t in kept}
            dropped.extend(Dropped(c.rule.id, doc.path, ls, s, e, "shadowed")
                           for t in found if id(t) not in kept_ids for c, ls, s, e in [t])
        return kept

    @staticmethod
    def _matches(compiled: _Compiled, text: str, offsets: list[int], folds: list[bool] | None = None):
        """The regex matches of a rule around its keyword hits (`offsets`; None where an anchored
        regex does not match). `folds`: [keywords_fold_like_regex(text)] once known, else []."""
        regex, anchored = compiled.regex, compiled.spec["anchored"]
        if anchored:  # try the regex only at the keyword / at the start of each hit line
            return _anchored_matches(regex, text, offsets, at_line_start=anchored == "line",
                                     witness=compiled.witness)
        leading = compiled.leading_hits
        if leading is not None:
            found = _at_leading_hits(regex, text, offsets, leading)
            if found is not None:
                return found
        run_start = compiled.run_start
        if run_start is not None:
            if folds is None:
                folds = []
            if not folds:
                from buildrunner.engine.literals import keywords_fold_like_regex

                folds.append(keywords_fold_like_regex(text))
            if folds[0]:
                found = _run_led(regex, text, offsets, *run_start, compiled.spec["window"])
                if found is not None:
                    return found
        return _search(regex, text, _segments(text, offsets, compiled.spec["window"]), compiled.required,
                       compiled.leading)

    def _extracted(self, compiled: _Compiled, doc: Document, path_kind: bool, line_start, line_end,
                   found: list, dropped: list | None) -> None:
        """Judge the values an `extract:` rule's extractor yields (the decoded value when encoded)."""
        from buildrunner.engine.secret_filters import Candidate
        from buildrunner.engine.secret_structures import EXTRACTORS

        text = doc.text
        for item in EXTRACTORS[compiled.spec["extract"]](text):
            ls = line_start(item.start)
            candidate = Candidate(item.judged, key=item.key, line=text[ls:line_end(item.start)], path=doc.path)
            reason = compiled.judge(candidate, self.claims, path_kind, self.providers)
            if reason:
                if dropped is not None:
                    dropped.append(Dropped(compiled.rule.id, doc.path, ls, item.start, item.end, reason))
                continue
            found.append((compiled, ls, item.start, item.end))

    @staticmethod
    def _candidate(m: re.Match, text: str, line: str, path: str):
        from buildrunner.engine.secret_filters import Candidate

        groups = m.re.groupindex
        key = user = ""
        for name in ("key", "envkey"):  # a regex with two forms names the second one's key `envkey`
            if name in groups and m.start(name) >= 0:
                start = m.start(name)
                while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-.") \
                        and text[start - 2:start] not in ("\\n", "\\r", "\\t"):  # `\nAPI_KEY`: not `nAPI_KEY`
                    start -= 1  # the whole identifier: the regex may start at the keyword inside it
                key = text[start:m.end(name)]
        if "user" in groups and m.start("user") >= 0:
            user = m.group("user")
        return Candidate(m.group("secret"), key=key, line=line, user=user, path=path)

    # -- findings -----------------------------------------------------------------------------
    def _file_spans(self, doc: Document) -> list[tuple[_Compiled, int, int, int]]:
        """A keystore read as text (no NUL byte early on, or base64): its first line is reported."""
        if doc.line_offset or not doc.text:
            return []
        end = doc.text.find("\n")
        end = len(doc.text) if end == -1 else end
        end = len(doc.text[:end].rstrip("\r"))
        return [(c, 0, 0, end) for c in self.path_rules
                if end and _path_matches(doc.path, c.spec["paths"]) and not c.path_allowed(doc.path)]

    def path_findings(self, path: str, origin=None) -> list[Finding]:
        """Findings of the `paths:` rules for a file named `path` (read or not: keystores are binary)."""
        from buildrunner.engine.model import Origin

        findings = []
        for compiled in self.path_rules:
            if not _path_matches(path, compiled.spec["paths"]) or compiled.path_allowed(path):
                continue
            rule = compiled.rule
            findings.append(Finding(
                rule_id=rule.id, severity=rule.severity, message=rule.message, path=path, line=1, column=1,
                snippet=path, fix=rule.fix, kind="secret", rule_name=rule.name,
                value_hash=value_hash(f"file:{path}", self.salt), masked_value=path.rsplit("/", 1)[-1],
                origin=origin or Origin(), tags=rule.tags, cwe=rule.cwe))
        return findings

    def scan(self, doc: Document) -> list[Finding]:
        found = self.spans(doc)
        if not found:
            return []
        from buildrunner.mask import mask_value

        text = doc.text
        # line numbers: count newlines incrementally between the sorted offsets that need one
        offsets = sorted({o for _c, ls, s, e in found for o in (ls, max(s, e - 1))})
        line_of: dict[int, int] = {}
        line, last = 1, 0
        for o in offsets:
            line += text.count("\n", last, o)
            line_of[o] = line
            last = o
        on_line: dict[int, list[tuple[int, int]]] = {}
        for _c, ls, s, e in found:
            on_line.setdefault(ls, []).append((s, e))
        findings = []
        for compiled, ls, s, e in found:
            rule, value = compiled.rule, text[s:e]
            le = text.find("\n", ls)
            line_text = text[ls:le if le != -1 else len(text)]
            spans = [(a - ls, min(b - ls, len(line_text))) for a, b in on_line[ls]]
            end_line = line_of[max(s, e - 1)]
            end_col = e - (text.rfind("\n", 0, max(s, e - 1)) + 1) + 1
            findings.append(Finding(
                rule_id=rule.id, severity=rule.severity, message=rule.message, path=doc.path,
                line=doc.line_offset + line_of[ls], column=s - ls + 1,
                end_line=doc.line_offset + end_line, end_column=end_col,
                snippet=masked_line(line_text.rstrip("\r"), spans, s - ls), fix=rule.fix,
                kind="secret", rule_name=rule.name, value_hash=value_hash(value, self.salt),
                masked_value=mask_value(value), origin=doc.origin, tags=rule.tags, cwe=rule.cwe))
        findings.sort(key=lambda f: f.sort_key)
        return findings


def _anchored_matches(regex: re.Pattern, text: str, offsets: list[int], at_line_start: bool,
                      witness: re.Pattern | None = None):
    """`regex.match` at each distinct offset, or at the start of each distinct hit line, up to the
    end of that line, in text order. Offsets on one line share one search for the line's end.

    `witness`: items every match holds (`_Compiled.witness`). A line where they occur nowhere from
    its first offset (its start, `at_line_start`) to its end holds no match: it is not tried."""
    size = len(text)
    line_end = -1  # the end of the line of the previous offset
    live = True  # the line of the previous offset holds the witness
    for offset in sorted(set(offsets)):
        if offset > line_end:
            line_end = text.find("\n", offset)
            if line_end == -1:
                line_end = size
            start = text.rfind("\n", 0, offset) + 1 if at_line_start else offset
            if witness is not None:
                live = witness.search(text, start, line_end) is not None
            if at_line_start and live:
                yield regex.match(text, start, line_end)
        if live and not at_line_start:
            yield regex.match(text, offset, line_end)


def _at_leading_hits(regex: re.Pattern, text: str, offsets: list[int], leading: str) -> list[re.Match] | None:
    """The matches `_search` finds over `_segments(text, offsets, 0)` for a regex that starts with
    `leading` (`_Compiled.leading_hits`): tried at each hit where `leading` occurs, up to its line's
    end, never inside an earlier match. None when a hit line is over LONG_LINE (its segments are
    cut around the hits): the caller searches the segments then.

    Exact: every occurrence of `leading` is a hit (it starts with a keyword); a segment's end is the
    end of its last line, and a regex blind to line breaks matches there as at its own line's end."""
    out: list[re.Match] = []
    size = len(text)
    end = -1  # the end of the previous match: finditer's matches do not overlap
    line_end = -1  # the end of the line of the previous candidate
    startswith = text.startswith
    for at in sorted(set(offsets)):
        if at < end or not startswith(leading, at):
            continue
        if at > line_end:
            line_end = text.find("\n", at)
            if line_end == -1:
                line_end = size
            if line_end - text.rfind("\n", 0, at) - 1 > LONG_LINE:
                return None
        m = regex.match(text, at, line_end)
        if m is not None:
            out.append(m)
            end = m.end()
    return out


RUN_PROBE = 64  # characters searched back from a keyword for the `lead` of its run before searching further


def _run_led(regex: re.Pattern, text: str, offsets: list[int], lead: str, run: re.Pattern,
             window: int) -> list[re.Match] | None:
    """The matches `_search` finds over `_segments(text, offsets, window)`, for a regex whose every
    match starts at the nearest `lead` before a keyword with only `run` characters between
    (`_Compiled.run_start`, in a text where keywords fold like the regex): the regex is tried only
    at those places. None when a match would leave its keyword's own segment (`_search` might then
    see it cut or merged differently): the caller searches the segments instead.

    Exact: the matches of `_search` start at such places, the regex does not look ahead (so a match
    that ends inside a segment is the same whatever the segment's end) and none is empty."""
    starts: dict[int, int] = {}  # where the regex is tried → the first keyword offset that led there
    rfind = text.rfind
    for offset in offsets:
        probe = offset - RUN_PROBE if offset > RUN_PROBE else 0
        at = rfind(lead, probe, offset)
        if at < 0:
            if not probe or run.fullmatch(text, probe, offset) is None:
                continue  # no `lead` before the keyword's run, or something else between
            at = rfind(lead, 0, probe)
            if at < 0:
                continue
        if at not in starts and run.fullmatch(text, at + 1, offset) is not None:
            starts[at] = offset
    out: list[re.Match] = []
    end = -1  # finditer's matches do not overlap
    for at in sorted(starts):
        if at < end:
            continue
        m = regex.match(text, at)
        if m is None:
            continue
        seg_start, seg_end = _segments(text, [starts[at]], window)[0]
        if at < seg_start or m.end() > seg_end:
            return None
        out.append(m)
        end = m.end()
    return out


def _segments(text: str, offsets: list[int], window: int) -> list[tuple[int, int]]:
    """The text ranges a rule's regex searches: each hit line (+ `window` lines), merged."""
    size = len(text)
    segments: list[tuple[int, int]] = []
    hit_line_end = -1  # the end of the line of the previous offset
    for offset in sorted(offsets):
        if window:
            if offset <= hit_line_end:
                continue  # the same line as the previous hit: the same segment
        elif segments and offset < segments[-1][1]:
            continue  # same line as the previous hit
        seg_start = text.rfind("\n", 0, offset) + 1
        end = hit_line_end = text.find("\n", offset)
        extra_lines = window
        while extra_lines and end != -1:
            end, extra_lines = text.find("\n", end + 1), extra_lines - 1
        seg_end = size if end == -1 else end
        if hit_line_end == -1:
            hit_line_end = size
        if seg_end - seg_start > LONG_LINE and not window:  # minified: search near the hit only
            seg_start, seg_end = max(seg_start, offset - 256), min(seg_end, offset + 1024)
        if segments and seg_start <= segments[-1][1] + 1:  # overlapping or the next line
            segments[-1] = (segments[-1][0], max(segments[-1][1], seg_end))
        else:
            segments.append((seg_start, seg_end))
    return segments


def _search(regex: re.Pattern, text: str, segments: list[tuple[int, int]], required: list[tuple[str, ...]],
            leading: str = ""):
    """`regex.finditer` over each segment that holds a word of every `required` set (the others
    cannot hold a match); from each occurrence of `leading` when every match starts with it."""
    find = text.find
    for start, end in segments:
        for anyof in required:
            if len(anyof) == 1:
                if find(anyof[0], start, end) < 0:
                    break
            elif not any(find(word, start, end) >= 0 for word in anyof):
                break
        else:
            if not leading:
                yield from regex.finditer(text, start, end)
                continue
            pos = start  # finditer's leftmost, non-overlapping matches (none is empty: it holds `leading`)
            while (at := find(leading, pos, end)) >= 0:
                m = regex.match(text, at, end)
                if m is None:
                    pos = at + 1
                else:
                    yield m
                    pos = m.end()


def _drop_shadowed(found: list[tuple[_Compiled, int, int, int]]) -> list[tuple[_Compiled, int, int, int]]:
    """Drop generic (`fallback`) matches that a specific rule's match or an earlier generic one covers.

    `api_key = "ghp_…"` is reported once, as a GitHub token. A generic value is dropped when it
    overlaps a single-line specific value, but only when it lies wholly inside a multi-line one: a
    PEM block (or any long specific match) never silences the lines around it. O(n log n).
    """
    specific_seen: set[tuple[int, int]] = set()
    unique = []
    for item in found:  # one value, one finding: the first specific rule (pack order) reports it
        if not item[0].spec["fallback"]:
            if item[2:] in specific_seen:
                continue
            specific_seen.add(item[2:])
        unique.append(item)
    found = unique
    if not any(c.spec["fallback"] for c, *_ in found):
        return found
    import bisect

    specific = sorted((s, e) for c, ls, s, e in found if not c.spec["fallback"])
    starts = [s for s, _e in specific]
    max_end, running = [], -1
    for _s, e in specific:
        running = max(running, e)
        max_end.append(running)
    # a specific match may cover several lines only when its rule has a `window`
    multi = {(s, e) for c, ls, s, e in found if not c.spec["fallback"] and e > ls and c.spec["window"]}
    out, generic_end = [], -1
    for item in sorted(found, key=lambda t: (t[2], t[0].spec["fallback"])):
        c, _ls, s, e = item
        if c.spec["fallback"]:
            i = bisect.bisect_left(starts, e) - 1  # specific matches starting before this one ends
            overlaps = i >= 0 and max_end[i] > s
            if overlaps and multi and not any(ms <= s and e <= me for ms, me in multi):
                overlaps = any(ms < e and s < me for ms, me in specific if (ms, me) not in multi)
            if overlaps or s < generic_end:
                continue
            generic_end = max(generic_end, e)
        out.append(item)
    return out


def masked_line(line: str, spans: list[tuple[int, int]], focus: int) -> str:
    """`line` with every secret span masked, cut to ~200 characters around `focus` when long."""
    from buildrunner.mask import mask_value

    out, last = [], 0
    shift = 0  # how much masking shortened the text before `focus`
    for s, e in sorted(set(spans)):
        if s < last:
            continue
        out.append(line[last:s])
        masked = mask_value(line[s:e])
        out.append(masked)
        if s < focus:
            shift += (e - s) - len(masked)
        last = e
    out.append(line[last:])
    result = "".join(out)
    if len(result) <= SNIPPET_WIDTH:
        return result
    center = max(0, focus - shift)
    begin = max(0, center - SNIPPET_WIDTH // 3)
    end = min(len(result), begin + SNIPPET_WIDTH)
    return ("…" if begin else "") + result[begin:end] + ("…" if end < len(result) else "")


def explain_documents(documents, rules: list[Rule]) -> list[str]:
    """`path:line: rule: not reported (filter): masked value — reason` for every candidate value a
    filter, the entropy floor, an allowlist or shadowing dropped (`br security check --explain`).

    `documents` may hold Documents, FileRefs (loaded here) and Skipped entries (ignored)."""
    from buildrunner.engine.secret_filters import FILTERS, PROVIDER_NAME_REASON, PROVIDER_PREFIX_REASON
    from buildrunner.mask import mask_value

    reasons = {name: f.reason for name, f in FILTERS.items()}
    reasons.update({
        "provider_prefix": PROVIDER_PREFIX_REASON,
        "provider_name": PROVIDER_NAME_REASON,
        "entropy": "not random enough for its alphabet and length",
        "min_length": "shorter than the rule's minimum length",
        "shadowed": "the same value is reported by a more specific rule",
    })
    matcher = SecretMatcher(rules)
    lines: list[str] = []
    for doc in documents:
        if hasattr(doc, "load"):
            doc = doc.load()
        if not isinstance(doc, Document):
            continue
        dropped: list[Dropped] = []
        matcher.spans(doc, dropped)
        for d in sorted(dropped, key=lambda d: (d.start, d.rule_id)):
            line = doc.line_offset + doc.text.count("\n", 0, d.line_start) + 1
            why = reasons.get(d.reason) or ("the rule's own allowlist" if d.reason.startswith("allowlist")
                                            else "the value fails the rule's structural check")
            lines.append(f"{doc.path}:{line}: {d.rule_id}: not reported ({d.reason}): "
                         f"{mask_value(doc.text[d.start:d.end])} — {why}")
    return lines


def skipped_file_findings(skipped, rules: list[Rule], salt: str = "") -> list[Finding]:
    """Findings of the `paths:` rules (keystores) for files the scan skipped as binary: a `.p12`
    holds a private key whatever its bytes, and binary files never reach the matcher."""
    binary = [item for item in skipped if item.reason == "binary"]
    if not binary or not any(r.kind == "secret" and r.enabled and r.spec.get("paths") for r in rules):
        return []
    matcher = SecretMatcher([r for r in rules if r.kind == "secret" and r.spec.get("paths")], salt=salt)
    findings = []
    for item in binary:
        path, at, commit = item.path.rpartition("@")
        if not at or not all(c in string.hexdigits for c in commit):
            path = item.path  # a work-tree or staged file (a history patch is `path@commit`)
        findings.extend(matcher.path_findings(path))
    return findings


# -- built-in rules for the masker ------------------------------------------------------------
def rules_from_cache(data: dict) -> list[Rule]:
    """Rules rebuilt from the masker's JSON cache (see `builtin_secret_rules`)."""
    from buildrunner.engine.model import Severity

    return [Rule(id=d["id"], kind="secret", name=d["name"], severity=Severity(d["severity"]), message=d["message"],
                 fix=d["fix"], tags=tuple(d["tags"]), cwe=tuple(d["cwe"]), enabled=d["enabled"],
                 source=str(SECRET_PACK), spec=d["spec"]) for d in data["rules"]]


def builtin_secret_rules() -> list[Rule]:
    """The built-in secret rules, without their docs and examples, for the masker.

    Loading and validating the YAML pack costs ~150 ms; `sanitize_text` runs on paths that must stay
    in single-digit milliseconds (telemetry, error messages). The validated specs are therefore
    cached as JSON in the user cache dir, keyed by the pack's size and mtime and the br version
    (`secretcache.cache_key`); a stale, corrupt or unwritable cache just means loading the pack again.
    """
    from buildrunner.engine.rules import load_pack
    from buildrunner.engine.secretcache import read_cache, write_rules

    data = read_cache()
    if data is not None:
        try:
            return rules_from_cache(data)
        except (KeyError, TypeError, ValueError):
            pass
    return write_rules(load_pack(SECRET_PACK, builtin=True).rules)
