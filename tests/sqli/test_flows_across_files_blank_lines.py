"""Cross-file flows through modules whose text starts with blank lines.

tree-sitter's module node starts after leading blank lines, so the module node's text is not indexed
by the tree's byte offsets. A byte search over it (`imports._may_bind`, "could this function rebind
an imported name?") looked at a window shifted by the blank lines and missed a function's own
binding of a name the module imports: the import was followed instead of the local definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import src

DBAPI = "python.sql-injection.dbapi-execute"
LEADS = {
    "none": "",
    "newlines": "\n" * 40,
    "crlf": "\r\n" * 40,
    "spaces-and-tabs": "   \n\t\n" * 20,
}


def scan_project(rules, root: Path, files: dict[str, str], scan: str = "app/views.py"):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    text = (root / scan).read_bytes().decode()
    return CodeMatcher(rules).scan(Document(scan, text, "python", root=str(root)))


FMT = src('''
    def render(u):
        return "SELECT * FROM users WHERE id = ?"
''')
# the helper's own `render` (a nested def) shadows the safe `render` its module imports
QUERIES = src('''
    from .fmt import render


    def build_query(uid):
        def render(u):
            return f"SELECT * FROM users WHERE id = '{u}'"
        return render(uid)
''')
VIEWS = src('''
    from .queries import build_query


    def find(cur, uid):
        cur.execute(build_query(uid))
''')


@pytest.mark.parametrize("lead", LEADS.values(), ids=LEADS.keys())
def test_a_helper_in_an_imported_module_starting_with_blank_lines_uses_its_own_binding(sqli_rules, tmp_path,
                                                                                       lead):
    findings = scan_project(sqli_rules, tmp_path, {"app/__init__.py": "", "app/fmt.py": FMT,
                                                   "app/queries.py": lead + QUERIES, "app/views.py": VIEWS})
    assert [(f.rule_id, f.line) for f in findings] == [(DBAPI, 5)]
    first = findings[0].trace[0]
    assert first.path == "app/queries.py"
    assert first.message == "`u` is interpolated into the SQL text"


# the scanned document shadows a dangerous imported helper with its own safe one
DANGEROUS = src('''
    def build_query(uid):
        return f"SELECT * FROM users WHERE id = '{uid}'"
''')
SHADOWING_VIEWS = src('''
    from .queries import build_query


    def find(cur, uid):
        def build_query(u):
            return "SELECT * FROM users WHERE id = ?"
        cur.execute(build_query(uid), (uid,))


    def unsafe(cur, uid):
        cur.execute(build_query(uid))
''')


@pytest.mark.parametrize("lead", LEADS.values(), ids=LEADS.keys())
def test_a_document_starting_with_blank_lines_keeps_its_local_helper_over_the_import(sqli_rules, tmp_path, lead):
    findings = scan_project(sqli_rules, tmp_path, {"app/__init__.py": "", "app/queries.py": DANGEROUS,
                                                   "app/views.py": lead + SHADOWING_VIEWS})
    offset = lead.count("\n")
    assert [(f.rule_id, f.line - offset) for f in findings] == [(DBAPI, 11)]
