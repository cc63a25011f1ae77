"""Report formats for a `ScanResult`: text, json, sarif, gcc (editor problem matchers), github.

`render(fmt, result, **opts)` returns the report as a string; each format lives in its own module,
imported only when asked for (the pre-commit hook renders `text` and never imports the others).

Options understood (unknown ones are ignored by formats that don't use them):
- text:   `color` (None → `colour.color_enabled()`), `width`, `quiet`
- json:   `indent`
- sarif:  `split_runs` (one run per rule category), `category`, `include_suppressed`, `timestamps`
- gcc:    (none)
- github: `step_summary` (path; default `$GITHUB_STEP_SUMMARY`; False to disable)
"""

from __future__ import annotations

import importlib

from buildrunner.errors import BrError

FORMATS = ("text", "json", "sarif", "gcc", "github")

_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "gcc": "gcc",
    "github": "github",
}


def render(fmt: str, result, **opts) -> str:
    """Render `result` in format `fmt` (one of `FORMATS`)."""
    if fmt not in _MODULES:
        raise BrError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    return module.render(result, **opts)


def sarif_document(runs, **opts) -> dict:
    """One SARIF log with one run per `(category, ScanResult)`: lets the quality gate merge its
    tool components (secrets, sqli, coverage, gaps) into a single upload. Returns a dict
    (`json.dumps` it); opts: `include_suppressed`, `timestamps`."""
    from buildrunner.engine.reporters.sarif import sarif_document as build

    return build(runs, **opts)


__all__ = ["FORMATS", "render", "sarif_document"]
