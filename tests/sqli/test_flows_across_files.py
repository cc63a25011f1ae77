"""SQL built in one module of the project and executed in another: imported helpers, imported
templates, module attributes, `__init__` re-exports, base classes; the trace names the other file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import src

DBAPI = "python.sql-injection.dbapi-execute"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src(text))


@pytest.fixture
def project(tmp_path, sqli_rules):
    """project(files, scan="app/views.py") → findings of that file, scanned with tmp_path as the
    project root (the other files are only there to be imported)."""

    def run(files: dict[str, str], scan: str = "app/views.py", matcher=None):
        write(tmp_path, files)
        m = matcher or CodeMatcher(sqli_rules)
        text = (tmp_path / scan).read_text()
        return m.scan(Document(scan, text, "python", root=str(tmp_path)))

    return run


PACKAGE = {
    "app/__init__.py": "",
    "app/sql.py": '''
        USER_Q = "SELECT * FROM users WHERE name = '%s'"
        SAFE_Q = "SELECT * FROM users WHERE name = %s"
        COUNT = "SELECT count(*) FROM {table}"
    ''',
    "app/queries.py": '''
        def build_query(uid):
            return f"SELECT * FROM users WHERE id = '{uid}'"


        def by_id():
            return "SELECT * FROM users WHERE id = ?"


        def page(limit: int):
            return "SELECT * FROM users LIMIT %d" % limit
    ''',
}


def lines(findings):
    return [f.line for f in findings if f.rule_id == DBAPI]


def test_helper_imported_from_another_module_returns_sql_built_from_its_argument(project):
    findings = project({**PACKAGE, "app/views.py": '''
        from .queries import build_query, by_id, page


        def find(cur, uid):
            cur.execute(build_query(uid))


        def constant(cur):
            cur.execute(build_query("admin"))


        def safe(cur, uid, n):
            cur.execute(by_id(), (uid,))
            cur.execute(page(n))
    '''})
    assert lines(findings) == [5]
    trace = findings[0].trace
    assert (trace[0].path, trace[0].line) == ("app/queries.py", 2)  # the step in the other file
    assert trace[0].message == "`uid` is interpolated into the SQL text"
    assert [(t.path, t.line) for t in trace[1:]] == [("", 5), ("", 5)]
    assert "(in app/queries.py) returns SQL text" in trace[1].message


def test_imported_template_keeps_its_text_and_the_values_formatted_into_it(project):
    findings = project({**PACKAGE, "app/views.py": '''
        from .sql import COUNT, SAFE_Q, USER_Q


        def by_name(cur, name):
            cur.execute(USER_Q % name)


        def count(cur, table):
            cur.execute(COUNT.format(table=table))


        def safe(cur, name):
            cur.execute(SAFE_Q, (name,))
            cur.execute(COUNT.format(table="users"))
    '''})
    assert lines(findings) == [5, 9]
    first = findings[0].trace
    assert (first[0].path, first[0].line, first[0].message) == ("app/sql.py", 1, "`USER_Q` is the SQL text defined here")
    assert first[1].message == "`name` is formatted into the SQL text"


def test_without_a_project_root_an_imported_template_stays_opaque(sqli_rules, tmp_path):
    write(tmp_path, PACKAGE)
    text = src('''
        from .sql import USER_Q


        def by_name(cur, name):
            cur.execute(USER_Q % name)
    ''')
    assert CodeMatcher(sqli_rules).scan(Document("app/views.py", text, "python")) == []


def test_module_attributes_absolute_imports_and_reexports(project):
    findings = project({**PACKAGE,
                        "app/__init__.py": "from .queries import build_query as make\nfrom .sql import USER_Q\n",
                        "app/views.py": '''
        import app.sql
        import app.queries as q
        from app import USER_Q, make, sql


        def a(cur, name):
            cur.execute(sql.USER_Q % name)


        def b(cur, name):
            cur.execute(app.sql.USER_Q % name)


        def c(cur, uid):
            cur.execute(q.build_query(uid))


        def d(cur, uid):
            cur.execute(make(uid))


        def e(cur, name):
            cur.execute(USER_Q % name)


        def ok(cur, name):
            cur.execute(sql.SAFE_Q, (name,))
            cur.execute(q.by_id(), (name,))
    '''})
    assert lines(findings) == [7, 11, 15, 19, 23]


def test_scripts_import_their_sibling_modules_and_src_layouts_resolve(project):
    files = {
        "scripts/helpers.py": 'def q(t):\n    return "DELETE FROM " + t\n',
        "scripts/purge.py": "from helpers import q\n\n\ndef purge(cur, t):\n    cur.execute(q(t))\n",
        "src/lib/templates.py": "DROP = \"DROP TABLE %s\"\n",
        "src/lib/ops.py": "from lib.templates import DROP\n\n\ndef drop(cur, t):\n    cur.execute(DROP % t)\n",
    }
    assert lines(project(files, scan="scripts/purge.py")) == [5]
    assert lines(project(files, scan="src/lib/ops.py")) == [5]


def test_a_local_definition_or_parameter_shadows_the_import(project):
    findings = project({**PACKAGE, "app/views.py": '''
        from .queries import build_query


        def shadowed_by_parameter(cur, build_query, uid):
            cur.execute(build_query(uid))


        def shadowed_by_local(cur, uid):
            def build_query(x):
                return "SELECT 1"
            cur.execute(build_query(uid))
    '''})
    assert lines(findings) == []


def test_sql_on_self_set_by_a_base_class_in_another_module(project):
    findings = project({
        "reports/__init__.py": "",
        "reports/base.py": '''
            class Report:
                def __init__(self, conn, region):
                    self.conn = conn
                    self.sql = "SELECT sum(total) FROM sales WHERE region = '%s'" % region
                    self.safe = "SELECT sum(total) FROM sales WHERE region = ?"
        ''',
        "reports/daily.py": '''
            from .base import Report


            class Daily(Report):
                def run(self):
                    return self.conn.execute(self.sql)

                def run_safe(self, region):
                    return self.conn.execute(self.safe, (region,))
        ''',
    }, scan="reports/daily.py")
    assert lines(findings) == [6]
    assert any(t.path == "reports/base.py" and "`self.sql` holds SQL text" in t.message for t in findings[0].trace)


def test_import_cycles_and_third_party_modules_are_harmless(project):
    findings = project({
        "app/__init__.py": "",
        "app/a.py": "from .b import X\n",
        "app/b.py": "from .a import X\n",
        "app/views.py": '''
            from sqlalchemy import text

            from .a import X


            def f(cur, v):
                cur.execute(X % v)
                cur.execute(text("SELECT 1"))
        ''',
    })
    assert lines(findings) == []


def test_modules_are_parsed_once_per_scan(project, sqli_rules, monkeypatch):
    from buildrunner.engine.analysis import imports

    loads = []
    original = imports.ProjectModules._load
    monkeypatch.setattr(imports.ProjectModules, "_load", lambda self, file: loads.append(file) or original(self, file))
    matcher = CodeMatcher(sqli_rules)
    views = '''
        from .queries import build_query


        def find(cur, uid):
            cur.execute(build_query(uid))
    '''
    project({**PACKAGE, "app/views.py": views, "app/other.py": views}, matcher=matcher)
    project({}, scan="app/other.py", matcher=matcher)
    assert sorted(Path(f).name for f in loads) == ["queries.py"]


def test_oversized_modules_and_files_outside_the_project_are_not_read(project, tmp_path, monkeypatch):
    from buildrunner.engine.analysis import imports

    monkeypatch.setattr(imports, "MAX_BYTES", 50)
    files = {**PACKAGE, "app/views.py": '''
        from .queries import build_query


        def find(cur, uid):
            cur.execute(build_query(uid))
    '''}
    assert lines(project(files)) == []  # queries.py is larger than the limit: opaque, as before
    outside = tmp_path.parent / "outside_helpers.py"
    outside.write_text('def q(t):\n    return "DELETE FROM " + t\n')
    (tmp_path / "app" / "link.py").symlink_to(outside)
    monkeypatch.setattr(imports, "MAX_BYTES", 512_000)
    files = {"app/views.py": "from .link import q\n\n\ndef f(cur, t):\n    cur.execute(q(t))\n"}
    assert lines(project(files, matcher=None)) == []


def test_cli_trace_and_sarif_code_flow_name_the_other_file(git_repo, br):
    write(git_repo.root, {**PACKAGE, "app/views.py": '''
        from .queries import build_query


        def find(cur, uid):
            cur.execute(build_query(uid))
    '''})
    text = br("security", "check", "--no-baseline", "--no-color", "--rules", DBAPI, "app", cwd=git_repo.root)
    assert text.exit_code == 1, text.output
    assert "app/queries.py:2: `uid` is interpolated into the SQL text" in text.stdout
    sarif = br("security", "check", "--no-baseline", "--format", "sarif", "--rules", DBAPI, "app",
               cwd=git_repo.root)
    result = json.loads(sarif.stdout)["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/views.py"
    flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
    where = [(s["location"]["physicalLocation"]["artifactLocation"]["uri"],
              s["location"]["physicalLocation"]["region"]["startLine"]) for s in flow]
    assert where == [("app/queries.py", 2), ("app/views.py", 5), ("app/views.py", 5)]
