"""Privacy property: secrets of every rule family, fed through every event path, never reach disk.

The secrets are the `examples.match` of every `kind: secret` rule in the built-in packs (the same
rules the scanner uses), cut out of their example lines with the masker's own span finder.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.cli.main import split_command
from buildrunner.engine.masking import secret_spans
from buildrunner.engine.rules import load_rules
from buildrunner.telemetry import record
from buildrunner.telemetry.hook import after_command


def _value_rules():
    """Secret rules that find a value in text (`paths:` rules report a file by name: nothing to mask)."""
    return [r for r in load_rules(None).of_kind("secret") if not r.spec.get("paths")]


def _secrets() -> list[tuple[str, str]]:
    out = []
    for rule in _value_rules():
        for example in rule.examples.match:
            for start, end in secret_spans(example):
                out.append((rule.id, example[start:end]))
    return out


SECRETS = _secrets()


def test_every_secret_rule_family_is_covered():
    families = {rule_id.split(".")[1] if "." in rule_id else rule_id for rule_id, _ in SECRETS}
    rules = {r.id for r in _value_rules()}
    assert SECRETS and {rule_id for rule_id, _ in SECRETS} == rules, "a secret rule has no usable example"
    assert len(families) > 10


LIBRARY_PATHS = [  # (event type, payload builder): the secret in every kind of field
    ("model_usage", lambda s: {"model": s, "tier": s, "complexity": s, "input_tokens": 5,
                               "note": f"prompt: use {s} please", "answer": s}),
    ("model_usage", lambda s: {"model": "claude-haiku-4-5", "key": s}),  # an extra token field
    ("security", lambda s: {"counts": {s: 1, "secrets.generic": 2}, "total": 3, "scope": s}),
    ("orchestration", lambda s: {"action": s, "stream": s, "duration_ms": 3}),
    ("quality", lambda s: {"score": 80, "error": f"failed: {s}"}),
    ("feature", lambda s: {"action": "added", "feature_id": s, "complexity": "simple"}),
    ("build_run", lambda s: {"action": "started", "build_id": "B1", "phase": s}),
]

COMMAND_PATHS = [  # argv as the CLI hook receives it: positional, option value, --opt=value, after --
    lambda s: ["feature", "add", s],
    lambda s: ["feature", "add", f"Use {s} for auth", "--complexity", s],
    lambda s: ["security", "check", f"--token={s}", "--format", s],
    lambda s: ["model", "run", "--", s],
    lambda s: ["feature", s],
    lambda s: ["telemetry", "export", f"--since={s}", f"config/.env.{s}"],
    lambda s: ["status", f"--{s}"],
]


def _events_for(ctx, secret: str) -> list[dict]:
    """The events `record()` and the CLI hook build for this secret (same code, batched writes)."""
    from buildrunner.cli.main import split_command
    from buildrunner.telemetry.events import EventError, command_data
    from buildrunner.telemetry.hook import _event

    out = []
    for etype, build in LIBRARY_PATHS:
        with contextlib.suppress(EventError):  # rejected by the schema: never written
            out.append(_event(ctx, etype, build(secret)))
    import buildrunner.cli.feature  # noqa: F401 — as after a real `br feature` command
    for argv in COMMAND_PATHS:
        command, rest = split_command(argv(secret))
        if command:
            out.append(_event(ctx, "command", command_data(command, rest, 1.0, 2)))
    return out


@pytest.mark.slow
def test_no_secret_of_any_rule_reaches_the_log(project, tele):
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.context import resolve

    ctx = resolve(project)
    collector = TelemetryCollector(project, max_bytes=200_000)
    batch: list[dict] = []
    for _rule_id, secret in SECRETS:
        batch.extend(_events_for(ctx, secret))
        if len(batch) > 300:
            collector.append_many(batch)
            batch = []
    collector.append_many(batch)
    assert collector.last_error is None
    stored = tele.log_text(project)
    assert project.telemetry_dir.joinpath("archive").is_dir()  # archives were checked too
    leaked = sorted({rule_id for rule_id, secret in SECRETS if secret in stored})
    assert leaked == []
    assert len(tele.read_events(project)) > len(SECRETS) * 8


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.sampled_from(SECRETS or [("none", "none")]), path=st.integers(0, len(LIBRARY_PATHS) - 1),
       argv=st.integers(0, len(COMMAND_PATHS) - 1))
def test_record_and_hook_entry_points_never_store_a_secret(project, tele, monkeypatch, pick, path, argv):
    monkeypatch.chdir(project.root)
    _rule, secret = pick
    etype, build = LIBRARY_PATHS[path]
    record(etype, project, **build(secret))
    after_command(*split_command(COMMAND_PATHS[argv](secret)), 0, time.perf_counter())
    assert secret not in tele.log_text(project)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.sampled_from(SECRETS or [("none", "none")]),
       prefix=st.sampled_from(["", "token=", "Bearer ", "'", "https://x.example/?k="]),
       suffix=st.sampled_from(["", "'", " now", "\n", "/path"]),
       route=st.sampled_from(["arg", "option", "equals", "name"]))
def test_secrets_in_real_commands_never_reach_the_log(project, br, tele, pick, prefix, suffix, route):
    _rule, secret = pick
    value = f"{prefix}{secret}{suffix}"
    args = {"arg": ["feature", "add", value], "option": ["feature", "list", "--status", value],
            "equals": ["feature", "list", f"--status={value}"], "name": ["build", "start", value]}[route]
    br(*args, cwd=project.root)
    assert secret not in tele.log_text(project)
    assert any(e["type"] == "command" for e in tele.read_events(project))


@pytest.mark.parametrize("path", [".env", "config/.env", "deploy/.env.production", "C:\\app\\.env.local",
                                  "--env-file=.env"])
def test_env_file_paths_are_redacted(project, tele, path):
    assert record("model_usage", project, model=path, tier="sonnet")
    event = tele.read_events(project)[-1]
    assert event["data"]["model"] == "<redacted:.env>"


def test_no_environment_values_or_paths_are_recorded(project, br, tele, monkeypatch):
    monkeypatch.setenv("MY_APP_SETTING", "value-from-the-environment-123")
    br("feature", "add", "Thing", cwd=project.root)
    stored = tele.log_text(project)
    assert "value-from-the-environment-123" not in stored
    assert str(project.root) not in stored and project.root.name not in stored


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@settings(max_examples=200, deadline=None)
@given(key=st.text(alphabet=_ALNUM, min_size=16, max_size=64).filter(
    lambda k: any(c.isupper() for c in k) and any(c.islower() for c in k) and any(c.isdigit() for c in k)),
    sep=st.sampled_from(["", "-", "_"]), cut=st.integers(4, 12), prefix=st.sampled_from(["", "tok_", "sk-", "x-"]))
def test_random_keys_without_any_rule_context_are_redacted(key, sep, cut, prefix):
    """Keys the masker cannot place (no keyword context) are still never stored, by shape."""
    from buildrunner.telemetry.privacy import sanitize_string

    value = prefix + (key[:cut] + sep + key[cut:] if sep else key)
    assert key not in sanitize_string(value) and key[:cut] + sep + key[cut:] not in sanitize_string(value)
