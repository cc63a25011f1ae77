"""JavaScript/TypeScript helpers returning SQL: in the same file, or imported from a project module
(ES imports, `import * as`, CommonJS `require` / `module.exports`); the trace names the other file."""

from __future__ import annotations

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .test_flows_across_files import write

DRIVER = "javascript.sql-injection.driver-query"

MODULES = {
    "src/db/sql.ts": '''
        export const USER_Q = "SELECT * FROM users WHERE name = '%NAME%'";
        export const SAFE = "SELECT * FROM users WHERE id = $1";
        export function byName(name: string): string {
          return `SELECT * FROM users WHERE name = '${name}'`;
        }
        export const byId = (id: number) => "SELECT * FROM users WHERE id = " + id;
        export default function all() { return "SELECT * FROM users"; }
    ''',
    "src/db/legacy.js": '''
        function build(t) { return "DROP TABLE " + t; }
        const LIST = "SELECT * FROM items";
        module.exports = { build, LIST };
    ''',
}


def scan_file(tmp_path, sqli_rules, files, path="src/routes.ts"):
    write(tmp_path, files)
    language = "typescript" if path.endswith(".ts") else "javascript"
    doc = Document(path, (tmp_path / path).read_text(), language, root=str(tmp_path))
    return [(f.line, f) for f in CodeMatcher(sqli_rules).scan(doc) if f.rule_id == DRIVER]


def test_imported_helpers_and_templates(tmp_path, sqli_rules):
    found = scan_file(tmp_path, sqli_rules, {**MODULES, "src/routes.ts": '''
        import all, { byName, byId, SAFE, USER_Q } from "./db/sql";
        import * as sql from "./db/sql";
        const { build, LIST } = require("./db/legacy");
        const legacy = require("./db/legacy");

        app.get("/a", async (req, res) => {
          await pool.query(byName(req.query.name));
          await pool.query(sql.byId(req.params.id));
          await pool.query(USER_Q.replace("%NAME%", req.query.name));
          await pool.query(legacy.build(req.query.t));
          await pool.query(build(req.query.t));
          await pool.query(SAFE, [req.params.id]);
          await pool.query(LIST);
          await pool.query(all());
          await pool.query(byName("admin"));
          await pool.query(sql.SAFE, [req.params.id]);
        });
    '''})
    assert [line for line, _ in found] == [7, 8, 9, 10, 11]
    first = found[0][1].trace
    assert (first[0].path, first[0].line, first[0].message) == ("src/db/sql.ts", 4, "`name` is interpolated into the SQL text")
    assert "`byName()` (in src/db/sql.ts) returns SQL text" in first[1].message
    assert found[2][1].trace[0].message == "`USER_Q` is the SQL text defined here"


def test_helpers_of_the_same_file_and_shadowing(tmp_path, sqli_rules):
    found = scan_file(tmp_path, sqli_rules, {**MODULES, "src/app.js": '''
        const { build } = require("./db/legacy");
        function where(x) { return "SELECT * FROM t WHERE a = '" + x + "'"; }
        const constant = () => "SELECT * FROM t";

        async function run(pool, x, build2) {
          await pool.query(where(x));
          await pool.query(constant());
          await pool.query(where("fixed"));
        }

        async function shadow(pool, build, t) {
          await pool.query(build(t));
        }
    '''}, path="src/app.js")
    assert [line for line, _ in found] == [6]


def test_packages_and_files_outside_the_project_are_not_followed(tmp_path, sqli_rules):
    (tmp_path.parent / "outside.js").write_text('exports.q = (t) => "DROP TABLE " + t;\n')
    found = scan_file(tmp_path, sqli_rules, {"src/app.js": '''
        const { q } = require("../../outside");
        const { r } = require("some-package");
        async function run(pool, t) {
          await pool.query(q(t));
          await pool.query(r(t));
        }
    '''}, path="src/app.js")
    assert found == []
