"""Every supported coverage format, read from files real tools wrote (coverage.py in a subprocess)
or, for JS tools, in the exact shape c8/istanbul/vitest write them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from buildrunner.coverage import readers
from buildrunner.coverage.check import run_check
from buildrunner.coverage.readers import numbits_to_lines

from .conftest import CALC, coverage_cmd, measure

PARTIAL_TEST = '''\
from pkg.calc import add


def test_add():
    assert add(1, 2) == 3


if __name__ == "__main__":
    test_add()
'''


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """One real coverage.py run (sub() never called) exported to every format coverage.py writes."""
    root = tmp_path_factory.mktemp("measured")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(CALC)
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(PARTIAL_TEST)
    measure(root)
    coverage_cmd(root, "xml", "-o", "coverage.xml")
    coverage_cmd(root, "json", "-o", "coverage.json")
    coverage_cmd(root, "lcov", "-o", "lcov.info")
    return root


def test_numbits_decoding_matches_coverage():
    from coverage.numbits import nums_to_numbits

    lines = [1, 2, 7, 8, 9, 63, 64, 200, 1001]
    assert numbits_to_lines(nums_to_numbits(lines)) == lines
    assert numbits_to_lines(b"") == []


@pytest.mark.parametrize("name", [".coverage", "coverage.xml", "coverage.json", "lcov.info"])
def test_each_format_gives_the_same_answer(measured, name):
    data = readers.read_file(measured / name, measured)
    assert not data.errors
    calc = data.files["pkg/calc.py"]
    assert data.sources[0].format == {".coverage": "coverage.py", "coverage.xml": "cobertura",
                                      "coverage.json": "coverage-json", "lcov.info": "lcov"}[name]
    if name == ".coverage":  # executed lines only; executable lines come from the source
        assert calc.executable is None and calc.raw
        assert {1, 2, 5} <= calc.executed and 6 not in calc.executed
    else:
        assert calc.executable == {1, 2, 5, 6}
        assert calc.executed == {1, 2, 5}


@pytest.mark.parametrize("name", [".coverage", "coverage.xml", "coverage.json", "lcov.info"])
def test_total_matches_coverage_report(measured, name, tmp_path):
    """Our total equals `coverage report`'s, whichever single file we read it from."""
    from buildrunner import config as cfg
    from buildrunner.project import Project

    project = Project(measured)
    conf = cfg.load(tmp_path / "none.yaml")
    conf.data["security"]["coverage_files"] = [name]
    report = run_check(project, conf)
    expected = json.loads((measured / "coverage.json").read_text())["totals"]
    assert report.total_statements == expected["num_statements"]
    assert report.total_covered == expected["covered_lines"]


def test_parallel_data_files_are_unioned(tmp_path):
    (tmp_path / "m.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\na()\nb()\n")
    for n, line in ((1, 2), (2, 6)):
        con = sqlite3.connect(tmp_path / f".coverage.host.{n}")
        con.executescript("create table file (id integer primary key, path text);"
                          "create table line_bits (file_id integer, context_id integer, numbits blob);")
        from coverage.numbits import nums_to_numbits

        con.execute("insert into file values (1, ?)", (str(tmp_path / "m.py"),))
        con.execute("insert into line_bits values (1, 1, ?)", (nums_to_numbits([1, 5, 9, 10, line]),))
        con.commit()
        con.close()
    data = readers.load(tmp_path)
    assert data.files["m.py"].executed == {1, 2, 5, 6, 9, 10}


def test_ci_paths_are_mapped_by_suffix(tmp_path):
    """Cobertura written in another checkout (a CI workspace) still maps onto this one."""
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "main.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "coverage.xml").write_text(
        '<?xml version="1.0" ?><coverage version="7.6" line-rate="0.5">'
        '<sources><source>/home/runner/work/proj/proj/src</source></sources><packages><package name="app">'
        '<classes><class name="main.py" filename="app/main.py" line-rate="0.5"><lines>'
        '<line number="1" hits="1"/><line number="2" hits="0"/></lines></class>'
        '<class name="os.py" filename="/usr/lib/python3.11/os.py"><lines><line number="1" hits="1"/></lines></class>'
        '</classes></package></packages></coverage>')
    data = readers.load(tmp_path)
    assert data.files["src/app/main.py"].executed == {1}
    assert data.files["src/app/main.py"].executable == {1, 2}
    assert data.outside == 1  # the stdlib file is not part of the project


def test_js_tool_outputs(tmp_path):
    """lcov.info from c8/vitest and istanbul's coverage-final.json under coverage/."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "db.ts").write_text("export function q(id) {\n  return id;\n}\nexport const z = 1;\n")
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "lcov.info").write_text(
        f"TN:\nSF:{tmp_path}/src/db.ts\nFN:1,q\nFNDA:0,q\nFNF:1\nFNH:0\nDA:1,1\nDA:2,0\nDA:4,1\n"
        "LF:3\nLH:2\nBRF:0\nBRH:0\nend_of_record\n")
    data = readers.load(tmp_path)
    assert data.files["src/db.ts"].executable == {1, 2, 4}
    assert data.files["src/db.ts"].executed == {1, 4}

    (tmp_path / "coverage" / "lcov.info").unlink()
    (tmp_path / "coverage" / "coverage-final.json").write_text(json.dumps({
        str(tmp_path / "src" / "db.ts"): {
            "path": str(tmp_path / "src" / "db.ts"),
            "statementMap": {"0": {"start": {"line": 2, "column": 2}, "end": {"line": 2, "column": 12}},
                             "1": {"start": {"line": 4, "column": 0}, "end": {"line": 4, "column": 20}},
                             "2": {"start": {"line": 4, "column": 10}, "end": {"line": 4, "column": 19}}},
            "s": {"0": 0, "1": 3, "2": 0}, "fnMap": {}, "f": {}, "branchMap": {}, "b": {}}}))
    data = readers.load(tmp_path)
    assert data.sources[0].format == "istanbul-json"
    assert data.files["src/db.ts"].executable == {2, 4}
    assert data.files["src/db.ts"].executed == {4}  # a line runs if any statement on it ran


@pytest.mark.parametrize("name,content", [
    (".coverage", b"this is not sqlite at all" * 100),
    ("coverage.xml", b"<coverage><packages>"),
    ("coverage.json", b"{not json"),
    ("coverage.json", b'{"something": "else"}'),
    ("lcov.info", b"garbage\n"),
])
def test_corrupt_data_is_named_not_fatal(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    data = readers.load(tmp_path)
    assert not data.found
    assert len(data.errors) == 1 and data.errors[0].startswith(f"{name}: unreadable coverage data")


def test_corrupt_data_warns_in_the_cli(py_project, br):
    py_project.write(".coverage", "garbage" * 200)
    result = br("coverage", "check", cwd=py_project.root)
    assert result.exit_code == 0  # tests exist, data unusable: a warning, not a failure (not strict)
    assert ".coverage: unreadable coverage data" in result.output
    assert "coverage run -m pytest && coverage xml" in result.output


def test_relative_lcov_paths_resolve_from_the_project_root(tmp_path):
    """vitest/c8 write `SF:src/db.ts` relative to where they ran (the project root), even in coverage/."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "db.ts").write_text("export const a = 1;\nexport const b = 2;\n")
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "lcov.info").write_text("SF:src/db.ts\nDA:1,1\nDA:2,0\nend_of_record\n")
    data = readers.load(tmp_path)
    assert list(data.files) == ["src/db.ts"] and data.files["src/db.ts"].executed == {1}
