"""docs/TELEMETRY.md stays true: every collected field is documented; the banner layout is real."""

from __future__ import annotations

from pathlib import Path

from buildrunner.telemetry.banner import render_banner
from buildrunner.telemetry.events import ENVELOPE_FIELDS, EVENT_TYPES
from buildrunner.telemetry.thresholds import load_phases

DOC = (Path(__file__).resolve().parents[2] / "docs" / "TELEMETRY.md").read_text(encoding="utf-8")


def test_every_event_type_and_field_is_documented():
    for name in ENVELOPE_FIELDS[:-1]:
        assert f"| `{name}` |" in DOC, name
    for etype, fields in EVENT_TYPES.items():
        assert f"| `{etype}`" in DOC, etype
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{etype}`"))
        for field in fields:
            assert f"`{field}`" in row, f"{etype}.{field} is collected but not documented"


def test_documented_banner_is_what_br_prints():
    phase = load_phases()[0]
    progress = [{"label": "Features completed", "current": 30, "required": 30, "met": True},
                {"label": "Builds completed", "current": 21, "required": 20, "met": True},
                {"label": "Days of data", "current": 15, "required": 14, "met": True}]
    assert render_banner(phase, progress) in DOC


def test_documented_thresholds_match_the_phase_data():
    for phase in load_phases():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{phase['id']}`"))
        cells = [c.strip() for c in row.split("|")[2:6]]
        expected = [str(phase["thresholds"].get(m, "—")) for m in ("features", "builds", "projects", "days")]
        assert cells == expected, phase["id"]
