"""Run every rule's own examples: each `examples.match` must produce a finding from that rule, each
`examples.no_match` must produce none (like gitleaks' tps/fps and Semgrep's `ruleid:`/`ok:`).

Used by the test over all built-in packs and by `br rules test` for a user's packs. Each rule runs
alone, through the same matcher class the scan pipeline uses for its kind, over a Document built
from the example text (language and file extension from the rule's first language). `repo` rules
describe whole repositories and are tested by their own suite, so they are skipped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildrunner.engine.kinds import KINDS
from buildrunner.engine.kinds import matcher_class as kinds_matcher_class
from buildrunner.engine.model import Document, Rule

# kinds whose examples this module does not run (engine.kinds: examples="repository")
SKIPPED_KINDS = {name for name, k in KINDS.items() if k.examples != "matcher"}
EXTENSIONS = {"python": ".py", "javascript": ".js", "typescript": ".ts", "tsx": ".tsx"}


@dataclass
class ExampleFailure:
    rule_id: str
    expected: str  # "match" | "no_match" | "location" | "loose" | "error"
    example: str
    detail: str = ""
    source: str = ""
    shown: str | None = None  # the example with the rule's own matches masked (set for no_match failures)
    index: int | None = None  # position in examples.match / examples.no_match, so a masked example is findable
    group: str = ""  # "match" | "no_match": which list `index` is in

    def describe(self) -> str:
        from buildrunner.engine.masking import sanitize_text

        shown = sanitize_text(self.shown if self.shown is not None else self.example)
        shown = shown if len(shown) <= 160 else shown[:157] + "..."
        what = {"match": "should match but produced no finding",
                "no_match": "should not match but produced a finding",
                "location": "reports its finding elsewhere",
                "loose": "does not say where the finding is",
                "error": "could not be run"}[self.expected]
        extra = f" ({self.detail})" if self.detail else ""
        group = self.group or ("no_match" if self.expected == "no_match" else "match")
        which = f"examples.{group}[{self.index}]" if self.index is not None else "example"
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.rule_id}: {which} {what}{extra}: {shown!r}"


def matcher_class(kind: str):
    """The pipeline's matcher class for `kind` (engine.kinds); None for a kind without one,
    KindUnavailable when it cannot be imported."""
    return kinds_matcher_class(kind)


def example_document(rule: Rule, text: str) -> Document:
    """The example as a Document: its own `path` when it has one, else `example.<ext>` of the
    rule's first language."""
    language = next((lang for lang in rule.languages if lang in EXTENSIONS), None)
    path = getattr(text, "path", None) or "example" + EXTENSIONS.get(language or "", ".txt")
    if getattr(text, "path", None):
        from buildrunner.engine.parsing import language_for_path

        language = language_for_path(path) or language
    return Document(path=path, text=str(text), language=language)


def runnable(rule: Rule) -> bool:
    """The rule's examples run here: enabled, and of a kind proved by its matcher."""
    return rule.enabled and rule.kind not in SKIPPED_KINDS and matcher_class(rule.kind) is not None


def run_rule_examples(rule: Rule) -> list[ExampleFailure]:
    """Failures of one rule's examples (empty when all pass).

    A match example must say where its finding is (see `engine.model.Example`): the set of
    (line, value) the rule reports for it must equal the expected set exactly. A plain-string match
    example is rejected (`scripts/strict_examples.py` converts a pack). A no_match example must
    produce no finding of the rule.
    """
    cls = matcher_class(rule.kind)
    if cls is None or rule.kind in SKIPPED_KINDS:
        return []
    try:
        matcher = cls([rule])
    except Exception as exc:  # noqa: BLE001 — a rule that breaks its matcher is a failure to report
        return [ExampleFailure(rule.id, "error", "", f"matcher failed: {exc}", rule.source)]
    failures: list[ExampleFailure] = []
    for expected, cases in (("match", rule.examples.match), ("no_match", rule.examples.no_match)):
        for index, example in enumerate(cases):
            failure = _check_example(rule, matcher, expected, example)
            if failure is not None:
                failure.index, failure.group = index, expected
                failures.append(failure)
    return failures


def _check_example(rule: Rule, matcher, expected: str, example) -> ExampleFailure | None:
    want = expected_locations(rule, example) if expected == "match" else set()
    if want is None:
        return ExampleFailure(rule.id, "loose", example, LOOSE_HINT[rule.kind if rule.kind == "code" else "secret"],
                              rule.source, shown=_mask_own(matcher, example))
    try:
        got = reported_locations(rule, matcher, example_document(rule, example))
    except Exception as exc:  # noqa: BLE001
        return ExampleFailure(rule.id, "error", example, f"{type(exc).__name__}: {exc}", rule.source)
    if got == want:
        return None
    if expected == "no_match":
        line = min(line for line, _v in got)
        return ExampleFailure(rule.id, expected, example, f"line {line}", rule.source,
                              shown=_mask_own(matcher, example))
    if not got:
        return ExampleFailure(rule.id, expected, example, source=rule.source)
    return ExampleFailure(rule.id, "location", example, f"expected {_where(want)}, reported {_where(got)}",
                          rule.source, shown=_mask_own(matcher, example))


LOOSE_HINT = {
    "secret": "a plain string: write `{text: ..., secret: ...}` (the exact value, and `line:` when the text "
              "has several lines); `scripts/strict_examples.py PACK` converts a pack",
    "code": "no `# ruleid: <rule-id>` (`// ruleid:` in JS/TS) line above the line that must be reported; "
            "`scripts/strict_examples.py PACK` converts a pack",
}
RULEID_RE = re.compile(r"^\s*(?:#|//)\s*ruleid\s*:\s*(?P<ids>[\w.\-, ]+?)\s*$")


def annotated_lines(text: str, rule_id: str) -> set[int]:
    """Lines (1-based) that carry a `ruleid: <rule_id>` annotation on the line above them."""
    lines = set()
    for number, line in enumerate(text.splitlines(), 1):
        m = RULEID_RE.match(line)
        if m and rule_id in {i.strip() for i in m.group("ids").split(",")}:
            lines.add(number + 1)
    return lines


def expected_locations(rule: Rule, example) -> set[tuple[int, str | None]] | None:
    """{(line, value)} a match example expects (value None for code rules); None when it is loose."""
    if rule.kind == "secret" or getattr(example, "secret", None) is not None:
        secret = getattr(example, "secret", None)
        if secret is None:
            return None
        return {(example.expected_line(), secret)}
    lines = annotated_lines(example, rule.id)
    return {(line, None) for line in lines} or None


def reported_locations(rule: Rule, matcher, doc: Document) -> set[tuple[int, str | None]]:
    """{(line, value)} of the rule's findings in `doc`: secret matchers report values, others lines."""
    spans = getattr(matcher, "spans", None)
    if spans is not None:
        text = doc.text
        return {(text.count("\n", 0, ls) + 1, text[s:e]) for c, ls, s, e in spans(doc) if c.rule.id == rule.id}
    return {(f.line, None) for f in matcher.scan(doc) if f.rule_id == rule.id}


def _where(locations: set[tuple[int, str | None]]) -> str:
    from buildrunner.mask import mask_value

    return ", ".join(f"line {line}" + (f" value {mask_value(v)}" if v is not None else "")
                     for line, v in sorted(locations, key=lambda t: (t[0], t[1] or ""))) or "nothing"


def _mask_own(matcher, text: str) -> str:
    """`text` with the values this rule's (secret) matcher found masked: a user's own rule may
    detect a format the built-in masker does not know."""
    spans = getattr(matcher, "spans", None)
    if spans is None:
        return text
    from buildrunner.mask import mask_spans

    return mask_spans(text, [(s, e) for _c, _ls, s, e in spans(Document(path="example.txt", text=text))])


def run_examples(rules: list[Rule]) -> list[ExampleFailure]:
    """Failures of every runnable rule's examples, in rule order."""
    failures: list[ExampleFailure] = []
    for rule in rules:
        if runnable(rule):
            failures.extend(run_rule_examples(rule))
    return failures
