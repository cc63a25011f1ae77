"""`Finding.to_dict` (every JSON report, the quality gate's findings) is `dataclasses.asdict` plus
the report's few changes, without asdict's one `copy.deepcopy` call per string: the same dict, key
order included, and a copy as deep."""

from __future__ import annotations

import json
from collections import namedtuple
from dataclasses import asdict, dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.engine.model import Finding, Fix, Origin, Severity, TraceStep, plain_data


def _asdict_to_dict(f: Finding) -> dict:
    """The definition before the shortcut."""
    d = asdict(f)
    d["severity"] = f.severity.value
    d["tags"] = list(f.tags)
    d["cwe"] = list(f.cwe)
    if not f.verified:
        del d["verified"]
    for step in d["trace"]:
        if not step["path"]:
            del step["path"]
    return d


Pair = namedtuple("Pair", "a b")


@dataclass
class Note:
    text: str
    where: tuple = ()


text = st.text(max_size=8)
number = st.integers(-5, 10**12)
leaf = st.one_of(st.none(), st.booleans(), number, st.floats(allow_nan=False), text, st.binary(max_size=4),
                 st.sampled_from(list(Severity)))
value = st.recursive(leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner), st.dictionaries(text, inner, max_size=3),
    st.builds(Pair, inner, inner), st.builds(Note, text, st.tuples(inner))), max_leaves=10)
findings = st.builds(
    Finding, rule_id=text, severity=st.sampled_from(list(Severity)), message=text, path=text, line=number,
    column=number, end_line=st.none() | number, end_column=st.none() | number, snippet=text, fix=text,
    kind=text, rule_name=text, value_hash=text, masked_value=text, fingerprint=text,
    origin=st.builds(Origin, kind=text, commit=st.none() | text, author=st.none() | text),
    trace=st.lists(st.builds(TraceStep, line=number, message=text, column=number, path=text), max_size=3),
    autofix=st.none() | st.builds(Fix, description=text, start_line=number, start_column=number, end_line=number,
                                  end_column=number, replacement=text, safe=st.booleans()),
    tags=st.lists(text, max_size=3).map(tuple), cwe=st.lists(text, max_size=2).map(tuple),
    extra=st.dictionaries(text, value, max_size=4), verified=st.sampled_from(["", "live", "unknown"]))


def _ordered(value):
    """The value with every dict's key order made visible."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return type(value), [_ordered(v) for v in value]
    return type(value), value


@settings(max_examples=500, deadline=None)
@given(findings)
def test_to_dict_is_asdict_plus_the_report_changes(finding):
    got, want = finding.to_dict(), _asdict_to_dict(finding)
    assert got == want
    assert _ordered(got) == _ordered(want)


@settings(max_examples=400, deadline=None)
@given(value)
def test_plain_data_is_asdicts_conversion(v):
    @dataclass
    class Box:
        v: object

    assert _ordered(plain_data(v)) == _ordered(asdict(Box(v))["v"])


def test_the_dict_is_a_deep_copy():
    f = Finding("r", Severity.HIGH, "m", "p.py", 3, extra={"sink": {"names": ["execute"]}, "note": Note("n", (1,)),
                                                             "seen": {1, 2}},
                trace=[TraceStep(2, "built here")])
    d = f.to_dict()
    d["extra"]["sink"]["names"].append("x")
    d["trace"][0]["message"] = "changed"
    d["extra"]["seen"].add(3)
    assert f.extra["sink"]["names"] == ["execute"] and f.trace[0].message == "built here"
    assert f.extra["seen"] == {1, 2}
    assert d["extra"]["note"] == {"text": "n", "where": (1,)}
    assert list(d)[:4] == ["rule_id", "severity", "message", "path"] and "verified" not in d
    assert json.loads(json.dumps(d, default=str))["severity"] == "high"
