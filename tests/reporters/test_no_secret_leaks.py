"""No report, in any format, ever contains a secret that the scanner found.

For every built-in secret rule, each of its own `examples.match` strings is a template: the
characters of the secret's random part are shuffled within their class (upper/lower/digit), which
keeps the alphabet, the length and the entropy, and the variant is kept only if the scanner still
reports it as the same rule. One test does this for every example of every rule (fixed seed),
a hypothesis test explores random batches and shuffles. The text is scanned with the real
`SecretMatcher`, fingerprinted, some findings marked as history or suppressed, and rendered in every format;
the raw value must not appear in the output, nor in it once decoded (JSON strings, percent-encoded
SARIF URIs, GitHub's `%0A`-style escapes), so an escaping step cannot hide a leak.

A second property plants the raw secret in every free-text field a finding carries (message, fix,
path, trace, autofix, suppression reason, skip detail …) as a buggy matcher might: reporters pass
those through `sanitize_text`, so it must still never come out.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from buildrunner.engine.model import (
    Document,
    Finding,
    Fix,
    Origin,
    ScanResult,
    Skipped,
    Suppressed,
    TraceStep,
    fingerprint_findings,
    value_hash,
)
from buildrunner.engine.reporters import FORMATS, render

PACK = Path(__file__).parents[2] / "buildrunner" / "rules" / "secrets.yaml"
DOC_PATH = "config/settings.conf"  # a neutral extension: some rules allowlist source-code paths


def _load_secret_rules():
    """The built-in secret rules, or the reason they can't be loaded yet."""
    if not PACK.exists():
        return [], "buildrunner/rules/secrets.yaml does not exist yet (secrets engine not merged)"
    try:
        from buildrunner.engine.rules import load_pack, merge
        from buildrunner.engine.secrets import SecretMatcher  # noqa: F401
    except ImportError as exc:
        return [], f"secrets engine not importable: {exc}"
    # `paths:` rules report a file by its name (keystores): they have no value in the text to mask
    rules = [r for r in merge([load_pack(PACK, builtin=True)])
             if r.kind == "secret" and r.enabled and not r.spec.get("paths")]
    if not rules:
        return [], "buildrunner/rules/secrets.yaml has no secret rules"
    return rules, ""


RULES, SKIP_REASON = _load_secret_rules()
# every match example of every rule is a template
CASES = [(rule, example) for rule in RULES for example in rule.examples.match]
needs_rules = pytest.mark.skipif(not CASES, reason=SKIP_REASON or "no secret rule has match examples")


@functools.cache
def matcher():
    """One matcher over ALL secret rules (as a real scan runs them; specific rules shadow generic ones)."""
    from buildrunner.engine.secrets import SecretMatcher

    return SecretMatcher(RULES)


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every secret the scanner reports in `text`."""
    return [(s, e, c.rule.id) for c, _li, s, e in matcher().spans(Document(path=DOC_PATH, text=text))]


def _class(ch: str) -> str:
    return "upper" if ch.isupper() else "lower" if ch.islower() else "digit" if ch.isdigit() else ""


def mutate(secret: str, keywords, rnd: random.Random, tail_only: bool) -> str:
    """Shuffle the secret's alphanumerics within their class, keeping keyword prefixes (`sk-ant-`,
    `AKIA`…) and the last 2 characters (fixed suffixes such as `AA`) in place."""
    fixed = set(range(max(0, len(secret) - 2), len(secret)))
    low = secret.lower()
    for kw in keywords:
        at = low.find(kw.lower())
        while at != -1:
            fixed.update(range(at, at + len(kw)))
            at = low.find(kw.lower(), at + 1)
    if tail_only:
        fixed.update(range(0, len(secret) // 2))
    chars = list(secret)
    for cls in ("upper", "lower", "digit"):
        positions = [i for i, ch in enumerate(chars) if i not in fixed and _class(ch) == cls]
        values = [chars[i] for i in positions]
        rnd.shuffle(values)
        for i, v in zip(positions, values, strict=True):
            chars[i] = v
    return "".join(chars)


def generate(rule, example: str, rnd: random.Random) -> tuple[str, list[str], bool]:
    """A variant of `example` whose secrets are shuffled, the raw secret values in it, and whether
    it is a variant (False: no shuffle was still detected, e.g. a JWT whose header must decode)."""
    spans = secret_spans(example)
    assert spans, f"{rule.id}: its own match example is not detected: {example!r}"
    for tail_only in (False, True):
        text = example
        for s, e, _rule in spans:  # same length: offsets stay valid
            text = text[:s] + mutate(example[s:e], rule.spec.get("keywords", ()), rnd, tail_only) + text[e:]
        found = secret_spans(text)
        # still the same family (a shuffled `sk-` that became `ks-` is not an OpenAI key any more)
        if [r for *_, r in found] == [r for *_, r in spans] and text != example:
            return text, [text[s:e] for s, e, _r in found], True
    return example, [example[s:e] for s, e, _r in spans], False


def build_result(text: str, origin: Origin | None = None) -> ScanResult:
    doc = Document(path=DOC_PATH, text=f"import os\n\n{text}\nDEBUG = False\n", language="python",
                   origin=origin or Origin())
    findings = matcher().scan(doc)
    assert findings, "the generated secret must be reported"
    fingerprint_findings(findings)
    involved = {f.rule_id for f in findings}
    return ScanResult(findings=findings, files_scanned=1, rules=[r for r in RULES if r.id in involved],
                      duration_s=0.01, root="/srv/project", mode="files")


def _strings(value):
    if isinstance(value, str):
        yield value
        yield unquote(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def decoded_views(fmt: str, out: str) -> list[str]:
    """The output plus what a consumer decodes from it (where an escape could hide a leak)."""
    views = [out]
    if fmt in ("json", "sarif"):
        views.extend(_strings(json.loads(out)))
    if fmt == "github":
        views.append(out.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
                     .replace("%2C", ",").replace("%25", "%"))
    return views


def assert_no_leak(result: ScanResult, raw_values: list[str], tmp_path: Path) -> None:
    summary = tmp_path / "step-summary.md"
    summary.unlink(missing_ok=True)
    outputs = {fmt: render(fmt, result, color=False, step_summary=summary, split_runs=True,
                           include_suppressed=True) for fmt in FORMATS}
    outputs["github-summary"] = summary.read_text(encoding="utf-8")
    for name, out in outputs.items():
        haystack = "\0".join(decoded_views(name, out))  # one search per raw value, not per string
        for raw in raw_values:
            assert raw not in haystack, f"{name} output contains the raw secret {raw[:4]}…"


def generate_all(cases, rnd: random.Random) -> tuple[list[str], list[str], int]:
    """A shuffled variant of each case's example, the raw values, and how many cases had to fall
    back to the example itself."""
    lines, raws, fallbacks = [], [], 0
    for rule, example in cases:
        text, found, mutated = generate(rule, example, rnd)
        lines.append(text)
        raws.extend(found)
        fallbacks += not mutated
    return lines, raws, fallbacks


def vary(result: ScanResult) -> ScanResult:
    """Exercise every report path: some findings from history, some suppressed."""
    history = Origin(kind="history", commit="ab" * 20, author_date="2024-01-02T03:04:05Z")
    for f in result.findings[::2]:
        f.origin = history
    result.suppressed = [Suppressed(finding=f, how="whitelist", reason="test") for f in result.findings[1::3]]
    result.findings = [f for i, f in enumerate(result.findings) if i % 3 != 1]
    return result


@needs_rules
def test_every_rule_family_never_reaches_a_report(tmp_path):
    """All rules' examples at once, shuffled with a fixed seed: one scan, every format."""
    texts, raws, fallbacks = generate_all(CASES, random.Random(20261124))
    assert fallbacks < len(CASES) / 4, "most examples must yield detectable shuffled variants"
    result = build_result("\n".join(texts))
    # every generated secret is a reported finding (so the no-leak check covers each of them)
    assert {value_hash(raw) for raw in raws} <= {f.value_hash for f in result.findings}
    assert_no_leak(vary(result), raws, tmp_path)


@needs_rules
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.sampled_from(range(len(CASES) or 1)), min_size=1, max_size=12),
       rnd=st.randoms(use_true_random=False))
def test_generated_secrets_never_reach_a_report(picks, rnd, tmp_path):
    cases = [CASES[i] for i in picks]
    texts, raws, _ = generate_all(cases, rnd)
    note(f"document={texts!r}")
    assert_no_leak(vary(build_result("\n".join(texts))), raws, tmp_path)


def leaky_finding(rule, line: str) -> Finding:
    """A finding as a buggy matcher could build it: the raw line in every free-text field (on a
    line of its own, the context in which the scanner itself reports it)."""
    around = f"found:\n{line}\n"
    return Finding(
        rule_id=rule.id, severity=rule.severity, message=around, path=f"conf/\n{line}",
        line=3, column=1, snippet=line, fix=around, kind="secret", rule_name=around,
        masked_value=line, fingerprint="0123456789abcdef:0", tags=(line,),
        origin=Origin(kind="history", commit="cd" * 20, author_date=line),
        trace=[TraceStep(line=2, message=around)],
        autofix=Fix(description=around, start_line=3, start_column=1, end_line=3,
                    end_column=5, replacement=line),
    )


@needs_rules
def test_raw_secret_in_any_free_text_field_is_masked(tmp_path):
    """Defence in depth: reporters pass every free-text field through `sanitize_text`.
    (One example per rule: this plants each value a dozen times, in every field.)"""
    cases = list({rule.id: (rule, example) for rule, example in reversed(CASES)}.values())
    lines, raws, _ = generate_all(cases, random.Random(7))
    findings = [leaky_finding(rule, line) for (rule, _), line in zip(cases, lines, strict=True)]
    result = ScanResult(findings=findings, files_scanned=1, rules=[], root="/srv/project",
                        suppressed=[Suppressed(finding=f, how="baseline", reason=f.fix) for f in findings[:20]],
                        skipped=[Skipped(path=line, reason="binary", detail=line) for line in lines[:20]],
                        unused_suppressions=lines[:20])
    assert_no_leak(result, raws, tmp_path)
