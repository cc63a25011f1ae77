"""Run every rule's own examples: each `examples.match` must produce a finding from that rule, each
`examples.no_match` must produce none (like gitleaks' tps/fps and Semgrep's `ruleid:`/`ok:`).

Used by the test over all built-in packs and by `br rules test` for a user's packs. Each rule runs
alone, through the same matcher class the scan pipeline uses for its kind, over a Document built
from the example text (language and file extension from the rule's first language). `repo` rules
describe whole repositories and are tested by their own suite, so they are skipped here.
"""

from __future__ import annotations

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
    expected: str  # "match" | "no_match" | "error"
    example: str
    detail: str = ""
    source: str = ""
    shown: str | None = None  # the example with the rule's own matches masked (set for no_match failures)
    index: int | None = None  # position in examples.match / examples.no_match, so a masked example is findable

    def describe(self) -> str:
        from buildrunner.engine.masking import sanitize_text

        shown = sanitize_text(self.shown if self.shown is not None else self.example)
        shown = shown if len(shown) <= 160 else shown[:157] + "..."
        what = {"match": "should match but produced no finding",
                "no_match": "should not match but produced a finding",
                "error": "could not be run"}[self.expected]
        extra = f" ({self.detail})" if self.detail else ""
        which = f"examples.{self.expected}[{self.index}]" if self.index is not None else "example"
        return f"{self.rule_id}: {which} {what}{extra}: {shown!r}"


def matcher_class(kind: str):
    """The pipeline's matcher class for `kind` (engine.kinds); None for a kind without one,
    KindUnavailable when it cannot be imported."""
    return kinds_matcher_class(kind)


def example_document(rule: Rule, text: str) -> Document:
    language = next((lang for lang in rule.languages if lang in EXTENSIONS), None)
    path = "example" + EXTENSIONS.get(language or "", ".txt")
    return Document(path=path, text=text, language=language)


def runnable(rule: Rule) -> bool:
    """The rule's examples run here: enabled, and of a kind proved by its matcher."""
    return rule.enabled and rule.kind not in SKIPPED_KINDS and matcher_class(rule.kind) is not None


def run_rule_examples(rule: Rule) -> list[ExampleFailure]:
    """Failures of one rule's examples (empty when all pass)."""
    cls = matcher_class(rule.kind)
    if cls is None or rule.kind in SKIPPED_KINDS:
        return []
    failures: list[ExampleFailure] = []
    try:
        matcher = cls([rule])
    except Exception as exc:  # noqa: BLE001 — a rule that breaks its matcher is a failure to report
        return [ExampleFailure(rule.id, "error", "", f"matcher failed: {exc}", rule.source)]
    for expected, cases in (("match", rule.examples.match), ("no_match", rule.examples.no_match)):
        for index, text in enumerate(cases):
            try:
                hits = [f for f in matcher.scan(example_document(rule, text)) if f.rule_id == rule.id]
            except Exception as exc:  # noqa: BLE001
                failures.append(ExampleFailure(rule.id, "error", text, f"{type(exc).__name__}: {exc}", rule.source))
                failures[-1].index = index
                continue
            if expected == "match" and not hits:
                failures.append(ExampleFailure(rule.id, expected, text, source=rule.source, index=index))
            elif expected == "no_match" and hits:
                failures.append(ExampleFailure(rule.id, expected, text, f"line {hits[0].line}: {hits[0].snippet}",
                                               rule.source, shown=_mask_own(matcher, text), index=index))
    return failures


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
