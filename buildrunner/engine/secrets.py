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
    validate: jwt                 # optional structural check of the value (see VALIDATORS).
    allowlist:                    # optional, per rule
      regexes:   ['^sk-ant-api03-test']   # searched in the secret value
      stopwords: [localhost]              # case-insensitive substrings of the secret value
      lines:     ['^\\s*#']               # searched in the whole line
      paths:     ['**/fixtures/**']       # globs on the document path

Regexes are validated at load time with the regex parser only and compiled on a rule's first
keyword hit, so the pre-commit hook pays for the rules whose keywords appear in the staged text.
"""

from __future__ import annotations

import json
import re
import string
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Callable

from buildrunner.engine.entropy import is_placeholder, shannon_entropy
from buildrunner.engine.model import Document, Finding, Rule, value_hash

SPEC_FIELDS = {"keywords", "regex", "entropy", "min_length", "window", "placeholders", "fallback",
               "validate", "allowlist", "anchored"}
ALLOWLIST_FIELDS = {"regexes", "stopwords", "lines", "paths"}
LONG_LINE = 4096  # lines longer than this (minified files) are searched around keyword hits only
SNIPPET_WIDTH = 200
SECRET_PACK = Path(__file__).resolve().parent.parent / "rules" / "secrets.yaml"


def _check_jwt(value: str) -> bool:
    """A JWT's header is base64url JSON with an `alg` (rules out random dotted strings)."""
    import base64

    head = value.split(".", 1)[0]
    try:
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "alg" in data


VALIDATORS: dict[str, Callable[[str], bool]] = {"jwt": _check_jwt}


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
            import re._parser as sre_parse
        except ImportError:  # pragma: no cover - a Python without re._parser: compile fully
            groups = re.compile(pattern).groupindex
        else:
            parsed = sre_parse.parse(pattern, 0)
            _check_lookbehinds(parsed)
            groups = parsed.state.groupdict
    except re.error as exc:
        raise _spec_error(field, f"regex does not compile: {exc}") from None
    except (RecursionError, OverflowError) as exc:
        raise _spec_error(field, f"regex is too complex: {exc}") from None
    if need_secret and "secret" not in groups:
        raise _spec_error(field, "regex must have a named group `(?P<secret>...)` around the value")


def _str_list(raw: dict, name: str, field: str) -> list[str]:
    from buildrunner.engine.specs import str_list

    return str_list(raw, name, field, non_empty_items=True)


def compile_spec(raw: dict, rule_id: str) -> dict:
    """Validate a secret rule's own fields into its spec (raises SpecError(field, message))."""
    from buildrunner.engine import specs

    specs.refuse_unknown(raw, SPEC_FIELDS, "a secret rule")
    if "keywords" not in raw:
        raise _spec_error("keywords", "`keywords` is required: strings that must occur on a line "
                          "before the regex runs")
    keywords = _str_list(raw, "keywords", "keywords")
    if not keywords:
        raise _spec_error("keywords", "`keywords` must not be empty")
    regex = raw.get("regex")
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
    spec["allowlist"] = _allowlist(raw.get("allowlist") or {})
    return spec


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


class _Compiled:
    """A rule's regexes, compiled on first use."""

    __slots__ = ("rule", "spec", "_regex", "_allow_re", "_line_re")

    def __init__(self, rule: Rule):
        self.rule = rule
        self.spec = rule.spec
        self._regex = None
        self._allow_re: list[re.Pattern] | None = None
        self._line_re: list[re.Pattern] | None = None

    @property
    def regex(self) -> re.Pattern:
        if self._regex is None:
            try:
                self._regex = re.compile(self.spec["regex"])
            except re.error as exc:  # validated at load; a clear error if the compiler disagrees
                from buildrunner.errors import RuleError

                raise RuleError(self.rule.source or "<rules>", f"regex does not compile: {exc}",
                                rule_id=self.rule.id, field="regex") from None
        return self._regex

    def allowed(self, value: str, line: str) -> bool:
        """True when the value is not a credential by this rule's own and the global allowlists."""
        spec = self.spec
        if len(value) < spec["min_length"]:
            return True
        if spec["entropy"] and shannon_entropy(value) < spec["entropy"]:
            return True
        if spec["placeholders"] and is_placeholder(value):
            return True
        if spec["validate"] and not VALIDATORS[spec["validate"]](value):
            return True
        allow = spec["allowlist"]
        if allow["stopwords"]:
            low = value.lower()
            if any(s in low for s in allow["stopwords"]):
                return True
        if allow["regexes"]:
            if self._allow_re is None:
                self._allow_re = [re.compile(p) for p in allow["regexes"]]
            if any(p.search(value) for p in self._allow_re):
                return True
        if allow["lines"]:
            if self._line_re is None:
                self._line_re = [re.compile(p) for p in allow["lines"]]
            if any(p.search(line) for p in self._line_re):
                return True
        return False

    def path_allowed(self, path: str) -> bool:
        return any(fnmatch(path, g) for g in self.spec["allowlist"]["paths"])


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _lower_same_length(text: str) -> str:
    """Lowercase `text` keeping offsets aligned with it.

    A few Unicode letters change length on lower() ('İ' → 'i̇'); keywords are matched on the
    lowered text and their offsets used in the original, so then only ASCII is lowered.
    """
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


class SecretMatcher:
    """Runs secret rules over documents: one keyword pass, then each hit rule's regex on hit lines."""

    def __init__(self, rules: list[Rule], *, salt: str = ""):
        import ahocorasick

        self.salt = salt
        self.rules = [_Compiled(r) for r in rules if r.kind == "secret" and r.enabled]
        self.automaton = ahocorasick.Automaton()
        by_keyword: dict[str, list[int]] = {}
        for index, compiled in enumerate(self.rules):
            for keyword in compiled.spec["keywords"]:
                by_keyword.setdefault(keyword, []).append(index)
        for keyword, indexes in by_keyword.items():
            self.automaton.add_word(keyword, (len(keyword), tuple(indexes)))
        if by_keyword:
            self.automaton.make_automaton()
        self._empty = not by_keyword

    # -- keyword pass -------------------------------------------------------------------------
    def hits(self, text: str) -> dict[int, list[int]]:
        """rule index → offsets where one of its keywords starts (empty when none hit)."""
        if self._empty or not text:
            return {}
        out: dict[int, list[int]] = {}
        for end, (length, indexes) in self.automaton.iter(_lower_same_length(text)):
            start = end - length + 1
            for i in indexes:
                out.setdefault(i, []).append(start)
        return out

    def spans(self, doc: Document) -> list[tuple[_Compiled, int, int, int]]:
        """(rule, line start offset, secret start, secret end) of every accepted match in doc.text.

        Line bounds are found around each keyword hit with str.find/rfind (C speed); nothing is
        computed for the lines without a hit.
        """
        text = doc.text
        hits = self.hits(text)
        if not hits:
            return []
        size = len(text)

        def line_start(offset: int) -> int:
            return text.rfind("\n", 0, offset) + 1

        def line_end(offset: int, extra_lines: int = 0) -> int:
            end = text.find("\n", offset)
            while extra_lines and end != -1:
                end, extra_lines = text.find("\n", end + 1), extra_lines - 1
            return size if end == -1 else end

        found: list[tuple[_Compiled, int, int, int]] = []
        for index in sorted(hits):
            compiled = self.rules[index]
            if compiled.spec["allowlist"]["paths"] and compiled.path_allowed(doc.path):
                continue
            regex = compiled.regex
            anchored = compiled.spec["anchored"]
            if anchored:  # try the regex only at the keyword / at the start of each hit line
                starts = sorted({line_start(o) for o in hits[index]} if anchored == "line" else set(hits[index]))
                matches = (regex.match(text, o, line_end(o)) for o in starts)
            else:
                matches = (m for seg_start, seg_end in self._segments(hits[index], compiled.spec["window"],
                                                                     line_start, line_end)
                           for m in regex.finditer(text, seg_start, seg_end))
            seen: set[int] = set()
            for m in matches:
                if m is None:
                    continue
                s, e = m.span("secret")
                if s < 0 or s == e or s in seen:
                    continue
                seen.add(s)
                ls = line_start(s)
                if compiled.allowed(m.group("secret"), text[ls:line_end(s)]):
                    continue
                found.append((compiled, ls, s, e))
        return _drop_shadowed(found)

    @staticmethod
    def _segments(offsets, window, line_start, line_end) -> list[tuple[int, int]]:
        """The text ranges a rule's regex searches: each hit line (+ `window` lines), merged."""
        segments: list[tuple[int, int]] = []
        for offset in sorted(offsets):
            if segments and offset < segments[-1][1] and not window:
                continue  # same line as the previous hit
            seg_start, seg_end = line_start(offset), line_end(offset, window)
            if seg_end - seg_start > LONG_LINE and not window:  # minified: search near the hit only
                seg_start, seg_end = max(seg_start, offset - 256), min(seg_end, offset + 1024)
            if segments and seg_start <= segments[-1][1] + 1:  # overlapping or the next line
                segments[-1] = (segments[-1][0], max(segments[-1][1], seg_end))
            else:
                segments.append((seg_start, seg_end))
        return segments

    # -- findings -----------------------------------------------------------------------------
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


def _drop_shadowed(found: list[tuple[_Compiled, int, int, int]]) -> list[tuple[_Compiled, int, int, int]]:
    """Drop generic (`fallback`) matches that overlap a specific rule's match or an earlier generic one.

    `api_key = "ghp_…"` is reported once, as a GitHub token. O(n log n) in the number of matches.
    """
    if not any(c.spec["fallback"] for c, *_ in found):
        return found
    import bisect

    specific = sorted((s, e) for c, _ls, s, e in found if not c.spec["fallback"])
    starts = [s for s, _e in specific]
    max_end, running = [], -1
    for _s, e in specific:
        running = max(running, e)
        max_end.append(running)
    out, generic_end = [], -1
    for item in sorted(found, key=lambda t: (t[2], t[0].spec["fallback"])):
        c, _ls, s, e = item
        if c.spec["fallback"]:
            i = bisect.bisect_left(starts, e) - 1  # specific matches starting before this one ends
            if (i >= 0 and max_end[i] > s) or s < generic_end:
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
    from buildrunner.engine.secretcache import read_cache, write_cache
    from buildrunner.engine.rules import load_pack

    data = read_cache()
    if data is not None:
        try:
            return rules_from_cache(data)
        except (KeyError, TypeError, ValueError):
            pass
    rules = [r for r in load_pack(SECRET_PACK, builtin=True).rules if r.kind == "secret"]
    write_cache([{"id": r.id, "name": r.name, "severity": r.severity.value, "message": r.message, "fix": r.fix,
                  "tags": list(r.tags), "cwe": list(r.cwe), "enabled": r.enabled, "spec": r.spec} for r in rules],
                sorted({k for r in rules if r.enabled for k in r.spec["keywords"]}))
    return rules
