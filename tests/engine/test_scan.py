"""The scan pipeline: language routing, fingerprints, parallel workers, crashes."""

from __future__ import annotations

import os

import pytest

from buildrunner.engine import kinds, sources
from buildrunner.engine import scan as scan_mod
from buildrunner.engine.model import Document, Finding, Rule, Severity
from buildrunner.errors import BrError
from tests.engine.scanhelp import project_of, scan_items, token


def _tree(repo, n: int) -> None:
    for i in range(n):
        lines = [f"value_{j} = {i * j}\n" for j in range(40)]
        if i % 7 == 0:
            lines.insert(i % 30, f"API = '{token(i)}'\n")
        if i % 11 == 0:
            lines.insert(3, f"DUP = '{token('dup')}'\n")  # the same value in many files
        ext = (".py", ".js", ".ts", ".yaml")[i % 4]
        repo.write(f"pkg{i % 9}/mod_{i}{ext}", "".join(lines))


def _key(f: Finding):
    return (f.path, f.line, f.column, f.rule_id, f.fingerprint, f.snippet, f.value_hash)


def test_parallel_scan_equals_serial_scan(repo, monkeypatch):
    _tree(repo, 300)
    items = list(sources.files(project_of(repo.root)))
    pools = []
    real = scan_mod._scan_parallel
    monkeypatch.setattr(scan_mod, "_scan_parallel", lambda *a, **k: pools.append(a[4]) or real(*a, **k))
    serial = scan_items(repo.root, items, jobs=1)
    assert pools == []
    parallel = scan_items(repo.root, items, jobs=2)
    assert pools == [2]  # really went through a 2-process pool
    assert len(serial.findings) > 40
    assert [_key(f) for f in serial.findings] == [_key(f) for f in parallel.findings]
    assert serial.files_scanned == parallel.files_scanned == 300


def test_findings_are_sorted_by_severity_then_place(repo):
    repo.write("b.py", f"K = 'brpy_{'Q8x2Lm4Pz7Rt1Vb6'}'\nT = '{token(1)}'\n")
    repo.write("a.py", f"\n\nK = 'brpy_{'Zt5Hq2Wn8Ye3Rm4D'}'\n")
    result = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    assert [(f.severity, f.path, f.line) for f in result.findings] == [
        (Severity.HIGH, "b.py", 2), (Severity.MEDIUM, "a.py", 3), (Severity.MEDIUM, "b.py", 1)]


def test_rule_languages_route_documents(repo):
    repo.write("k.py", "K = 'brpy_Q8x2Lm4Pz7Rt1Vb6'\n")
    repo.write("k.js", "const K = 'brpy_Q8x2Lm4Pz7Rt1Vb6';\n")
    result = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    assert [f.path for f in result.findings] == ["k.py"]


def test_fingerprints_are_content_based_and_stable(repo):
    repo.write("c.py", f"A = 1\nK = '{token(1)}'\nK2 = '{token(1)}'\n")
    first = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    repo.write("c.py", f"# moved down\n\n\nA = 1\nK = '{token(1)}'\nK2 = '{token(1)}'\n")
    moved = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in moved.findings]
    assert len({f.fingerprint for f in first.findings}) == 2  # same value twice: distinct occurrences
    assert [f.line for f in moved.findings] == [5, 6]


def test_same_fingerprint_in_staged_and_full_scan(repo):
    repo.write("c.py", f"K = '{token(1)}'\n")
    repo.add()
    staged = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    full = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    assert staged.findings[0].fingerprint == full.findings[0].fingerprint


def test_salt_changes_fingerprints(repo):
    repo.write("c.py", f"K = '{token(1)}'\n")
    before = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    repo.write(".buildrunner/config.yaml", "security:\n  fingerprint_salt: s3cr3t-salt\n")
    after = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    assert before.findings[0].fingerprint != after.findings[0].fingerprint
    assert before.findings[0].value_hash != after.findings[0].value_hash


# ---------------------------------------------------------------------------------------------
# Broken matchers and workers


class Crasher:
    """A matcher whose worker process dies (like an OOM kill) on a marked file."""

    def __init__(self, rules, *, salt=""):
        pass

    def scan(self, doc: Document):
        if "CRASH" in doc.text:
            os._exit(17)
        if "RAISE" in doc.text:
            raise ValueError("matcher bug")
        return []


def _crash_rules():
    return [Rule(id="test.crash", kind="crash", name="crash", severity=Severity.LOW, message="m")]


@pytest.fixture
def crash_kind(monkeypatch):
    monkeypatch.setitem(kinds.KINDS, "crash", kinds.Kind("crash", "x:y", f"{__name__}:Crasher"))


def test_killed_worker_is_an_error_not_a_hang(repo, crash_kind):
    from buildrunner.engine.scan import scan

    for i in range(250):
        repo.write(f"f{i}.py", "x = 1\n" if i != 123 else "CRASH\n")
    items = list(sources.files(project_of(repo.root)))
    with pytest.raises(BrError, match="worker process died"):
        scan(project_of(repo.root), items, _crash_rules(), jobs=2)


def test_matcher_exception_names_the_file(repo, crash_kind):
    from buildrunner.engine.scan import scan

    repo.write("bad.py", "RAISE\n")
    with pytest.raises(BrError, match="bad.py: the crash matcher failed"):
        scan(project_of(repo.root), list(sources.files(project_of(repo.root))), _crash_rules(), jobs=1)
    for i in range(250):
        repo.write(f"f{i}.py", "x = 1\n")
    with pytest.raises(BrError, match="bad.py: the crash matcher failed"):
        scan(project_of(repo.root), list(sources.files(project_of(repo.root))), _crash_rules(), jobs=2)


@pytest.mark.parametrize("jobs", [1, 2])
def test_missing_matcher_module_is_an_error_not_a_skipped_kind(repo, monkeypatch, jobs):
    from buildrunner.engine.scan import scan

    monkeypatch.setitem(kinds.KINDS, "crash", kinds.Kind("crash", "x:y", "buildrunner.engine.no_such_module:X"))
    for i in range(250 if jobs > 1 else 1):
        repo.write(f"a{i}.py", "CRASH\n")
    with pytest.raises(kinds.KindUnavailable, match="rule kind 'crash': cannot import buildrunner.engine.no_such_module"):
        scan(project_of(repo.root), list(sources.files(project_of(repo.root))), _crash_rules(), jobs=jobs)


def test_jobs_resolution():
    assert scan_mod.resolve_jobs(3, None) == 3
    assert scan_mod.resolve_jobs(0, None) >= 1


def test_history_documents_go_through_the_pool_too(repo, monkeypatch):
    for i in range(230):
        repo.write(f"h/f{i}.py", f"v = {i}\n" + (f"K = '{token(i)}'\n" if i % 40 == 0 else ""))
    repo.add()
    sha = repo.commit("many files")
    pools = []
    real = scan_mod._scan_parallel
    monkeypatch.setattr(scan_mod, "_scan_parallel", lambda *a, **k: pools.append(a[4]) or real(*a, **k))
    serial = scan_items(repo.root, sources.history(project_of(repo.root)), jobs=1, mode="history")
    parallel = scan_items(repo.root, sources.history(project_of(repo.root)), jobs=2, mode="history")
    assert pools == [2]
    assert [_key(f) for f in serial.findings] == [_key(f) for f in parallel.findings]
    assert len(parallel.findings) == 6 and {f.origin.commit for f in parallel.findings} == {sha}
