"""Every line br writes to stdout or stderr goes through the masker, errors included.

The report formats are guarded by tests/reporters/test_no_secret_leaks.py; this extends the same
property to what every command prints when handed a secret where it expects something else: as a
positional argument, as each option's value, as an unknown option, as a `PATH:LINE` location.
Click usage errors ("Invalid value for '--format'"), BrError messages and anything else printed
must never carry the value.
"""

from __future__ import annotations

import random

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.cli.main import cli
from buildrunner.engine.masking import sanitize_text
from tests.reporters.test_no_secret_leaks import CASES, generate_all


def _leaf_commands(cmd: click.Command, path: list[str]):
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            yield from _leaf_commands(cmd.get_command(ctx, name), [*path, name])
    else:
        yield path, cmd


def _standalone_secrets() -> list[str]:
    """Shuffled variants of every secret rule's examples that identify themselves without context
    (an argument has none): a bare `password` value is not a secret the masker can know."""
    _lines, raws, _ = generate_all(CASES, random.Random(13))
    return sorted({raw for raw in raws if raw.split() == [raw] and raw not in sanitize_text(raw)})


SECRETS = _standalone_secrets()


def invocations(secret: str) -> list[list[str]]:
    """The command lines that hand `secret` to every parameter of every command."""
    runs = []
    for path, cmd in _leaf_commands(cli, []):
        runs.append([*path, secret])  # an extra / the first positional
        runs.append([*path, f"{secret}:3"])  # PATH:LINE
        runs.append([*path, f"--{secret}"])  # an unknown option
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.is_flag and param.opts[0].startswith("--"):
                runs.append([*path, param.opts[0], secret])
    runs.append([secret])  # an unknown command
    return runs


# commands that would serve or wait: their option errors are still checked, a bare run is not
SERVES = {("dashboard",), ("orchestrate",)}


def _runnable(argv: list[str]) -> bool:
    return not (tuple(argv[:1]) in SERVES and any(a in ("--host",) for a in argv))


@pytest.fixture
def project(git_repo, br):
    git_repo.write("app.py", "print('hello')\n")
    git_repo.add()
    git_repo.commit("init")
    assert br("init", "--no-hook", cwd=git_repo.root).exit_code == 0
    return git_repo


def test_the_pool_covers_many_rule_families():
    assert len(SECRETS) >= 20, SECRETS


def test_every_command_masks_a_secret_in_every_argument(project, br):
    runs = [argv for i, secret in enumerate(SECRETS) for argv in invocations(secret)[i::len(SECRETS)]]
    runs += invocations(SECRETS[0])  # and one secret through every single parameter
    assert len(runs) > 150
    leaks = []
    for argv in filter(_runnable, runs):
        secret = next(a for a in argv if any(s in a for s in SECRETS))
        raw = next(s for s in SECRETS if s in secret)
        res = br(*argv, cwd=project.root, input="")
        if raw in res.output:
            leaks.append(f"br {' '.join(argv).replace(raw, '<secret>')} → {res.output.replace(raw, '<SECRET>')[:300]}")
        assert "Traceback" not in res.output, argv
    assert not leaks, "\n".join(leaks)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_commands_and_secrets_never_leak(project, br, data):
    secret = data.draw(st.sampled_from(SECRETS))
    argv = data.draw(st.sampled_from([a for a in invocations(secret) if _runnable(a)]))
    res = br(*argv, cwd=project.root, input="")
    assert secret not in res.output
