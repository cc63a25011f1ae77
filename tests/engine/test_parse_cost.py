"""bench/parse_cost.py times tree-sitter on exactly what the code rules parse: the documents a scan
hands to the parser (not every code file), as the bytes `parsing.parse` gives it, and reports the
figures of each interpreter it is asked to compare."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SINK = 'import sqlite3\n\ndef find(cur, name):\n    cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")  # é\n'
NO_SINK = "def add(a, b):\n    return a + b\n"
CONSTANT = 'def ping(cur):\n    cur.execute("SELECT 1")\n'


def _script():
    spec = importlib.util.spec_from_file_location("parse_cost", ROOT / "bench" / "parse_cost.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "queries.py").write_text(SINK, encoding="utf-8")
    (root / "app" / "maths.py").write_text(NO_SINK, encoding="utf-8")
    (root / "app" / "health.py").write_text(CONSTANT, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def test_only_the_documents_the_code_rules_parse_are_timed(tmp_path, monkeypatch):
    monkeypatch.setenv("BR_TELEMETRY", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    documents = _script().parsed_documents(_project(tmp_path))
    # no sink call, and a sink called with a constant literal only: neither reaches tree-sitter
    assert [(Path(path).name, language) for path, language, _ in documents] == [("queries.py", "python")]
    assert documents[0][2] == SINK.encode("utf-8")  # the bytes the parser gets, non-ASCII included


def test_each_interpreter_reports_its_versions_and_figures(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BR_TELEMETRY", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _project(tmp_path)
    assert _script().main(["--tree", str(root), "--runs", "1", "--rounds", "2", "--json",
                           "--python", sys.executable]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["results"]) == [sys.executable]  # the same interpreter twice is one row
    result = report["results"][sys.executable]
    assert result["versions"]["tree-sitter"] == importlib.metadata.version("tree-sitter")
    assert result["versions"]["tree-sitter-python"] == importlib.metadata.version("tree-sitter-python")
    row = result["languages"]["python"]
    assert row["files"] == 1 and row["bytes"] == len(SINK.encode("utf-8"))
    assert row["parse"] > 0 and row["free"] >= 0


def test_an_interpreter_without_tree_sitter_is_named_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("BR_TELEMETRY", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bare = tmp_path / "bare-python"
    bare.write_text(f"#!/bin/sh\nexec {sys.executable} -I -S \"$@\"\n")
    bare.chmod(0o755)
    root = _project(tmp_path)
    try:
        _script().main(["--tree", str(root), "--runs", "1", "--rounds", "1", "--python", str(bare)])
    except SystemExit as stop:
        assert str(bare) in str(stop) and "tree_sitter" in str(stop)
    else:
        raise AssertionError("an interpreter that cannot import tree_sitter must stop the comparison")
