"""Property tests of the string-building analysis: folding constants never reports; one runtime
value placed after literal SQL text always does, whatever form builds the string."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document

from .conftest import pack_rules

RULES = pack_rules("sqli-python") + pack_rules("sqli-javascript")
MATCHER = CodeMatcher(RULES)
WORDS = st.sampled_from(["SELECT * FROM t", " WHERE a = ", "1", " AND b = ", "'x'", " LIMIT ", "10", " "])
PIECES = st.lists(WORDS, min_size=1, max_size=6)


def py_expr(pieces: list[str], form: str) -> str:
    if form == "plus":
        return " + ".join(repr(p) for p in pieces)
    if form == "fstring":
        return "f" + repr("".join("{" + repr(p) + "}" if i % 2 else p for i, p in enumerate(pieces)))
    if form == "format":
        return repr("{}" * len(pieces)) + ".format(" + ", ".join(repr(p) for p in pieces) + ")"
    return repr("%s" * len(pieces)) + " % (" + ", ".join(repr(p) for p in pieces) + ",)"


FORMS = st.sampled_from(["plus", "fstring", "format", "percent"])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(PIECES, FORMS, st.booleans())
def test_sql_built_only_from_literals_is_never_reported(pieces, form, via_variable):
    expr = py_expr(pieces, form)
    code = (f"def f(cur):\n    q = {expr}\n    cur.execute(q)\n" if via_variable
            else f"def f(cur):\n    cur.execute({expr})\n")
    assert MATCHER.scan(Document("a.py", code, "python")) == []


@SETTINGS
@given(PIECES, st.sampled_from(["plus", "fstring", "format", "percent"]), st.booleans())
def test_a_runtime_value_after_sql_text_is_always_reported(pieces, form, via_variable):
    sql = "SELECT * FROM t WHERE a = "
    if form == "plus":
        expr = repr(sql) + " + uid + " + (" + ".join(repr(p) for p in pieces))
    elif form == "fstring":
        expr = "f" + repr(sql + "{uid}" + "".join(pieces))
    elif form == "format":
        expr = repr(sql + "{}" + "".join(pieces).replace("{", "{{").replace("}", "}}")) + ".format(uid)"
    else:
        expr = repr(sql + "%s" + "".join(pieces).replace("%", "%%")) + " % uid"
    code = (f"def f(cur, uid):\n    q = {expr}\n    cur.execute(q)\n" if via_variable
            else f"def f(cur, uid):\n    cur.execute({expr})\n")
    findings = MATCHER.scan(Document("a.py", code, "python"))
    assert [f.rule_id for f in findings] == ["python.sql-injection.dbapi-execute"], code


@SETTINGS
@given(PIECES, st.booleans())
def test_javascript_template_and_concat(pieces, dynamic):
    literal = "".join(pieces).replace("`", "").replace("$", "")
    value = "${id}" if dynamic else "${LIMIT}"
    code = f"const LIMIT = 5;\nfunction f(db, id) {{ return db.query(`SELECT * FROM t WHERE a = {value}{literal}`); }}\n"
    findings = MATCHER.scan(Document("a.js", code, "javascript"))
    assert bool(findings) == dynamic, code
