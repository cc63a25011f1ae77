# Constant folding: per-key dict stores, branch conditions that fold to a constant, helpers that
# return a constant entry. Runtime values that reach the SQL are still reported.


def map_key_overwritten(cur, param):
    lookup = {}
    lookup["first"] = "fixed-value"
    lookup["second"] = param
    chosen = lookup["first"]
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


def map_key_runtime(cur, param):
    lookup = {"first": "fixed-value"}
    lookup["second"] = param
    chosen = lookup["second"]
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


def map_get_constant(cur, param):
    lookup = {"a": param, "b": "static"}
    chosen = lookup.get("b")
    # ok: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM accounts WHERE owner = '{chosen}'")


def map_rewritten_in_a_branch(cur, param, flag):
    lookup = {"a": "static"}
    if flag:
        lookup["a"] = param
    chosen = lookup["a"]
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute(f"SELECT * FROM accounts WHERE owner = '{chosen}'")


def branch_always_true(cur, param):
    limit = 120
    if limit * 3 > 100:
        chosen = "constant"
    else:
        chosen = param
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


def branch_always_false(cur, param):
    threshold = 5
    if threshold > 10:
        chosen = "constant"
    else:
        chosen = param
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


def branch_unknown(cur, param, n):
    if n > 10:
        chosen = "constant"
    else:
        chosen = param
    # ruleid: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


def ternary_constant(cur, param):
    size = 4
    chosen = "constant" if size % 2 == 0 else param
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")


class Helper:
    def pick(self, param):
        table = {}
        table["x"] = param
        table["y"] = "fixed"
        return table["y"]


def helper_returns_constant_entry(cur, param):
    chosen = Helper().pick(param)
    # ok: python.sql-injection.dbapi-execute
    cur.execute("SELECT * FROM accounts WHERE owner = '" + chosen + "'")
