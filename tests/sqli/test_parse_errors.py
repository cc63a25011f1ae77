"""Files that do not parse: well-formed calls are still checked; wholly unparseable files are
reported as skipped, never a crash."""

from __future__ import annotations

import textwrap

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document


def test_syntax_error_elsewhere_does_not_hide_a_finding(scan):
    text = textwrap.dedent('''
        def broken(:
            return [1, 2

        def lookup(cur, uid):
            cur.execute("SELECT * FROM users WHERE id = " + uid)

        class Half(
    ''')
    findings = scan(text)
    assert [(f.rule_id, f.line) for f in findings] == [("python.sql-injection.dbapi-execute", 6)]


def test_typescript_with_a_broken_function_still_checks_the_rest(scan):
    text = textwrap.dedent('''
        function broken( {
          const x = ;
        }
        export async function byId(pool: Pool, id: string) {
          return pool.query(`SELECT * FROM users WHERE id = ${id}`);
        }
    ''')
    findings = scan(text, "typescript")
    assert [(f.rule_id, f.line) for f in findings] == [("javascript.sql-injection.driver-query", 6)]


def test_a_call_that_is_itself_malformed_is_not_reported(scan):
    assert scan('cur.execute("SELECT * FROM t WHERE id = " + uid,, )\n') == []


def test_wholly_unparseable_file_is_reported_as_skipped(sqli_rules):
    m = CodeMatcher(sqli_rules)
    assert m.scan(Document("legacy.py", "%% execute ((( $$ \n}}}\n", "python")) == []
    assert [(s.path, s.reason) for s in m.skipped] == [("legacy.py", "parse-error")]
    assert "no well-formed python code" in m.skipped[0].detail


def test_binary_garbage_and_odd_text_never_crash(sqli_rules):
    m = CodeMatcher(sqli_rules)
    for text in ["\x00\x01execute\x02(", "execute" * 1000, "query(" * 500, "é€ execute('SELECT ' + ü)",
                 "\ud800 execute"]:
        for lang in ("python", "javascript", "typescript", "tsx"):
            m.scan(Document("x", text, lang))
