"""`sink.imports` (`select` is Pony's query function only where Pony is imported): the line-anchored
import regex runs only on documents that write one of the module names at all."""

from __future__ import annotations

import re

from buildrunner.engine.code import _Scan, compile_spec
from buildrunner.engine.model import Document


class Recording:
    def __init__(self, pattern: re.Pattern):
        self.pattern, self.searched = pattern, 0

    def search(self, text):
        self.searched += 1
        return self.pattern.search(text)


def _bare(text: str) -> _Scan:
    scan = _Scan.__new__(_Scan)
    scan.doc, scan._imported = Document(path="m.py", text=text), {}
    return scan


def test_the_regex_runs_only_where_a_module_name_is_written():
    spec = compile_spec({"sink": {"call": {"function": ["select"]}, "imports": ["pony"]}}, "x.y")
    assert spec["import_names"] == ("pony",)
    cases = [("from pony.orm import select\nselect(q)\n", True, 1),
             ("  import pony\n", True, 1),
             ("x = 'pony'  # import pony later\n", False, 1),  # the name is written: the regex decides
             ("from sqlalchemy import select\nselect(q)\n", False, 0)]  # no `pony`: no regex at all
    for text, expected, searched in cases:
        rec = Recording(spec["imports"])
        assert _bare(text)._imports(rec, spec["import_names"]) is expected
        assert rec.searched == searched, text
    rec = Recording(spec["imports"])  # a spec from before `import_names`: the regex alone
    assert _bare("from sqlalchemy import select\n")._imports(rec) is False and rec.searched == 1
