"""Rule packs: load, validate and merge YAML rule packs into `Rule` objects.

One schema for every kind. The common fields are checked here; each kind's own matcher fields are
checked by that kind's `compile_spec(raw, rule_id)` (registered in `engine.kinds.KINDS`), which raises
`SpecError(field, message)`. Any problem becomes a `RuleError` naming the file, the line, the rule
id and the field, and the command exits 2.

Pack file layout::

    pack: secrets                 # optional name (defaults to the file stem)
    description: ...
    disable: [rule.id, ...]       # project packs: switch built-in rules off
    rules:
      - id: secrets.anthropic-api-key
        kind: secret
        ...

Built-in packs ship in `buildrunner/rules/*.yaml`; a project's `.buildrunner/rules/*.yaml` are loaded
after them: a rule with an existing id replaces it (a rule with only `id` and `enabled: false`
disables it), new ids extend the set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildrunner.engine import kinds
from buildrunner.engine.model import Example, Examples, Rule, Severity, SpecError
from buildrunner.errors import RuleError

# The kinds and their validators: the one registry in engine/kinds.py.
KINDS = kinds.KINDS

COMMON_FIELDS = {"id", "kind", "name", "severity", "message", "fix", "help", "tags", "cwe",
                 "languages", "examples", "enabled", "verify"}
VERIFY_SUFFIX = "-verify.yaml"  # verification specs (secrets-verify.yaml), not a rule pack
KNOWN_LANGUAGES = {"python", "javascript", "typescript", "tsx", "generic"}
RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*(\.[a-z0-9][a-z0-9_\-]*)+$")


@dataclass
class Pack:
    name: str
    path: str
    description: str = ""
    rules: list[Rule] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    builtin: bool = False


@dataclass
class RuleSet:
    rules: list[Rule]
    packs: list[Pack]

    def of_kind(self, *kinds: str) -> list[Rule]:
        return [r for r in self.rules if r.enabled and r.kind in kinds]

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def select(self, ids: Iterable[str] | None = None, tags: Iterable[str] | None = None) -> RuleSet:
        """Rules whose id equals or starts with one of `ids` (prefix + '.'), or that carry a tag."""
        ids, tags = list(ids or []), set(tags or [])

        def keep(r: Rule) -> bool:
            if ids and any(r.id == i or r.id.startswith(i.rstrip(".") + ".") for i in ids):
                return True
            return bool(tags & set(r.tags)) if tags else not ids

        return RuleSet([r for r in self.rules if keep(r)], self.packs)


def compile_kind(kind: str):
    return kinds.spec_compiler(kind)


def builtin_pack_paths() -> list[Path]:
    here = Path(__file__).resolve().parent.parent / "rules"
    return sorted(p for p in here.glob("*.yaml") if not p.name.startswith("_") and not p.name.endswith(VERIFY_SUFFIX))


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(str(path), f"not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise RuleError(str(path), f"cannot read: {exc.strerror}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(str(path), f"malformed YAML: {getattr(exc, 'problem', None) or exc}",
                        line=mark.line + 1 if mark else None) from None


def _line_of(text: str, rule_index: int | None, field_name: str | None) -> int | None:
    """Line of rules[rule_index][field_name] (or of the rule) — only computed for error messages."""
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    seq = root
    if isinstance(root, yaml.MappingNode):
        seq = next((v for k, v in root.value if k.value == "rules"), None)
        if rule_index is None:
            hit = next((k for k, _ in root.value if k.value == field_name), None)
            return hit.start_mark.line + 1 if hit else None
    if not isinstance(seq, yaml.SequenceNode) or rule_index is None or rule_index >= len(seq.value):
        return None
    node = seq.value[rule_index]
    if field_name and isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if k.value == field_name.split(".")[0]:
                return k.start_mark.line + 1
    return node.start_mark.line + 1


def load_pack(path: Path | str, *, builtin: bool = False, validate_kind: bool = True) -> Pack:
    path = Path(path)
    data, text = _read_yaml(path)
    where = str(path)

    def fail(message: str, *, index: int | None = None, rule_id: str | None = None,
             field_name: str | None = None):
        raise RuleError(where, message, rule_id=rule_id, field=field_name,
                        line=_line_of(text, index, field_name))

    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict):
        fail("a rule pack is a mapping with a `rules:` list (or a bare list of rules)")
    unknown = set(data) - {"pack", "description", "rules", "disable"}
    if unknown:
        fail(f"unknown top-level field(s): {', '.join(sorted(unknown))}", field_name=sorted(unknown)[0])
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        fail("`rules` must be a list", field_name="rules")
    disable = data.get("disable") or []
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        fail("`disable` must be a list of rule ids", field_name="disable")
    pack = Pack(name=str(data.get("pack") or path.stem), path=where,
                description=str(data.get("description") or ""), disable=list(disable), builtin=builtin)
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        try:
            rule = parse_rule(raw, source=where, validate_kind=validate_kind)
        except SpecError as exc:
            rid = raw.get("id") if isinstance(raw, dict) else None
            fail(exc.message, index=index, rule_id=rid, field_name=exc.field)
        if rule.id in seen:
            fail("duplicate rule id in this pack", index=index, rule_id=rule.id, field_name="id")
        seen.add(rule.id)
        rule.line = None  # filled lazily by tools that need it (rule docs)
        pack.rules.append(rule)
    return pack


def _str_list(raw: dict, name: str) -> tuple[str, ...]:
    value = raw.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise SpecError(name, f"`{name}` must be a list of strings")
    return tuple(str(v) for v in value)


MATCH_EXAMPLE_FIELDS = ("text", "secret", "line", "path")
NO_MATCH_EXAMPLE_FIELDS = ("text", "path")


def _examples(raw: dict, name: str) -> tuple[Example, ...]:
    """`examples.match` / `examples.no_match`: strings, or mappings saying where the finding is
    (`{text, secret, line, path}`; no_match: `{text, path}`). See docs/RULES.md, "Examples"."""
    value = raw.get(name, [])
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise SpecError("examples", f"`examples.{name}` must be a list")
    return tuple(_example(item, name, i) for i, item in enumerate(value))


def _example(item: Any, name: str, index: int) -> Example:
    where = f"examples.{name}[{index}]"
    if isinstance(item, (str, int)):
        return Example(str(item))
    if not isinstance(item, dict):
        raise SpecError("examples", f"`{where}` must be a string or a mapping with `text`")
    known = MATCH_EXAMPLE_FIELDS if name == "match" else NO_MATCH_EXAMPLE_FIELDS
    unknown = sorted(str(k) for k in item if k not in known)
    if unknown:
        raise SpecError("examples", f"`{where}`: unknown field `{unknown[0]}`; known: {', '.join(known)}")
    text = item.get("text")
    if not isinstance(text, str):
        raise SpecError("examples", f"`{where}.text` is required and must be a string")
    for key in ("secret", "path"):
        if key in item and (not isinstance(item[key], str) or not item[key]):
            raise SpecError("examples", f"`{where}.{key}` must be a non-empty string")
    line = item.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
        raise SpecError("examples", f"`{where}.line` must be a line number (1 or more)")
    secret = item.get("secret")
    if secret is not None and secret not in text:
        raise SpecError("examples", f"`{where}.secret` does not occur in its `text`")
    return Example(text, secret=secret, line=line, path=item.get("path"), strict=True)


def parse_rule(raw: Any, *, source: str = "", validate_kind: bool = True) -> Rule:
    """Validate one raw rule mapping into a Rule (raises SpecError naming the field)."""
    if not isinstance(raw, dict):
        raise SpecError("id", "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not RULE_ID_RE.match(rid):
        raise SpecError("id", "`id` is required: lowercase dotted words like `secrets.github-pat`")
    if set(raw) <= {"id", "enabled"}:  # a disabling override
        return Rule(id=rid, kind="", name="", severity=Severity.INFO, message="",
                    enabled=bool(raw.get("enabled", True)), source=source, spec={"_override": True})
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SpecError("kind", f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}")
    for name in ("name", "message"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise SpecError(name, f"`{name}` is required and must be a non-empty string")
    try:
        severity = Severity(str(raw.get("severity", "")).lower())
    except ValueError:
        raise SpecError("severity", "`severity` must be one of critical, high, medium, low, info") from None
    for name in ("fix", "help"):
        if name in raw and not isinstance(raw[name], str):
            raise SpecError(name, f"`{name}` must be a string")
    languages = _str_list(raw, "languages")
    bad = [lang for lang in languages if lang not in KNOWN_LANGUAGES]
    if bad:
        raise SpecError("languages", f"unknown language(s) {bad}; known: {sorted(KNOWN_LANGUAGES)}")
    examples_raw = raw.get("examples") or {}
    if not isinstance(examples_raw, dict) or set(examples_raw) - {"match", "no_match"}:
        raise SpecError("examples", "`examples` must be a mapping with `match` and/or `no_match` lists")
    examples = Examples(match=_examples(examples_raw, "match"), no_match=_examples(examples_raw, "no_match"))
    if not examples.match:
        raise SpecError("examples", "every rule must carry at least one `examples.match` case")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SpecError("enabled", "`enabled` must be true or false")
    kind_raw = {k: v for k, v in raw.items() if k not in COMMON_FIELDS}
    spec = compile_kind(kind)(kind_raw, rid) if validate_kind else kind_raw
    if "verify" in raw:
        spec = {**spec, "verify": _inline_verify(kind, raw["verify"])}
    return Rule(id=rid, kind=kind, name=raw["name"].strip(), severity=severity,
                message=raw["message"].strip(), fix=str(raw.get("fix", "")).strip(),
                help=str(raw.get("help", "")).strip(), tags=_str_list(raw, "tags"),
                cwe=_str_list(raw, "cwe"), languages=languages, examples=examples,
                enabled=enabled, source=source, spec=spec)


def _inline_verify(kind: str, raw: Any) -> dict:
    """A rule's own `verify:` block (secret rules only); see buildrunner/engine/verifyspec.py."""
    if kind != "secret":
        raise SpecError("verify", "only secret rules can carry a `verify:` block")
    from buildrunner.engine.verifyspec import VerifySpecError, parse_verify

    try:
        return parse_verify(raw)
    except VerifySpecError as exc:
        raise SpecError(exc.field, exc.message) from None


def merge(packs: list[Pack]) -> list[Rule]:
    """Later packs override earlier ones by id; `disable` lists and `enabled: false` switch off."""
    by_id: dict[str, Rule] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.spec.get("_override"):
                if rule.id not in by_id:
                    raise RuleError(pack.path, "overrides a rule that does not exist", rule_id=rule.id,
                                    field="id")
                by_id[rule.id].enabled = rule.enabled
            else:
                by_id[rule.id] = rule
        for rid in pack.disable:
            matched = [r for r in by_id if r == rid or r.startswith(rid.rstrip(".") + ".")]
            if not matched:
                raise RuleError(pack.path, f"`disable` names unknown rule {rid!r}", field="disable")
            for r in matched:
                by_id[r].enabled = False
    return list(by_id.values())


def load_rules(project=None, *, extra_packs: Iterable[Path | str] = (), kinds: Iterable[str] | None = None,
               builtin: bool = True) -> RuleSet:
    """Built-in packs, then the project's `.buildrunner/rules/*.yaml`, then `extra_packs`."""
    packs: list[Pack] = []
    wanted = set(kinds) if kinds else None
    if builtin:
        from buildrunner.engine import secretcache

        for path in builtin_pack_paths():
            pack = load_pack(path, builtin=True)
            packs.append(pack)
            if path == secretcache.PACK and (wanted is None or "secret" in wanted):
                secretcache.pack_loaded(pack.rules)  # the masker's copy, before any override
    if project is not None and project.rules_dir.is_dir():
        packs.extend(load_pack(p) for p in sorted(project.rules_dir.glob("*.y*ml")))
    packs.extend(load_pack(p) for p in extra_packs)
    rules = merge(packs)
    if wanted is not None:
        rules = [r for r in rules if r.kind in wanted]
    return RuleSet(rules=rules, packs=packs)
