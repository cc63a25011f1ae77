"""`br model run` with the real anthropic SDK against the fake Messages API over real HTTP."""

from __future__ import annotations

import json

import pytest
from conftest import API_KEY, Error, Reply  # tests/router/conftest.py

HAIKU, SONNET, OPUS = "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"
SIMPLE_TASK = "Fix the typo in the README installation section"


@pytest.mark.slow
def test_streams_answer_and_records_usage(br, fake_api, project, read_ledger):
    fake_api.script(HAIKU, Reply(text="Replaced 'instalation' with 'installation'.",
                                 usage={"input_tokens": 1200, "output_tokens": 30}))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0, res.stderr
    assert res.stdout == "Replaced 'instalation' with 'installation'.\n"
    assert f"— {HAIKU} · 1200 in / 30 out tokens" in res.stderr
    # one streamed request, authenticated, to the routed model
    (req,) = fake_api.requests
    assert req["body"]["model"] == HAIKU and req["body"]["stream"] is True
    headers = req["headers"]
    assert API_KEY in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))
    assert req["body"]["messages"] == [{"role": "user", "content": SIMPLE_TASK}]
    (event,) = read_ledger(project)
    assert event["event_type"] == "model_usage" and event["schema_version"] == 1
    assert event["timestamp"].endswith("Z")
    assert event["model"] == HAIKU and event["tier"] == "haiku"
    assert event["complexity"] == "simple" and event["task_type"] == "typo"
    assert (event["input_tokens"], event["output_tokens"]) == (1200, 30)
    assert event["cost_usd"] == pytest.approx((1200 * 0.10 + 30 * 0.50) / 1e6)
    assert event["success"] is True and event["fallback"] is False and event["attempts"] == 1
    assert event["duration_ms"] > 0
    raw = (project / ".buildrunner" / "usage" / "model_usage.jsonl").read_text()
    assert "README" not in raw and "instalation" not in raw and API_KEY not in raw  # no task, answer or key


def test_cache_and_long_context_usage_priced_from_the_response(br, fake_api, project, read_ledger):
    fake_api.script(HAIKU, Reply(usage={"input_tokens": 20_000, "output_tokens": 2_000,
                                        "cache_read_input_tokens": 90_000, "cache_creation_input_tokens": 0}))
    assert br("model", "run", SIMPLE_TASK, cwd=project).exit_code == 0
    (event,) = read_ledger(project)
    # prompt = 110,000 tokens > 100k: the whole request uses Haiku's long-context prices
    assert event["long_context"] is True
    assert event["cost_usd"] == pytest.approx((20_000 * 0.50 + 90_000 * 0.05 + 2_000 * 2.50) / 1e6)
    assert event["cache_read_input_tokens"] == 90_000


def test_model_override_and_stdin_task(br, fake_api, project, read_ledger):
    res = br("model", "run", "--model", "opus", "--max-tokens", "64", cwd=project, input="Explain this regex\n")
    assert res.exit_code == 0, res.stderr
    (req,) = fake_api.requests
    assert req["body"]["model"] == OPUS and req["body"]["max_tokens"] == 64
    assert req["body"]["messages"][0]["content"] == "Explain this regex\n"
    assert read_ledger(project)[0]["routing"] == "override"


def test_manual_routing_uses_default(br, fake_api, project):
    (project / ".buildrunner" / "config.yaml").write_text(
        "model:\n  routing: manual\n  default: sonnet\n  retry_delay: 0.001\n", encoding="utf-8")
    assert br("model", "run", SIMPLE_TASK, cwd=project).exit_code == 0
    assert fake_api.models_called() == [SONNET]


def test_404_falls_back_at_once_and_says_so(br, fake_api, project, read_ledger):
    fake_api.always(HAIKU, Error(404, "model: claude-haiku-5-5"))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0, res.stderr
    assert fake_api.models_called() == [HAIKU, SONNET]  # no retry of a missing model
    notices = [line for line in res.stderr.splitlines() if line.startswith("br: fallback:")]
    assert notices == [f"br: fallback: {HAIKU} unavailable (404 not found); falling back to {SONNET}"]
    assert res.stdout == f"Answer from {SONNET}.\n"
    (event,) = read_ledger(project)
    assert event["model"] == SONNET and event["fallback"] is True and event["fallback_from"] == [HAIKU]
    assert event["cost_usd"] == pytest.approx((812 * 2 + 120 * 10) / 1e6)  # priced as the model that answered


def test_overloaded_retries_then_falls_back_along_the_chain(br, fake_api, project, read_ledger):
    fake_api.always(HAIKU, Error(529))
    fake_api.always(SONNET, Error(500))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0, res.stderr
    # max_retries 2: three attempts per model, then the next one
    assert fake_api.models_called() == [HAIKU] * 3 + [SONNET] * 3 + [OPUS]
    # one retry loop: the SDK never retries under ours (max_retries=0)
    assert {r["headers"].get("x-stainless-retry-count") for r in fake_api.requests} == {"0"}
    assert res.stderr.count("br: fallback:") == 2
    event = read_ledger(project)[0]
    assert event["model"] == OPUS and event["fallback_from"] == [HAIKU, SONNET] and event["attempts"] == 7


def test_transient_error_recovers_on_the_same_model(br, fake_api, project):
    fake_api.script(HAIKU, Error(529), Error(503))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0 and "fallback" not in res.stderr
    assert fake_api.models_called() == [HAIKU] * 3


def test_429_honours_retry_after(br, fake_api, project):
    fake_api.script(HAIKU, Error(429, "rate limited", headers={"retry-after": "0.3"}))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0, res.stderr
    first, second = fake_api.requests
    assert second["at"] - first["at"] >= 0.3  # waited as told (the configured backoff is 1 ms)
    assert fake_api.models_called() == [HAIKU, HAIKU]


def test_429_with_long_retry_after_falls_back_instead_of_waiting(br, fake_api, project):
    fake_api.always(HAIKU, Error(429, "rate limited", headers={"retry-after": "3600"}))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0
    assert fake_api.models_called() == [HAIKU, SONNET]
    first, second = fake_api.requests
    assert second["at"] - first["at"] < 3  # fell back at once instead of sleeping for an hour


def test_spend_limit_stops_with_clear_message(br, fake_api, project, read_ledger):
    fake_api.always(HAIKU, Error(429, "You have reached your specified API usage limits.",
                                 error_code="enforced_spend_limit_reached"))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 2
    assert "spend limit or credit is exhausted" in res.stderr and "Billing" in res.stderr
    assert fake_api.models_called() == [HAIKU]  # neither retried nor sent to another model
    (event,) = read_ledger(project)
    assert event["success"] is False and event["error"] == "spend_limit"


@pytest.mark.parametrize("status, needle", [
    (400, "the API rejected the request (400)"),
    (403, "permission denied (403)"),
])
def test_caller_errors_are_not_retried_on_another_model(br, fake_api, project, status, needle):
    fake_api.always(HAIKU, Error(status, "bad"))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 2 and needle in res.stderr
    assert fake_api.models_called() == [HAIKU]


def test_401_explains_how_to_set_the_key_and_masks_it(br, fake_api, project):
    fake_api.always(HAIKU, Error(401, "invalid x-api-key"))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 2
    assert fake_api.models_called() == [HAIKU]
    assert "ANTHROPIC_API_KEY" in res.stderr
    assert API_KEY not in res.output and "sk-a…" in res.stderr


def test_missing_key_is_a_clear_error_without_a_request(br, fake_api, project, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 2 and "export ANTHROPIC_API_KEY=" in res.stderr
    assert fake_api.requests == []


def test_timeout_retries_then_falls_back(br, fake_api, project):
    (project / ".buildrunner" / "config.yaml").write_text(
        "model:\n  max_retries: 1\n  retry_delay: 0.001\n  timeout: 0.6\n", encoding="utf-8")
    fake_api.script(HAIKU, Reply(delay=1.5), Reply(delay=1.5))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0, res.stderr
    assert fake_api.models_called() == [HAIKU, HAIKU, SONNET]
    assert "timeout" in res.stderr


def test_connection_error_exhausts_the_chain(br, project, monkeypatch, read_ledger):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 1
    assert "no model could answer" in res.stderr and "connection" in res.stderr
    # one entry per model with its retry count, not nine near-identical ones
    reasons = res.stderr.split("no model could answer (")[1].split(")\n")[0]
    assert reasons.count("claude-haiku") == 1 and "(×3)" in reasons, reasons
    (event,) = read_ledger(project)
    assert event["success"] is False and event["error"] == "connection" and event["attempts"] == 9


def test_mid_stream_failure_does_not_repeat_the_answer(br, fake_api, project, read_ledger):
    fake_api.script(HAIKU, Reply(text="The first part of a long answer", fail_midstream="overloaded_error"))
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 1
    assert "stopped midway" in res.stderr
    assert fake_api.models_called() == [HAIKU]
    assert read_ledger(project)[0]["success"] is False


def test_json_output(br, fake_api, project):
    res = br("model", "run", SIMPLE_TASK, "--json", cwd=project)
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["model"] == HAIKU and data["text"] == f"Answer from {HAIKU}."
    assert data["usage"]["input_tokens"] == 812 and data["cost_usd"] > 0


def test_unwritable_ledger_warns_but_the_answer_stands(br, fake_api, project):
    (project / ".buildrunner" / "usage").write_text("not a directory", encoding="utf-8")
    res = br("model", "run", SIMPLE_TASK, cwd=project)
    assert res.exit_code == 0
    assert res.stdout == f"Answer from {HAIKU}.\n"
    assert "could not record model usage" in res.stderr


def test_empty_task_is_a_usage_error(br, fake_api, project):
    res = br("model", "run", "-", cwd=project, input="   \n")
    assert res.exit_code == 2 and "the task is empty" in res.stderr
    assert fake_api.requests == []


def test_stats_over_real_runs(br, fake_api, project, read_ledger):
    fake_api.script(SONNET, Error(404))
    tasks = [SIMPLE_TASK, "Implement a /health endpoint that returns the version",
             "Fix the deadlock in the connection pool under high load"]
    for task in tasks:
        assert br("model", "run", task, cwd=project).exit_code == 0
    assert fake_api.models_called() == [HAIKU, SONNET, OPUS, SONNET]
    events = read_ledger(project)
    data = json.loads(br("model", "stats", "--json", cwd=project).stdout)
    assert data["tasks"] == 3 and data["fallbacks"] == 1
    assert data["total_cost_usd"] == pytest.approx(sum(e["cost_usd"] for e in events))
    assert {m["model"]: m["tasks"] for m in data["models"]} == {OPUS: 1, HAIKU: 1, SONNET: 1}
    # every request used 812 in / 120 out: the Sonnet baseline is three Sonnet-priced requests
    assert data["baseline"]["cost_usd"] == pytest.approx(3 * (812 * 2 + 120 * 10) / 1e6)


def test_usage_also_reaches_telemetry_when_enabled(br, fake_api, project, read_ledger, monkeypatch):
    monkeypatch.delenv("BR_TELEMETRY")
    assert br("model", "run", SIMPLE_TASK, cwd=project).exit_code == 0
    assert len(read_ledger(project)) == 1  # the ledger is written whatever the telemetry setting
    events = project / ".buildrunner" / "telemetry" / "events.jsonl"
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    usage_events = [e for e in lines if e.get("type") == "model_usage"]
    assert len(usage_events) == 1 and usage_events[0]["data"]["model"] == HAIKU
    assert "README" not in events.read_text()


def test_no_telemetry_when_disabled(br, fake_api, project, read_ledger):
    assert br("model", "run", SIMPLE_TASK, cwd=project).exit_code == 0  # BR_TELEMETRY=0 (tests/conftest.py)
    assert len(read_ledger(project)) == 1
    assert not (project / ".buildrunner" / "telemetry" / "events.jsonl").exists()


def test_config_set_switches_routing(br, fake_api, project):
    assert br("config", "set", "model.routing", "manual", cwd=project).exit_code == 0
    assert br("config", "set", "model.default", "opus", cwd=project).exit_code == 0
    assert br("model", "route", SIMPLE_TASK, cwd=project).stdout.startswith("claude-opus-5-5  [opus, simple typo task, manual]")
    assert br("model", "run", SIMPLE_TASK, cwd=project).exit_code == 0
    assert fake_api.models_called() == [OPUS]


def test_invalid_utf8_on_stdin_is_replaced_not_fatal(br, fake_api, project):
    res = br("model", "run", "-", cwd=project, input=b"Explain \xff\xfe this regex\n")
    assert res.exit_code == 0, res.stderr
    assert fake_api.requests[0]["body"]["messages"][0]["content"] == "Explain \ufffd\ufffd this regex\n"


def test_an_answer_cut_off_by_max_tokens_says_so(br, fake_api, project, read_ledger):
    fake_api.script(HAIKU, Reply(text="The first half of", stop_reason="max_tokens"))
    res = br("model", "run", SIMPLE_TASK, "--max-tokens", "5", cwd=project)
    assert res.exit_code == 0 and res.stdout.startswith("The first half of")
    assert "cut off at the 5-token limit" in res.stderr and "--max-tokens" in res.stderr
    assert read_ledger(project)[0]["stop_reason"] == "max_tokens"
    assert fake_api.requests[-1]["body"]["max_tokens"] == 5
    fake_api.script(HAIKU, Reply(text="Complete."))
    assert "cut off" not in br("model", "run", SIMPLE_TASK, cwd=project).stderr
