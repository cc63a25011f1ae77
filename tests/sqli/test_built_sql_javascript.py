"""`javascript.sql-injection.built-sql`: SQL statements built from runtime values in JS/TS where they
are built, at medium severity; messages, tagged templates, constants and sink findings excluded."""

from __future__ import annotations

import pytest

from buildrunner.engine.analysis.built import might_build
from buildrunner.engine.code import CodeMatcher

from .conftest import ids, src

BUILT = "javascript.sql-injection.built-sql"

CODE = src('''
    const util = require("util");
    function a(id) { return "SELECT * FROM users WHERE id = " + id; }
    const b = (name) => `DELETE FROM carts WHERE owner = '${name}'`;
    function c(t) { return util.format("SELECT * FROM %s", t); }
    function d(t) { return "UPDATE x SET a = 1 WHERE b = ".concat(t); }
    function e(id) { console.log("SELECT for " + id); throw new Error(`DELETE FROM x ${id}`); }
    const f = (id) => sql`SELECT * FROM users WHERE id = ${id}`;
    const LIMIT = 10;
    function g() { return `SELECT * FROM x LIMIT ${LIMIT}`; }
    function h(ids) { return `SELECT * FROM x WHERE id IN (${ids.map(() => "?").join(",")})`; }
    function i(id) { return ["SELECT * FROM users WHERE id = ?", [id]]; }
    const j = (n) => `Selected ${n} rows`;
''')


@pytest.mark.parametrize(("language", "path"), [("javascript", "src/repo.js"), ("typescript", "src/repo.ts"),
                                                ("tsx", "src/Repo.tsx")])
def test_built_statements_are_reported_where_they_are_built(scan, language, path):
    findings = scan(CODE, language, path=path)
    assert ids(findings) == [(BUILT, 2), (BUILT, 3), (BUILT, 4), (BUILT, 5)]
    assert {f.severity.value for f in findings} == {"medium"}
    assert findings[0].trace[0].message == "`id` is concatenated into the SQL text"


def test_a_placeholder_replaced_by_a_runtime_value_is_reported(scan):
    code = src('''
        function k(v) { return "SELECT * FROM t WHERE a = '[V]'".replace("[V]", v); }
    ''')
    assert ids(scan(code, "javascript", path="src/repo.js")) == [(BUILT, 1)]


def test_a_sink_finding_is_never_duplicated(scan):
    findings = scan(src('''
        function find(db, id) {
          const q = "SELECT * FROM t WHERE id = " + id;
          return db.query(q);
        }
        function inline(db, id) {
          return db.query(`SELECT * FROM t WHERE id = ${id}`);
        }
    '''), "javascript")
    assert ids(findings) == [("javascript.sql-injection.driver-query", 3),
                             ("javascript.sql-injection.driver-query", 6)]


@pytest.mark.parametrize("path", ["__tests__/repo.js", "src/repo.test.ts", "test/db.js", "src/e2e/x.spec.js"])
def test_test_files_are_skipped_by_default(scan, path):
    language = "typescript" if path.endswith(".ts") else "javascript"
    assert scan(CODE, language, path=path) == []


def test_a_project_pack_can_scan_test_files_too(sqli_rules, scan):
    from dataclasses import replace

    rules = [replace(r, spec={**r.spec, "skip_paths": ()}) if r.id == BUILT else r for r in sqli_rules]
    assert len(scan(CODE, "javascript", path="__tests__/repo.js", matcher=CodeMatcher(rules))) == 4


@pytest.mark.parametrize(("text", "expected"), [
    ('q = `SELECT * FROM t WHERE a = ${x}`', True),
    ('q = "SELECT * FROM t WHERE a = " + x', True),
    ('q = "SELECT * FROM t WHERE a = $1"', False),
    ('q = util.format("SELECT * FROM %s", t)', True),
    ('q = "SELECT * FROM t WHERE a = ".concat(x)', True),
    ('q = "SELECT * FROM t"; db.query(q, [x])', False),
    ('q = `SELECT * FROM t`', False),
])
def test_prefilter_parses_only_files_that_may_build(text, expected):
    assert might_build(text, "javascript") is expected
