#!/usr/bin/env python3
"""Make a rule pack's match examples strict: say where each finding is.

    .venv/bin/python scripts/strict_examples.py buildrunner/rules/secrets.yaml [MORE.yaml ...] [--check]

For every plain-string `examples.match` entry it runs the rule (alone, through the engine, as
`br rules test` does) and rewrites the entry from what the engine reports NOW:

- secret rules: `{text: ..., secret: <the reported value>}` (plus `line:` when the text has several
  lines and the value is not reported on the line where it first occurs);
- code rules: a `# ruleid: <rule-id>` line (`// ruleid:` for JavaScript/TypeScript) inserted above
  the reported line, at its indentation.

An example that does not produce exactly one finding of its rule is refused and listed (fix it by
hand: see docs/RULES.md, "Examples"). Entries already strict, no_match entries and rules of kinds
whose examples describe repositories are left alone, so running it again changes nothing.
Comments, quoting and layout are kept (ruamel.yaml round trip; the file is refused when its
layout would not survive one). `--check` writes nothing and exits 1 when a file would change.
Exit 2 when an example was refused or a pack does not load.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruamel.yaml import YAML  # noqa: E402
from ruamel.yaml.comments import CommentedMap  # noqa: E402
from ruamel.yaml.scalarstring import (  # noqa: E402
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from buildrunner.engine import ruletest  # noqa: E402
from buildrunner.engine.kinds import KINDS  # noqa: E402
from buildrunner.engine.rules import load_pack  # noqa: E402
from buildrunner.errors import BrError  # noqa: E402

LAYOUTS = [(2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 2, 0), (2, 2, 2)]  # (mapping, sequence, offset)


def _yaml(layout) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100_000
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def load_round_trip(text: str):
    """(yaml, data) with the indentation under which `text` survives a round trip unchanged."""
    for layout in LAYOUTS:
        yaml = _yaml(layout)
        data = yaml.load(text)
        if _dump(yaml, data) == text:
            return yaml, data
    return None, None


def comment_prefix(rule) -> str:
    return "//" if set(rule.languages) & {"javascript", "typescript", "tsx"} else "#"


def _quoted(value):
    """A quoted scalar for a flow mapping: the original quoted scalar as it is, else single quotes
    (double quotes when the value holds a single quote or a control character)."""
    if isinstance(value, (SingleQuotedScalarString, DoubleQuotedScalarString)):
        return value
    text = str(value)
    if "'" in text or any(ord(ch) < 32 for ch in text):
        return DoubleQuotedScalarString(text)
    return SingleQuotedScalarString(text)


def strict_secret(rule, example, matcher, raw):
    got = ruletest.reported_locations(rule, matcher, ruletest.example_document(rule, example))
    if len(got) != 1:
        return None, f"{len(got)} findings"
    (line, value), = got
    entry = CommentedMap()
    entry["text"] = raw if "\n" in str(example) else _quoted(raw)  # PyYAML reads plain scalars in flow
    entry["secret"] = _quoted(value)                                 # context differently: quote them
    probe = type(rule.examples.match[0])(str(example), secret=value)
    if probe.expected_line() != line:
        entry["line"] = line
    if "\n" not in str(example):
        entry.fa.set_flow_style()
    return entry, None


def strict_code(rule, example, matcher, raw):
    got = ruletest.reported_locations(rule, matcher, ruletest.example_document(rule, example))
    if len(got) != 1:
        return None, f"{len(got)} findings"
    (line, _value), = got
    lines = str(example).split("\n")
    target = lines[line - 1]
    indent = target[: len(target) - len(target.lstrip())]
    lines.insert(line - 1, f"{indent}{comment_prefix(rule)} ruleid: {rule.id}")
    return LiteralScalarString("\n".join(lines)), None


def convert_rule(rule, raw_rule, refusals: list[str], path: Path) -> int:
    """Rewrite the rule's loose match examples in `raw_rule` (ruamel data); the number changed."""
    matches = (raw_rule.get("examples") or {}).get("match")
    if not isinstance(matches, list):
        return 0
    matcher = ruletest.matcher_class(rule.kind)([rule])
    changed = 0
    for index, example in enumerate(rule.examples.match):
        if isinstance(matches[index], dict) and rule.kind != "code":
            continue  # already `{text:, secret:}`
        if ruletest.expected_locations(rule, example) is not None:
            continue  # already strict (a code example with its `ruleid:` line)
        convert = strict_code if rule.kind == "code" else strict_secret
        new, problem = convert(rule, example, matcher, matches[index])
        if new is None:
            refusals.append(f"{path}: {rule.id}: examples.match[{index}]: {problem} (exactly one is needed); "
                            f"make it strict by hand (docs/RULES.md, \"Examples\")")
            continue
        if isinstance(matches[index], dict):
            matches[index]["text"] = new
        else:
            matches[index] = new
        changed += 1
    return changed


def convert_file(path: Path, *, check: bool) -> tuple[int, list[str]]:
    text = path.read_text(encoding="utf-8")
    try:
        pack = load_pack(path)
    except BrError as exc:
        return 0, [f"{path}: does not load: {exc}"]
    yaml, data = load_round_trip(text)
    if data is None:
        return 0, [f"{path}: its layout does not survive a ruamel.yaml round trip; convert it by hand"]
    raw_rules = {r.get("id"): r for r in (data.get("rules") or []) if isinstance(r, dict)}
    refusals: list[str] = []
    changed = 0
    for rule in pack.rules:
        entry = KINDS.get(rule.kind)
        if entry is None or entry.examples != "matcher" or rule.id not in raw_rules:
            continue
        changed += convert_rule(rule, raw_rules[rule.id], refusals, path)
    if changed and not check:
        new_text = _dump(yaml, data)
        path.write_text(new_text, encoding="utf-8")
        try:
            load_pack(path)  # what br reads (PyYAML) must still read it, and the same way
        except BrError as exc:
            path.write_text(text, encoding="utf-8")
            return 0, [f"{path}: the converted pack does not load ({exc}); left unchanged"]
    return changed, refusals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packs", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a pack would change")
    args = parser.parse_args(argv)
    total, refused = 0, []
    for path in args.packs:
        changed, refusals = convert_file(path, check=args.check)
        total += changed
        refused += refusals
        verb = "would convert" if args.check else "converted"
        print(f"{path}: {verb} {changed} example(s)" + (f", {len(refusals)} refused" if refusals else ""))
    for line in refused:
        print(f"refused: {line}", file=sys.stderr)
    if refused:
        return 2
    return 1 if args.check and total else 0


if __name__ == "__main__":
    sys.exit(main())
