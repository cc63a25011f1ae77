"""The labelled set (bench/sqli-labelled) and its scorer: annotations parse, every class has both
sides, and the packs keep their measured precision/recall (a regression fails here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _scorer():
    spec = importlib.util.spec_from_file_location("accuracy_sqli", ROOT / "bench" / "accuracy_sqli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_annotations_label_the_next_code_line():
    acc = _scorer()
    text = "x = 1\n# ruleid: a.b\n\n# a comment\ncur.execute(q)\n// ok: c.d\nfoo()\n"
    assert acc.labels(text) == {5: ("ruleid", "a.b"), 7: ("ok", "c.d")}


def test_every_class_has_vulnerable_and_safe_cases():
    acc = _scorer()
    for part in (ROOT / "bench" / "sqli-labelled").iterdir():
        for path in part.iterdir():  # a file, or a directory holding a small project
            files = [path] if path.is_file() else [p for p in path.rglob("*.*") if p.suffix in acc.LANGUAGE]
            kinds = {kind for f in files for kind, _ in acc.labels(f.read_text()).values()}
            assert kinds == {"ruleid", "ok"}, path


def test_precision_and_recall_floors(capsys):
    acc = _scorer()
    import sys

    argv, sys.argv = sys.argv, ["accuracy_sqli.py", "--json"]
    try:
        acc.main()
    finally:
        sys.argv = argv
    import json

    report = json.loads(capsys.readouterr().out)
    for part in ("tune", "heldout"):
        t = report[part]["total"]
        precision, recall = t["tp"] / (t["tp"] + t["fp"]), t["tp"] / (t["tp"] + t["fn"])
        assert precision >= 0.95 and recall >= 0.9, (part, t)
