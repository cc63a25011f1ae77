"""What a parallel scan's parent prepares before its workers fork, and what each worker builds itself.

The parent builds one matcher per distinct rule list for every language of the file list (one
SecretMatcher for all of them); the secret rules' regexes are compiled by the worker that meets a
rule's keyword, once per process, and a regex that only fails there still ends the scan with exit 2.
"""

from __future__ import annotations

import dataclasses

import pytest

from buildrunner.engine import secrets, sources
from buildrunner.engine.scan import Engine, scan
from buildrunner.errors import BrError
from tests.engine.scanhelp import pack_rules, project_of, scan_items, token


def _late_python_tree(repo, n_yaml: int = 230) -> None:
    """More YAML files than the pool's buffer holds, then Python: the buffer alone has no Python."""
    for i in range(n_yaml):
        repo.write(f"a_conf/c{i:03}.yaml", f"key_{i}: {i}\n")
    for i in range(5):
        repo.write(f"z_src/m{i}.py", f"V = {i}\n" + (f"API = '{token(i)}'\n" if i == 3 else ""))


def _own_rule(repo, **spec_changes):
    """The test pack's token rule with a regex no other test compiles (so `_PATTERNS` tells)."""
    [rule] = [r for r in pack_rules(project_of(repo.root)) if r.id == "testpack.token"]
    spec = {**rule.spec, "regex": "(?P<secret>brtest_[A-Za-z0-9]{20})(?#serial6-lazy)", **spec_changes}
    return dataclasses.replace(rule, spec=spec)


def test_every_language_of_the_file_list_is_prepared_before_the_fork(repo, monkeypatch):
    _late_python_tree(repo)
    prepared: list = []
    real = Engine.prepare
    monkeypatch.setattr(Engine, "prepare", lambda self, languages: prepared.append(set(languages))
                        or real(self, languages))
    result = scan_items(repo.root, list(sources.files(project_of(repo.root))), jobs=2)
    assert prepared and "python" in prepared[0]
    assert [f.path for f in result.findings] == ["z_src/m3.py"]


def test_one_secret_matcher_serves_every_language(repo):
    rules = pack_rules(project_of(repo.root))
    engine = Engine(rules)
    assert engine.matcher("secret", "python") is not engine.matcher("secret", "javascript")  # pykey: Python only
    plain = Engine([r for r in rules if not r.languages])
    shared = plain.matcher("secret", None)
    assert plain.matcher("secret", "python") is shared is plain.matcher("secret", "javascript")


def test_secret_regexes_are_compiled_by_the_worker_that_needs_them(repo, monkeypatch):
    _late_python_tree(repo)
    rule = _own_rule(repo)
    monkeypatch.delitem(secrets._PATTERNS, rule.spec["regex"], raising=False)
    items = list(sources.files(project_of(repo.root)))
    result = scan(project_of(repo.root), items, [rule], jobs=2)
    assert [(f.path, f.line) for f in result.findings] == [("z_src/m3.py", 2)]
    assert rule.spec["regex"] not in secrets._PATTERNS  # the parent compiled nothing

    serial = scan(project_of(repo.root), items, [rule], jobs=1)
    assert [(f.path, f.line) for f in serial.findings] == [("z_src/m3.py", 2)]
    compiled = secrets._PATTERNS[rule.spec["regex"]]
    again = secrets.SecretMatcher([rule])  # another matcher (the masker's, a second scan): no new compile
    assert again.rules[0].regex is compiled


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_regex_that_only_fails_when_compiled_ends_the_scan_with_exit_2(repo, jobs):
    """The pack loader only parses a regex; a pattern the compiler rejects (here from a tampered
    rule) stops the scan with exit 2 naming the rule, from a worker as from the parent."""
    _late_python_tree(repo)
    rule = _own_rule(repo, regex="(?P<secret>brtest_[A-Z")
    items = list(sources.files(project_of(repo.root)))
    with pytest.raises(BrError) as caught:
        scan(project_of(repo.root), items, [rule], jobs=jobs)
    assert caught.value.exit_code == 2
    assert "rule 'testpack.token'" in str(caught.value) and "regex does not compile" in str(caught.value)
    assert "matcher failed" not in str(caught.value)



def test_a_known_file_list_is_scanned_biggest_estimated_cost_first(repo, monkeypatch):
    """Workers take the costly files first and end on small ones; parsed code weighs more per byte."""
    from buildrunner.engine import scan as scan_mod

    repo.write("docs/big.md", "word " * 3000)  # 15 KB, read by the secret rules only
    repo.write("src/mid.py", "x = 1\n" * 500)  # 3 KB of code: 8 x 3 KB outweighs 15 KB of text
    repo.write("src/small.py", "y = 2\n")
    repo.write("notes.txt", "n\n")
    items = list(sources.files(project_of(repo.root)))
    ordered, languages = scan_mod._largest_first(items, code_rules=True)
    order = [i.path for i in ordered]
    assert languages == {"python", None}
    assert order[:3] == ["src/mid.py", "docs/big.md", "src/small.py"]
    assert sorted(order) == sorted(i.path for i in items)
    assert [i.path for i in scan_mod._largest_first(items, code_rules=False)[0]][:2] == ["docs/big.md", "src/mid.py"]

    _late_python_tree(repo)
    submitted: list = []
    real = scan_mod._scan_parallel
    monkeypatch.setattr(scan_mod, "_scan_parallel", lambda items, *a, **k: submitted.append(list(items))
                        or real(submitted[-1], *a, **k))
    result = scan_items(repo.root, list(sources.files(project_of(repo.root))), jobs=2)
    assert submitted[0][0].path == "docs/big.md"  # the test pack has no code rules: size alone
    assert [f.path for f in result.findings] == ["z_src/m3.py"]


class FreezeReporter:
    """A matcher that reports, for each document, how many objects the collector holds frozen."""

    def __init__(self, rules, *, salt=""):
        self.rule = rules[0]

    def scan(self, doc):
        import gc

        from buildrunner.engine.model import Finding

        return [Finding(rule_id=self.rule.id, severity=self.rule.severity, message=str(gc.get_freeze_count()),
                        path=doc.path, line=1, kind="freeze")]


def test_workers_start_with_the_parents_heap_frozen_and_the_parent_thaws_after(repo, monkeypatch):
    import gc

    from buildrunner.engine import kinds
    from buildrunner.engine.model import Rule, Severity

    monkeypatch.setitem(kinds.KINDS, "freeze", kinds.Kind("freeze", "x:y", f"{__name__}:FreezeReporter"))
    rule = Rule(id="test.freeze", kind="freeze", name="freeze", severity=Severity.LOW, message="m")
    _late_python_tree(repo)
    result = scan(project_of(repo.root), list(sources.files(project_of(repo.root))), [rule], jobs=2)
    assert len(result.findings) == result.files_scanned > 200
    assert min(int(f.message) for f in result.findings) > 10_000  # the parent's objects, frozen
    assert gc.get_freeze_count() == 0


def _refs(sizes, suffix=".md"):
    return [sources.FileRef(f"f{i:04}{suffix}", f"/nowhere/f{i:04}{suffix}", size) for i, size in enumerate(sizes)]


def test_a_known_list_goes_out_in_shrinking_guided_chunks():
    """Big chunks first, a share of what is left each time, small ones at the end: few round trips
    through the pool, and no worker left alone with a big last chunk."""
    from buildrunner.engine import scan as scan_mod

    items = _refs(sorted((1000 + 997 * i % 400_000 for i in range(1500)), reverse=True))
    chunks = list(scan_mod._guided_chunks(items, jobs=2, code_rules=True))
    assert [i for c in chunks for i in c] == items  # every item once, in order
    cost = [sum(i.size + scan_mod.FILE_COST for i in c) for c in chunks]
    total, one = sum(cost), 400_000 + scan_mod.FILE_COST  # one: the biggest item's cost
    assert total / 8 <= cost[0] < total / 8 + one  # 1 / (GUIDED_SHARES x jobs) of everything
    assert all(later <= earlier + one for earlier, later in zip(cost, cost[1:], strict=False))
    assert max(cost[-3:]) < scan_mod.GUIDED_MIN_COST + one
    # a chunk leaves the others at least 7 times its own estimated cost, or is a minimum one
    left = total
    for c in cost:
        assert c < max(scan_mod.GUIDED_MIN_COST, left / 8) + one
        left -= c
    fixed = list(scan_mod._chunks(iter(items), scan_mod.CHUNK_BYTES))
    assert len(chunks) < len(fixed) / 2


def test_guided_chunks_weigh_code_and_count_every_file():
    from buildrunner.engine import scan as scan_mod

    code = _refs([10_000] * 4, ".py")
    text = _refs([10_000] * 4, ".md")
    weighed = list(scan_mod._guided_chunks(code + text, jobs=1, code_rules=True))
    plain = list(scan_mod._guided_chunks(code + text, jobs=1, code_rules=False))
    assert [len(c) for c in weighed] != [len(c) for c in plain]
    tiny = _refs([1] * 2000)  # a thousand empty files are not one free chunk
    assert len(list(scan_mod._guided_chunks(tiny, jobs=2, code_rules=True))) > 8


def test_a_full_scan_submits_guided_chunks_and_a_stream_fixed_ones(repo, monkeypatch):
    from buildrunner.engine import scan as scan_mod

    _late_python_tree(repo, n_yaml=600)
    sizes: list[int] = []
    real_guided = scan_mod._guided_chunks
    monkeypatch.setattr(scan_mod, "_guided_chunks",
                        lambda items, jobs, code_rules: (sizes.append(len(c)) or c
                                                         for c in real_guided(items, jobs, code_rules)))
    result = scan_items(repo.root, list(sources.files(project_of(repo.root))), jobs=2)
    assert [f.path for f in result.findings] == ["z_src/m3.py"]
    assert sum(sizes) == result.files_scanned + len(result.skipped) and sizes[0] > sizes[-1]
    sizes.clear()
    streamed = scan_items(repo.root, iter(list(sources.files(project_of(repo.root)))), jobs=2)
    assert sizes == [] and [f.path for f in streamed.findings] == ["z_src/m3.py"]
