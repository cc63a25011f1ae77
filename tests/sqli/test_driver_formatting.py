"""Values the driver formats into the query itself (`sink.values`): pg-promise's `:raw` / `^` insert a
value verbatim and `:value` / `#` without quotes; plain `$1` / `${name}` variables are escaped."""

from __future__ import annotations

import pytest

from buildrunner.engine.analysis.formatted import compile_values, raw_placeholders
from buildrunner.engine.model import SpecError

from .conftest import ids, src

PGP = "javascript.sql-injection.pg-promise"


def test_raw_and_unquoted_placeholders_with_runtime_values_are_reported(scan):
    findings = scan(src('''
        app.get("/news", async (req, res) => {
          await db.one("SELECT * FROM news WHERE id = $1:raw", req.params.id);
          await db.one({ text: "SELECT * FROM news WHERE id = $1^", values: [req.params.id] });
          await db.any("SELECT * FROM news WHERE id = ${id:raw}", { id: req.params.id });
          await db.any("SELECT * FROM news ORDER BY $<sort^>", req.query);
          await db.any("SELECT * FROM news WHERE id = $1#", [req.query.id]);
          await t.none("DELETE FROM news WHERE id = ${id:value}", { id });
        });
    '''), "javascript")
    assert ids(findings) == [(PGP, n) for n in (2, 3, 4, 5, 6, 7)]
    assert "formatted verbatim by the driver (`$1:raw`)" in findings[0].trace[1].message


def test_escaped_variables_constants_and_quoted_open_values_are_not(scan):
    findings = scan(src('''
        app.get("/news", async (req, res) => {
          await db.any("SELECT * FROM news WHERE id = $1", [req.params.id]);
          await db.any("SELECT * FROM news WHERE id = ${id}", { id: req.params.id });
          await db.any("SELECT * FROM news ORDER BY $1:raw", ["created_at"]);
          await db.any("SELECT * FROM news WHERE title LIKE '%$1:value%'", [req.query.t]);
          await db.any("SELECT * FROM news WHERE title LIKE '%${t#}%'", { t: req.query.t });
          await db.any("SELECT * FROM $1:name WHERE id = $2", [req.query.table, req.params.id]);
          await db.any("SELECT * FROM news WHERE id = $2:raw", [req.params.id]);
        });
    '''), "javascript")
    assert findings == []


def test_placeholder_positions_and_quotes():
    spec = compile_values({"argument": 1, "raw": [r"\$(?P<key>\d+)(?::raw\b|\^)"],
                           "unquoted": [r"\$(?P<key>\d+)(?::value\b|#)"]})
    assert [(k, p) for _, k, p in raw_placeholders("a = $1^ and b = '$2#' and c = $3#, $4:rawx", spec)] == \
        [("1", "$1^"), ("3", "$3#")]


@pytest.mark.parametrize("bad", [
    {"raw": ["x(?P<key>1)"]},  # no argument
    {"argument": 1},  # no pattern
    {"argument": 1, "raw": ["$1"]},  # no key group
    {"argument": 1, "raw": ["(?P<key>"]},  # invalid regex
    {"argument": 1, "raw": "x", "extra": 1},
])
def test_a_bad_values_spec_is_a_spec_error(bad):
    with pytest.raises(SpecError):
        compile_values(bad)
