"""The migration tests reuse the gate's fixtures: a real project with the hook installed."""

from tests.gate.conftest import _share_rule_cache, _shared_cache, hooked, py_project  # noqa: F401
