"""Whether an existing call still fits a changed signature (Python and JavaScript/TypeScript)."""

from __future__ import annotations

import pytest

from buildrunner.orchestration.callcheck import call_fits

CASES = [
    # (signature, call, family, bound, expected)
    ("(item, qty, currency)", "price(i, 1)", "python", False, False),
    ("(item, qty, currency)", "price(i, 1, 'EUR')", "python", False, True),
    ("(item, qty, currency='EUR')", "price(i, 1)", "python", False, True),
    ("(item, qty, *, currency)", "price(i, 1, currency='x')", "python", False, True),
    ("(item, qty, *, currency)", "price(i, 1)", "python", False, False),
    ("(item, qty)", "price(i, qty=1, cur=2)", "python", False, False),
    ("(item, qty, **extra)", "price(i, qty=1, cur=2)", "python", False, True),
    ("(item)", "price(i, 1)", "python", False, False),
    ("(item, *rest)", "price(i, 1, 2)", "python", False, True),
    ("(item, qty) -> float", "mod.price(\n  i,\n  1)", "python", False, True),
    ("(self, a)", "obj.m(1)", "python", True, True),
    ("(self, a, b)", "obj.m(1)", "python", True, False),
    ("(item, qty)", "price(*a)", "python", False, None),
    ("(item, qty)", "price(**kw)", "python", False, None),
    ("(a, b = 2)", "f(1)", "js", False, True),
    ("(a, b)", "f(1)", "js", False, False),
    ("(a, b?: number)", "f(1)", "js", False, True),
    ("(a, ...rest)", "x.f(1, g(2, 3), 4)", "js", False, True),
    ("(a)", "x.f(1, g(2, 3))", "js", False, False),
    ("(a, {b, c})", "f(1, {b: 2, c: [3, 4]})", "js", False, True),
    ("(a: string, b: Map<string, number>)", "f('x, y', m)", "js", False, True),
    ("(a)", "f(...args)", "js", False, None),
]


@pytest.mark.parametrize("signature,call,family,bound,expected", CASES)
def test_call_fits(signature, call, family, bound, expected):
    assert call_fits(signature, call, family, bound=bound) is expected
