"""Executable lines computed without coverage.py must equal coverage.py's own analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.coverage.pysource import analyze

REPO = Path(__file__).resolve().parents[2]


def coverage_statements(text: str) -> set[int]:
    import coverage.config
    from coverage.python import PythonParser

    exclude = "|".join(f"(?:{p})" for p in coverage.config.DEFAULT_EXCLUDE)
    parser = PythonParser(text=text, filename="<test>", exclude=exclude)
    parser.parse_source()
    return parser.statements


TRICKY = '''\
"""Module docstring."""
import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from os import path

X = (1,
     2)


@decorator(
    "arg",
)
def f(a,
      b) -> int:
    """Docstring."""
    return (a +
            b)


def stub(self) -> int: ...


@overload
def stub2(
    a: int,
): ...


class C:
    """Doc."""

    def m(self):  # pragma: no cover
        return 1

    def n(self):
        try:
            return 1
        except ValueError:  # pragma: no cover
            return 2
        else:
            pass


def g(x):
    match x:
        case 1:
            return "one"
        case _:  # pragma: no cover
            return "other"
    lam = [y for y in
           range(3)]
    return lam
'''


def test_tricky_constructs_match_coverage():
    assert analyze(TRICKY).statements == coverage_statements(TRICKY)


@pytest.mark.parametrize("path", sorted((REPO / "buildrunner").rglob("*.py")), ids=lambda p: p.name)
def test_every_module_of_this_package_matches_coverage(path):
    text = path.read_text(encoding="utf-8")
    lines = analyze(text, str(path))
    if lines is None:
        pytest.skip("not valid Python right now")
    assert lines.statements == coverage_statements(text)


def test_not_python_returns_none():
    assert analyze("def broken(:\n") is None


def test_multiline_map_normalizes_raw_lines():
    lines = analyze(TRICKY)
    assert lines.normalize({8, 19}) == {8, 18}  # X = (1,\n 2) and return (a +\n b)
