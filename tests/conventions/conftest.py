from tests.gate.conftest import _share_rule_cache, _shared_cache, py_project  # noqa: F401
