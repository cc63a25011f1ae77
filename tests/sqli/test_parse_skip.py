"""Code rules skip minified files and files above a size cap, as Semgrep does for its code rules:
counted as skipped in the output's summary, while the secret rules still scan them."""

from __future__ import annotations

import json

from buildrunner.engine.code import CodeMatcher
from buildrunner.engine.model import Document
from buildrunner.engine.parsing import average_line_length, code_skip_reason

INJECTION = 'db.query("SELECT * FROM u WHERE id = " + req.query.id);'
TOKEN = "ghp_qOmnBQspWQpsq2zV2tTrhbiLdxQsPNkAsL21"
# a bundle: everything on one line, an injection and a token somewhere in it
BUNDLE = ";".join(f"function f{i}(a,b){{return a+b*{i}}}" for i in range(60)) + ";" + INJECTION + \
    f'var t="{TOKEN}";' + ";".join(f"var v{i}=f{i}(1,2)" for i in range(40)) + "\n"
RULES = ("--rules", "python.sql-injection,javascript.sql-injection,secrets")


def _check(repo, br) -> dict:
    res = br("security", "check", "--json", *RULES, cwd=repo.root)
    return json.loads(res.stdout)


def _sql(data: dict) -> list[tuple[str, str]]:
    return sorted((f["path"], f["rule_id"]) for f in data["findings"] if ".sql-injection." in f["rule_id"])


def test_minified_bundle_is_not_parsed_but_its_secrets_are_found(git_repo, br):
    git_repo.write("static/app.min.js", BUNDLE)
    git_repo.write("server.js", INJECTION + "\n")
    data = _check(git_repo, br)
    assert _sql(data) == [("server.js", "javascript.sql-injection.driver-query")]
    assert data["summary"]["skipped_by_reason"] == {"minified": 1}
    assert any(f["path"] == "static/app.min.js" and f["rule_id"].startswith("secrets") for f in data["findings"])


def test_minified_detection_can_be_turned_off(git_repo, br):
    git_repo.write("static/app.min.js", BUNDLE)
    git_repo.write(".buildrunner/config.yaml", "security:\n  code_skip_minified: false\n")
    data = _check(git_repo, br)
    assert _sql(data) == [("static/app.min.js", "javascript.sql-injection.driver-query")]
    assert "minified" not in data["summary"]["skipped_by_reason"]


def test_code_rules_have_their_own_size_cap(git_repo, br):
    body = "def find(cur, uid):\n    cur.execute(\"SELECT * FROM t WHERE id = \" + uid)\n"
    git_repo.write("big.py", body + "# padding\n" * 200)
    git_repo.write("small.py", body)
    git_repo.write(".buildrunner/config.yaml", "security:\n  code_max_file_size: 1000\n")
    data = _check(git_repo, br)
    assert _sql(data) == [("small.py", "python.sql-injection.dbapi-execute")]
    assert data["summary"]["skipped_by_reason"] == {"code-too-large": 1}
    assert data["summary"]["files_scanned"] >= 2  # secrets still read big.py

    git_repo.write(".buildrunner/config.yaml", "security:\n  code_max_file_size: 0\n")  # no cap
    assert [p for p, _ in _sql(_check(git_repo, br))] == ["big.py", "small.py"]


def test_a_minified_file_without_sink_calls_is_not_listed(sqli_rules):
    matcher = CodeMatcher(sqli_rules)
    assert matcher.scan(Document("lib.min.js", BUNDLE.replace(INJECTION, ""), "javascript")) == []
    assert matcher.skipped == []


def test_the_semgrep_threshold():
    # Semgrep tolerates up to 900 characters without a newline (two bonus lines, 300 per line)
    assert average_line_length("x" * 897) == 300
    assert code_skip_reason("x" * 897, max_bytes=0, skip_minified=True) is None
    assert code_skip_reason("x" * 898, max_bytes=0, skip_minified=True)[0] == "minified"
    # only the first 8 KiB count: long lines further down are not a minified file
    source = "import os\n" * 1000 + "x" * 100_000 + "\n"
    assert code_skip_reason(source, max_bytes=0, skip_minified=True) is None
    assert code_skip_reason("é" * 300 + "\n", max_bytes=500, skip_minified=False)[0] == "code-too-large"
    assert code_skip_reason("e" * 300 + "\n", max_bytes=500, skip_minified=False) is None


def _counting_might_build(monkeypatch) -> list[str]:
    from buildrunner.engine.analysis import built

    calls: list[str] = []
    real = built.might_build
    monkeypatch.setattr(built, "might_build", lambda text, family="python": calls.append(family) or
                        real(text, family))
    return calls


def test_a_skipped_file_with_sink_calls_is_not_searched_for_built_sql(sqli_rules, monkeypatch):
    """The built-sql prefilter can change nothing for a file the size cap or the minified test
    skips when it has sink calls (a 1.6 MB search index took 42 ms of it): the file is skipped,
    counted once, and that search is not run."""
    calls = _counting_might_build(monkeypatch)
    matcher = CodeMatcher(sqli_rules)
    assert matcher.scan(Document("static/app.min.js", BUNDLE, "javascript")) == []
    assert [s.reason for s in matcher.skipped] == ["minified"] and calls == []
    big = CodeMatcher(sqli_rules, max_bytes=30)
    text = "def f(cur, uid):\n    cur.execute(\"SELECT * FROM t WHERE id = \" + uid)\n"
    assert big.scan(Document("big.py", text, "python")) == []
    assert [s.reason for s in big.skipped] == ["code-too-large"] and calls == []
    # without sink calls, the built-sql prefilter still decides whether the skip is worth reporting
    built_only = 'q = "SELECT * FROM t WHERE id = " + uid\n'
    assert big.scan(Document("built.py", built_only, "python")) == []
    assert [s.path for s in big.skipped] == ["big.py", "built.py"] and calls == ["python"]
    assert big.scan(Document("plain.py", "x = 1\n" * 40, "python")) == [] and len(big.skipped) == 2
    assert CodeMatcher(sqli_rules).scan(Document("built.py", built_only, "python"))  # under the cap: found
