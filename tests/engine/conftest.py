import pytest

from tests.engine.scanhelp import install_pack


@pytest.fixture
def repo(git_repo):
    """A git repository with the test secret rule pack installed (in .buildrunner/rules/)."""
    install_pack(git_repo.root)
    return git_repo
