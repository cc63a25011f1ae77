"""Constant folding of branch conditions and per-key dict stores: code that cannot inject stays
quiet, and the same shapes with a runtime value on the path taken are still reported."""

from __future__ import annotations

from .conftest import ids, src

DBAPI = "python.sql-injection.dbapi-execute"
SQL = "cur.execute(\"SELECT * FROM t WHERE owner = '\" + chosen + \"'\")"


def lines(scan, body: str) -> list[int]:
    return [line for rule, line in ids(scan(src(body))) if rule == DBAPI]


def test_a_branch_that_never_runs_does_not_reach_the_sql(scan):
    assert lines(scan, f'''
        def always(cur, param):
            n = 86
            if (7 * 42) - n > 200:
                chosen = "constant"
            else:
                chosen = param
            {SQL}

        def never(cur, param):
            n = 5
            if n > 10 and n != 3:
                chosen = "constant"
            else:
                chosen = param
            {SQL}

        def unknown(cur, param, n):
            if n > 10:
                chosen = "constant"
            else:
                chosen = param
            {SQL}

        def ternary(cur, param):
            size = 4
            chosen = "constant" if size % 2 == 0 else param
            {SQL}

        def rebound(cur, param):
            n = 86
            n = int(param)
            if n > 200:
                chosen = "constant"
            else:
                chosen = param
            {SQL}
    ''') == [15, 22, 36]


def test_the_last_store_to_a_dict_key_wins(scan):
    assert lines(scan, f'''
        def overwritten(cur, param):
            m = {{}}
            m["a"] = "x"
            m["b"] = param
            chosen = m["a"]
            {SQL}

        def runtime_key(cur, param):
            m = {{"a": "x"}}
            m["b"] = param
            chosen = m.get("b")
            {SQL}

        def later_store(cur, param):
            m = {{"a": "x"}}
            m["a"] = param
            chosen = m["a"]
            {SQL}

        def branch_store(cur, param, flag):
            m = dict()
            m["a"] = "x"
            if flag:
                m["a"] = param
            chosen = m["a"]
            {SQL}

        def escapes(cur, param):
            m = {{"a": "x"}}
            fill(m, param)
            chosen = m["a"]
            {SQL}
    ''') == [12, 18, 26, 32]


def test_a_method_of_a_class_of_this_file_returns_a_constant_entry(scan):
    assert lines(scan, f'''
        class Helper:
            def pick(self, param):
                table = {{}}
                table["x"] = param
                table["y"] = "fixed"
                return table["y"]

            def leak(self, param):
                return {{"x": param}}["x"]


        def safe(cur, param):
            chosen = Helper().pick(param)
            {SQL}

        def unsafe(cur, param):
            chosen = Helper().leak(param)
            {SQL}
    ''') == [18]
