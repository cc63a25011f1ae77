"""Coverage, check 3 of the Tier 1 gate: read existing coverage data, never run the tests.

`readers` parses `.coverage` (coverage.py's SQLite, with the stdlib only), Cobertura XML, coverage.py
and istanbul JSON, and lcov; `pysource` computes Python's executable lines without importing
coverage; `freshness` tells whether the data still describes the code; `check` turns all of it into
a `CoverageReport` (total and changed-line coverage) for `br coverage check`, the hook and the gate.
"""
