"""Sources: work-tree files, the git index (staged) and git history, against real git repos."""

from __future__ import annotations

import os
import subprocess

import pytest

from buildrunner.engine import sources
from buildrunner.engine.model import Document, Skipped
from buildrunner.engine.sources import FileRef
from buildrunner.errors import NotAGitRepository
from tests.engine.scanhelp import project_of, scan_items, token


def _listed(root, paths=None, config=None):
    items = list(sources.files(project_of(root), paths, config))
    refs = sorted(i.path for i in items if isinstance(i, FileRef))
    skipped = {i.path: i.reason for i in items if isinstance(i, Skipped)}
    return refs, skipped


def _staged(root):
    items = list(sources.staged(project_of(root)))
    docs = {i.path: i for i in items if isinstance(i, Document)}
    skipped = {i.path: i.reason for i in items if isinstance(i, Skipped)}
    return docs, skipped


# ---------------------------------------------------------------------------------------------
# Work tree


def test_files_lists_tracked_and_untracked_but_not_ignored(repo):
    repo.write(".gitignore", "*.log\nbuild/\n")
    repo.write("app.py", "x = 1\n")
    repo.add()
    repo.commit("init")
    repo.write("new_untracked.py", "y = 2\n")
    repo.write("debug.log", f"t = '{token(1)}'\n")
    repo.write("build/out.js", "var a = 1;\n")
    refs, _ = _listed(repo.root)
    assert refs == [".gitignore", "app.py", "new_untracked.py"]


def test_files_explicit_paths_filtered_like_git(repo):
    repo.write(".gitignore", "*.log\n")
    repo.write("src/a.py", "a = 1\n")
    repo.write("src/b.log", "b\n")
    repo.write("other.py", "c = 1\n")
    refs, skipped = _listed(repo.root, [repo.root / "src"])
    assert refs == ["src/a.py"]
    # an ignored file named on the command line is scanned: `br security check .env` must not say "clean"
    refs, skipped = _listed(repo.root, [repo.root / "src" / "b.log"])
    assert refs == ["src/b.log"] and skipped == {}


def test_files_security_exclude_globs(repo):
    from buildrunner.config import load

    repo.write(".buildrunner/config.yaml", "security:\n  exclude: ['tests/fixtures', '*.min.js']\n")
    repo.write("tests/fixtures/keys.py", "k = 1\n")
    repo.write("web/app.min.js", "x\n")
    repo.write("web/app.js", "x\n")
    refs, _ = _listed(repo.root, config=load(project_of(repo.root)))
    assert "web/app.js" in refs
    assert not any(r.startswith("tests/fixtures") or r.endswith(".min.js") for r in refs)


def test_outside_git_walk_skips_vendored_dirs(tmp_path):
    root = tmp_path / "plain"
    for rel in ("main.py", "lib/util.js", "node_modules/pkg/index.js", ".venv/lib/site.py",
                "myenv/pyvenv.cfg", "myenv/lib/x.py", "__pycache__/m.pyc", "dist/bundle.js"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    refs, _ = _listed(root)
    assert refs == ["lib/util.js", "main.py"]


def test_outside_git_scan_finds_secret_but_not_in_node_modules(tmp_path):
    from tests.engine.scanhelp import install_pack

    root = tmp_path / "plain"
    install_pack(root)
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "node_modules" / "dep" / "index.js").write_text(f"var t = '{token(1)}';\n")
    (root / "app.js").write_text(f"\nvar t = '{token(2)}';\n")
    result = scan_items(root, list(sources.files(project_of(root))))
    assert [(f.path, f.line) for f in result.findings] == [("app.js", 2)]


def test_bad_inputs_are_skipped_and_counted(repo, tmp_path):
    from buildrunner.config import load

    repo.write(".buildrunner/config.yaml", "security:\n  max_file_size: 1000\n")
    repo.write("ok.py", f"t = '{token(1)}'\n")
    repo.write("nul.dat", b"abc\x00" + token(2).encode())
    repo.write("logo.png", b"\x89PNG....")
    repo.write("huge.txt", f"t = '{token(3)}'\n" + "x" * 5000)
    repo.write("latin1.py", f"# caf\xe9\nt = '{token(4)}'\n".encode("latin-1"))
    os.symlink("does-not-exist.py", repo.root / "dangling.py")
    os.mkfifo(repo.root / "pipe.txt")
    # a nested repository added as a submodule-like gitlink: listed by git, but a directory
    sub = repo.root / "sub"
    sub.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=sub, check=True)
    (sub / "f.txt").write_text("f\n")
    subprocess.run(["git", "add", "."], cwd=sub, check=True)
    subprocess.run(["git", "commit", "-qm", "s"], cwd=sub, check=True)
    repo.git("add", "sub")
    config = load(project_of(repo.root))
    items = list(sources.files(project_of(repo.root), None, config))
    items += list(sources.files(project_of(repo.root), [repo.root / "pipe.txt"], config))  # git lists no FIFO
    result = scan_items(repo.root, items)
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["nul.dat"] == "binary"
    assert reasons["logo.png"] == "binary"
    assert reasons["huge.txt"] == "too-large"
    assert "latin1.py" not in reasons  # scanned: a latin-1 byte must not hide the token next to it
    assert reasons["dangling.py"] == "broken-symlink"
    assert reasons["pipe.txt"] == "unreadable"
    assert reasons["sub"] == "directory"
    assert sorted((f.path, f.line) for f in result.findings) == [("latin1.py", 2), ("ok.py", 1)]
    assert result.skipped_counts()["binary"] == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_is_skipped(repo):
    path = repo.write("secret.py", "x = 1\n")
    path.chmod(0)
    try:
        result = scan_items(repo.root, list(sources.files(project_of(repo.root))))
    finally:
        path.chmod(0o644)
    assert {s.path: s.reason for s in result.skipped}["secret.py"] == "unreadable"


def test_file_disappearing_between_listing_and_reading(tmp_path):
    ref = FileRef("gone.py", str(tmp_path / "gone.py"), 10)
    assert ref.load().reason == "unreadable"


# ---------------------------------------------------------------------------------------------
# Staged


def test_partial_staging_scans_the_index_not_the_work_tree(repo):
    repo.write("a.py", "import os\n")
    repo.write("b.py", "import os\n")
    repo.add()
    repo.commit("init")
    # a.py: secret staged, then removed from the work tree → still reported
    repo.write("a.py", f"import os\nT = '{token(1)}'\n")
    repo.add("a.py")
    repo.write("a.py", "import os\n")
    # b.py: clean change staged, secret only in the work tree → not reported
    repo.write("b.py", "import os\nimport sys\n")
    repo.add("b.py")
    repo.write("b.py", f"import os\nimport sys\nT = '{token(2)}'\n")
    docs, _ = _staged(repo.root)
    assert docs["a.py"].text == f"import os\nT = '{token(1)}'\n"
    assert docs["a.py"].changed_lines == {2}
    assert token(2) not in docs["b.py"].text
    result = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    assert [(f.path, f.line) for f in result.findings] == [("a.py", 2)]


def test_changed_lines_filter_reports_only_new_lines(repo):
    repo.write("conf.py", f"A = 1\nOLD = '{token('old')}'\nB = 2\n")
    repo.add()
    repo.commit("init")
    repo.write("conf.py", f"A = 1\nOLD = '{token('old')}'\nB = 2\n\nNEW = '{token('new')}'\n")
    repo.add()
    docs, _ = _staged(repo.root)
    assert docs["conf.py"].changed_lines == {4, 5}
    assert "OLD" in docs["conf.py"].text  # whole staged file, for context
    result = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    assert [(f.path, f.line) for f in result.findings] == [("conf.py", 5)]


def test_staged_rename_reports_at_new_path(repo):
    body = "".join(f"def f{i}():\n    return {i}\n" for i in range(10))
    repo.write("old_name.py", body)
    repo.write("moved.py", f"KEY = '{token('committed')}'\n" + "pad = 1\n" * 10)
    repo.add()
    repo.commit("init")
    repo.git("mv", "old_name.py", "new_name.py")
    repo.write("new_name.py", body + f"KEY = '{token(7)}'\n")
    repo.git("mv", "moved.py", "renamed.py")  # pure rename of a committed secret: nothing new
    repo.add()
    raw = repo.git("diff", "--cached", "--name-status", "-M")
    assert raw.count("R") >= 2
    docs, _ = _staged(repo.root)
    assert docs["new_name.py"].changed_lines == {21}
    result = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    assert [(f.path, f.line) for f in result.findings] == [("new_name.py", 21)]


def test_staged_deletion_produces_nothing(repo):
    repo.write("gone.py", f"K = '{token(1)}'\n")
    repo.add()
    repo.commit("init")
    repo.git("rm", "-q", "gone.py")
    docs, skipped = _staged(repo.root)
    assert docs == {} and skipped == {}


def test_staged_binary_blob_is_skipped_and_counted(repo):
    repo.write("blob.bin2", b"\x00\x01" + token(1).encode())
    repo.write("img.png", b"png")
    repo.add()
    result = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    assert result.findings == []
    assert result.skipped_counts() == {"binary": 2}


def test_staged_in_empty_repository(repo):
    repo.write("first.py", f"T = '{token(1)}'\n")
    repo.add()
    docs, _ = _staged(repo.root)
    assert docs["first.py"].changed_lines == {1}
    result = scan_items(repo.root, list(sources.staged(project_of(repo.root))), mode="staged")
    assert [f.line for f in result.findings] == [1]


def test_staged_invalid_utf8_and_too_large(repo):
    from buildrunner.config import load

    repo.write(".buildrunner/config.yaml", "security:\n  max_file_size: 100\n")
    repo.write("latin.py", f"x = 'caf\xe9'\nT = '{token(1)}'\n".encode("latin-1"))
    repo.write("big.py", "x = 1\n" * 100)
    repo.add("latin.py", "big.py")
    config = load(project_of(repo.root))
    items = list(sources.staged(project_of(repo.root), config))
    assert {i.path: i.reason for i in items if isinstance(i, Skipped)} == {"big.py": "too-large"}
    latin = next(i for i in items if getattr(i, "path", "") == "latin.py" and not isinstance(i, Skipped))
    assert latin.text.startswith("x = 'caf\ufffd'\n")
    # the hook's view: the token staged next to a latin-1 byte is reported
    result = scan_items(repo.root, iter(items), mode="staged")
    assert [(f.path, f.line) for f in result.findings] == [("latin.py", 2)]


def test_staged_odd_file_names_and_plus_lines(repo):
    name = "dir with space/caf\u00e9\tx.py"
    repo.write(name, f"a = 1\n++ not a header\nT = '{token(1)}'\n")
    repo.add()
    docs, _ = _staged(repo.root)
    assert docs[name].changed_lines == {1, 2, 3}


def test_staged_for_paths_reads_index_version(repo):
    repo.write("a.py", f"T = '{token(1)}'\n")
    repo.add()
    repo.write("a.py", "clean = True\n")  # work tree differs from the index
    repo.write("untracked.py", "u = 1\n")
    items = list(sources.staged_for_paths(project_of(repo.root), [str(repo.root / "a.py"),
                                                                  str(repo.root / "untracked.py")]))
    docs = {i.path: i for i in items if isinstance(i, Document)}
    assert token(1) in docs["a.py"].text and docs["a.py"].changed_lines is None
    assert docs["untracked.py"].text == "u = 1\n"


def test_not_a_git_repository(tmp_path):
    project = project_of(tmp_path)
    with pytest.raises(NotAGitRepository):
        list(sources.staged(project))
    with pytest.raises(NotAGitRepository):
        list(sources.history(project))


# ---------------------------------------------------------------------------------------------
# History


def test_history_finds_secret_added_then_removed(repo):
    repo.write("settings.py", "DEBUG = True\n")
    repo.add()
    c1 = repo.commit("init", date="2024-01-02T03:04:05+00:00")
    repo.write("settings.py", f"DEBUG = True\nNAME = 'x'\nAPI = '{token('hist')}'\n")
    repo.add()
    c2 = repo.commit("add key", date="2024-02-03T04:05:06+00:00")
    repo.write("settings.py", "DEBUG = True\nNAME = 'x'\n")
    repo.add()
    repo.commit("remove key", date="2024-03-04T05:06:07+00:00")
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    assert len(result.findings) == 1
    f = result.findings[0]
    assert (f.path, f.line, f.origin.kind, f.origin.commit) == ("settings.py", 3, "history", c2)
    assert f.origin.author_date == "2024-02-03T04:05:06+00:00"
    assert result.mode == "history"
    # --since: REV..HEAD excludes the commit that added it
    result = scan_items(repo.root, sources.history(project_of(repo.root), since=c2), mode="history")
    assert result.findings == []
    result = scan_items(repo.root, sources.history(project_of(repo.root), since=c1), mode="history")
    assert [f.origin.commit for f in result.findings] == [c2]


def test_history_line_numbers_across_hunks_and_renames(repo):
    body = "".join(f"line{i} = {i}\n" for i in range(1, 41))
    repo.write("a.py", body)
    repo.add()
    repo.commit("init")
    lines = body.splitlines(keepends=True)
    lines.insert(5, f"K1 = '{token(1)}'\n")  # new line 6
    lines.insert(30, f"K2 = '{token(2)}'\n")  # new line 31
    repo.write("a.py", "".join(lines))
    repo.add()
    c2 = repo.commit("two keys")
    repo.git("mv", "a.py", "b.py")
    with open(repo.root / "b.py", "a") as fh:
        fh.write(f"K3 = '{token(3)}'\n")
    repo.add()
    c3 = repo.commit("rename + key")
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    got = sorted((f.path, f.line, f.origin.commit) for f in result.findings)
    assert got == [("a.py", 6, c2), ("a.py", 31, c2), ("b.py", 43, c3)]
    # the reported line is the line in that commit's version of the file
    blob = repo.git("show", f"{c3}:b.py").splitlines()
    assert token(3) in blob[42]


def test_history_binary_and_non_utf8_patches(repo):
    repo.write("img.bin2", b"\x00\x01\x02")
    repo.write("latin.py", f"# caf\xe9\nT = '{token(1)}'\n".encode("latin-1"))
    repo.add()
    repo.commit("mixed")
    items = list(sources.history(project_of(repo.root)))
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [s.reason for s in skipped] == ["binary"] and skipped[0].path.startswith("img.bin2@")
    result = scan_items(repo.root, iter(items), mode="history")
    assert [(f.path, f.line) for f in result.findings] == [("latin.py", 2)]


def test_history_of_repo_without_commits_is_empty(repo):
    assert list(sources.history(project_of(repo.root))) == []


def test_history_merge_branches_are_walked(repo):
    repo.write("a.py", "a = 1\n")
    repo.add()
    repo.commit("init")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("f.py", f"T = '{token('branch')}'\n")
    repo.add()
    feature = repo.commit("feature key")
    repo.write("f.py", "T = None\n")
    repo.add()
    repo.commit("feature removes key")
    repo.git("checkout", "-q", "main")
    repo.write("m.py", "m = 1\n")
    repo.add()
    repo.commit("main work")
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "feature")
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    assert [(f.path, f.origin.commit) for f in result.findings] == [("f.py", feature)]


def test_git_path_unquoting():
    from buildrunner.engine.gitio import header_path, unquote_c

    assert unquote_c(b'"a\\tb\\303\\251\\"q"') == 'a\tbé"q'.encode()
    assert header_path(b'+++ "b/caf\\303\\251.py"\n') == "café.py"
    assert header_path(b"+++ b/dir with space/x.py\t\n") == "dir with space/x.py"
    assert header_path(b"--- /dev/null\n") is None


def test_history_honours_inline_ignores(repo):
    repo.write("a.py", "".join(f"v{i} = {i}\n" for i in range(20)))
    repo.add()
    repo.commit("init")
    text = (repo.root / "a.py").read_text().splitlines(keepends=True)
    text[10:10] = ["# br: ignore[testpack.token]\n", f"K = '{token(1)}'\n", f"J = '{token(2)}'\n"]
    repo.write("a.py", "".join(text))
    repo.add()
    repo.commit("keys")
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    assert [f.line for f in result.findings] == [13]
    assert [(s.how, s.finding.line) for s in result.suppressed] == [("inline", 12)]


def test_history_finds_secret_introduced_by_a_merge_resolution(repo):
    repo.write("a.py", "a = 1\nb = 2\n")
    repo.add()
    repo.commit("init")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("a.py", "a = 10\nb = 2\nfeat = 1\n")
    repo.add()
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("a.py", "a = 20\nb = 2\n")
    repo.add()
    repo.commit("main")
    repo.git("merge", "-q", "feature", check=False)  # conflict on line 1
    repo.write("a.py", f"a = 30\nKEY = '{token('evil')}'\nb = 2\nfeat = 1\n")
    repo.add()
    merge = repo.commit("merge, resolving the conflict with a key")
    assert len(repo.git("rev-list", "--parents", "-n", "1", merge).split()) == 3
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    assert [(f.path, f.line, f.origin.commit) for f in result.findings] == [("a.py", 2, merge)]


def test_history_no_newline_marker_does_not_shift_lines(repo):
    repo.write("a.txt", "one")
    repo.add()
    repo.commit("init")
    repo.write("a.txt", f"one\ntwo\nK = '{token(1)}'")
    repo.add()
    repo.commit("more")
    result = scan_items(repo.root, sources.history(project_of(repo.root)), mode="history")
    assert [f.line for f in result.findings] == [3]


def test_untracked_vendored_dirs_are_left_out_but_tracked_files_are_scanned(repo):
    repo.write("vendor/lib.py", "tracked = 1\n")
    repo.add()
    repo.commit("vendored code committed on purpose")
    repo.write("node_modules/dep/index.js", "x\n")  # no .gitignore entry
    repo.write("myvenv/pyvenv.cfg", "home = /usr\n")
    repo.write("myvenv/lib/site.py", "x\n")
    repo.write("pyvenv.cfg.py", "not a venv marker\n")
    repo.write("src/app.py", "x\n")
    refs, _ = _listed(repo.root)
    assert refs == ["pyvenv.cfg.py", "src/app.py", "vendor/lib.py"]


def test_explicit_untracked_vendored_file_is_scanned(repo):
    repo.write("node_modules/dep/index.js", "x\n")
    refs, skipped = _listed(repo.root, [repo.root / "node_modules" / "dep" / "index.js"])
    assert refs == ["node_modules/dep/index.js"] and skipped == {}
    refs, _ = _listed(repo.root, [repo.root / "node_modules"])
    assert refs == ["node_modules/dep/index.js"]


def test_brs_own_local_state_is_not_scanned_even_before_init(repo):
    """Before `br init` nothing git-ignores .buildrunner/telemetry/ etc.: br must not scan (and
    report on) the files it wrote itself, while a user's own file under .buildrunner/ is scanned."""
    for rel in (".buildrunner/telemetry/events.jsonl", ".buildrunner/state/last_scan.json",
                ".buildrunner/usage/u.jsonl", ".buildrunner/rules/mine.yaml"):
        repo.write(rel, f"t = '{token(1)}'\n")
    repo.write(".buildrunner/notes.txt", f"t = '{token(2)}'\n")
    items = list(sources.files(project_of(repo.root), None, None))
    paths = sorted(getattr(i, "path", "") for i in items)
    assert [p for p in paths if p.startswith(".buildrunner/")] == [".buildrunner/notes.txt"]


@pytest.mark.parametrize("content, expected", [
    (b"a = 1\n", "a = 1\n"),  # as listed
    (b"a = 1\n" * 15, "a = 1\n" * 15),  # grew since the listing: read on
    (b"", ""),  # emptied
    (b"a" * 99, "a" * 99),  # grew to the limit exactly
    (b"a" * 101, None),  # grew past it: too large, as before
])
def test_a_file_is_read_whole_whatever_its_size_did_since_the_listing(tmp_path, content, expected):
    """The read buffer fits the listed size; the result is what reading up to the limit gives."""
    path = tmp_path / "f.py"
    path.write_bytes(b"x = 22\n")
    ref = sources.FileRef("f.py", str(path), path.stat().st_size)
    path.write_bytes(content)
    doc = ref.load(max_size=99)
    if expected is None:
        assert isinstance(doc, Skipped) and doc.reason == "too-large"
    else:
        assert doc.text == expected
    assert sources.FileRef("f.py", str(path), 0).load(max_size=99).__class__ is doc.__class__  # size unknown
