"""`br rules list|test|docs`: inspect rule packs, run their examples, generate docs/RULES.md."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from buildrunner.cli.output import console, emit_json, write_output


def _project():
    from buildrunner.project import discover

    return discover()


def _load(packs: tuple[str, ...] = ()):
    """Built-in + project packs, or the rules of the packs named on the command line (RuleError → exit 2).

    Named packs are merged over the built-in ones, so their `disable:` lists and `enabled: false`
    overrides are checked against real rule ids; only their own rules are returned.
    """
    from buildrunner.engine.rules import RuleSet, builtin_pack_paths, load_pack, load_rules, merge

    if packs:
        loaded = [load_pack(Path(p)) for p in packs]
        builtin = [load_pack(p, builtin=True) for p in builtin_pack_paths()]
        merge(builtin + loaded)
        return RuleSet(rules=[r for pack in loaded for r in pack.rules if r.kind], packs=loaded)
    return load_rules(_project())


def _pack_of(ruleset) -> dict[str, str]:
    names = {}
    for pack in ruleset.packs:
        for rule in pack.rules:
            if rule.kind:  # not an `enabled: false` override
                names[rule.id] = pack.name
    return names


HEADERS = ("id", "kind", "severity", "name", "pack")


@click.group()
def rules() -> None:
    """List rule packs, test rules' examples, generate RULES.md."""


@rules.command("list")
@click.option("--kind", type=click.Choice(["secret", "code", "repo"]), help="Only rules of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include disabled rules.")
def list_cmd(kind: str | None, as_json: bool, show_all: bool) -> int:
    """List the rules in effect here: built-in packs plus .buildrunner/rules/*.yaml."""
    ruleset = _load()
    pack_of = _pack_of(ruleset)
    shown = [r for r in ruleset.rules if r.kind and (kind is None or r.kind == kind) and (show_all or r.enabled)]
    counts = Counter(r.kind for r in shown)
    if as_json:
        emit_json({"rules": [{"id": r.id, "kind": r.kind, "severity": r.severity.value, "name": r.name,
                              "pack": pack_of.get(r.id, ""), "enabled": r.enabled, "tags": list(r.tags),
                              "languages": list(r.languages)} for r in shown],
                   "counts": {"total": len(shown), **dict(sorted(counts.items()))}})
        return 0
    rows = [(r.id, r.kind, r.severity.value, r.name + ("" if r.enabled else " (disabled)"), pack_of.get(r.id, ""))
            for r in shown]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(HEADERS)]
    for row in [HEADERS, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"{len(shown)} rules ({summary or 'none'}) in {len(ruleset.packs)} packs")
    return 0


@rules.command("test")
@click.argument("packs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print failures only.")
def test_cmd(packs: tuple[str, ...], as_json: bool, quiet: bool) -> int:
    """Run every rule's examples (built-in + project packs, or the PACKS given).

    Each `examples.match` must produce a finding from its rule and each `no_match` none.
    Exit 1 when an example fails, 2 when a pack cannot be loaded.
    """
    from buildrunner.engine.ruletest import run_rule_examples, runnable

    ruleset = _load(packs)
    tested = [r for r in ruleset.rules if runnable(r)]
    skipped = [r for r in ruleset.rules if r.kind and r.enabled and not runnable(r)]
    failures = []
    for rule in tested:
        failures.extend(run_rule_examples(rule))
    n_examples = sum(len(r.examples.match) + len(r.examples.no_match) for r in tested)
    if as_json:
        emit_json({"rules": len(tested), "examples": n_examples, "failures": [
            {"rule_id": f.rule_id, "expected": f.expected, "detail": f.detail, "source": f.source,
             "message": f.describe()} for f in failures],
            "skipped": [{"id": r.id, "kind": r.kind, "reason": "tested by its own suite"} for r in skipped]})
        return 1 if failures else 0
    err = console(stderr=True)
    for f in failures:
        err.print(f"FAIL {f.describe()}", markup=False)
    if failures:
        click.echo(f"{len(failures)} of {n_examples} examples failed in {len({f.rule_id for f in failures})} "
                   f"of {len(tested)} rules", err=True)
        return 1
    if not quiet:
        note = f" ({len(skipped)} rules of other kinds skipped)" if skipped else ""
        rules_word = "rule" if len(tested) == 1 else "rules"
        click.echo(f"ok: {n_examples} examples of {len(tested)} {rules_word} passed{note}")
    return 0


@rules.command("docs")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (default: stdout).")
@click.option("--check", is_flag=True, help="Exit 1 if FILE is not what the packs generate (drift check).")
def docs_cmd(output: str | None, check: bool) -> int:
    """Generate the rules reference (docs/RULES.md) from the built-in packs."""
    from buildrunner.engine.ruledocs import render_builtin
    from buildrunner.errors import BrError

    if check and not output:
        raise BrError("--check needs --output FILE to compare against")
    if check:
        path = Path(output)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current is None or current != render_builtin():
            state = "is missing" if current is None else "is out of date"
            click.echo(f"{output} {state}; regenerate it with `br rules docs --output {output}`", err=True)
            return 1
        click.echo(f"{output} is up to date")
        return 0
    write_output(render_builtin(), output)
    if output:
        click.echo(f"wrote {output}", err=True)
    return 0
