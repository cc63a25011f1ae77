"""The security CLI tests share the engine tests' fixtures (a repo with the test rule pack)."""

from tests.engine.conftest import repo  # noqa: F401
