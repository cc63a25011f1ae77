"""`br telemetry export --otlp`: OTLP/HTTP protobuf log records to a real receiver, following the
OTel resource/semantic conventions; only new events are sent; retries with backoff; bad settings
and unreachable collectors are reported, never a traceback; background export never blocks."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from tests.telemetry.conftest import read_events, wait_for


def _attrs(kvs) -> dict:
    out = {}
    for kv in kvs:
        which = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, which)
    return out


def _make_events(br, project, n: int = 2):
    for _ in range(n):
        assert br("telemetry", "status", cwd=project.root).exit_code == 0
    return read_events(project)


def test_export_sends_log_records_with_conventions(project, br, receiver, monkeypatch):
    events = _make_events(br, project)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url + "/")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s3cr%3Dt,X-Scope-OrgID=team-a")
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 0, res.output
    assert f"Sent {len(events)} event(s)" in res.stderr
    req = receiver.requests[0]
    assert req["path"] == "/v1/logs"
    assert req["headers"]["Content-Type"] == "application/x-protobuf"
    assert req["headers"]["x-api-key"] == "s3cr=t" and req["headers"]["X-Scope-OrgID"] == "team-a"
    rl = req["body"].resource_logs[0]
    resource = _attrs(rl.resource.attributes)
    assert resource["service.name"] == "br"
    assert resource["br.project.id"] == events[0]["project"] and resource["br.project.id"].startswith("p_")
    assert str(project.root) not in str(req["body"])  # the path never leaves the machine
    records = receiver.records()
    assert [r.event_name for r in records] == [f"br.{e['type']}" for e in events]
    first = records[0]
    attrs = _attrs(first.attributes)
    assert attrs["event.name"] == "br.command" and attrs["br.command"] == "telemetry status"
    assert attrs["br.success"] is True
    assert first.severity_text == "INFO" and first.time_unix_nano > 1.7e18
    assert rl.scope_logs[0].scope.name == "buildrunner.telemetry"


def test_only_new_events_are_sent(project, br, receiver, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", receiver.url + "/custom/logs")
    _make_events(br, project, 3)
    assert br("telemetry", "export", "--otlp", cwd=project.root).exit_code == 0
    sent_first = len(receiver.records())
    assert sent_first == 3 and receiver.requests[0]["path"] == "/custom/logs"
    # the export command itself was recorded after it ran: exactly that one is new
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 0 and "Sent 1 event(s)" in res.stderr
    assert len(receiver.records()) == sent_first + 1
    assert receiver.records()[-1].event_name == "br.command"
    assert _attrs(receiver.records()[-1].attributes)["br.command"] == "telemetry export"


@pytest.mark.slow
def test_retries_transient_failures_with_backoff(project, br, receiver, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    _make_events(br, project)
    receiver.script = [(503, {}), (429, {"Retry-After": "1"})]
    started = time.monotonic()
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 0, res.output
    assert [r["status"] for r in receiver.requests] == [503, 429, 200]
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)]
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95  # 0.5 s backoff, then Retry-After: 1
    assert time.monotonic() - started < 10
    assert len(receiver.records()) == 2


def test_permanent_error_keeps_events_for_next_time(project, br, receiver, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    _make_events(br, project)
    receiver.script = [(400, {})]
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 1 and "HTTP 400" in res.stderr and "2 left for the next export" in res.stderr
    assert len(receiver.requests) == 1  # a 400 is not retried
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 0 and len(receiver.records()) == 3  # the 2 + the failed export's own event


def test_gzip_compression(project, br, receiver, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    _make_events(br, project, 1)
    assert br("telemetry", "export", "--otlp", cwd=project.root).exit_code == 0
    assert receiver.requests[0]["headers"]["Content-Encoding"] == "gzip" and len(receiver.records()) == 1


def test_unreachable_collector_and_bad_settings(project, br, monkeypatch):
    _make_events(br, project, 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://user:hunter2pass@127.0.0.1:{port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 1 and "cannot reach http://127.0.0.1:" in res.stderr
    assert "hunter2pass" not in res.output and "Traceback" not in res.output
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    res = br("telemetry", "export", "--otlp", cwd=project.root)
    assert res.exit_code == 2 and "OTEL_EXPORTER_OTLP_ENDPOINT" in res.stderr
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://127.0.0.1:4317")
    assert br("telemetry", "export", "--otlp", cwd=project.root).exit_code == 2
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "novalue")
    assert br("telemetry", "export", "--otlp", cwd=project.root).exit_code == 2
    assert br("telemetry", "export", "--otlp", "out.jsonl", cwd=project.root).exit_code == 2


@pytest.mark.slow
def test_background_export_never_blocks_a_command(project, br, br_subprocess, receiver, monkeypatch):
    """With telemetry.otlp_export on, each command hands the export to a detached process: the
    command returns while the (slow) collector is still answering."""
    assert br("config", "set", "telemetry.otlp_export", "true", cwd=project.root).exit_code == 0
    receiver.delay_s = 6.0
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    state = project.telemetry_dir / "otlp.json"
    started = time.monotonic()
    res = br_subprocess("telemetry", "status", cwd=project.root, env=env)
    assert res.exit_code == 0, res.output
    assert not state.exists()  # the export is still waiting for the collector: the command did not
    assert time.monotonic() - started < receiver.delay_s
    assert wait_for(lambda: len(receiver.requests) >= 1, timeout=20)
    assert wait_for(state.exists, timeout=20)
    names = [r.event_name for r in receiver.records()]
    assert "br.command" in names
    # throttled: a second command within a minute does not start another exporter
    br_subprocess("telemetry", "status", cwd=project.root, env=env)
    time.sleep(1.0)
    assert len(receiver.requests) == 1


def test_encoding_round_trips_every_value_kind():
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    from buildrunner.telemetry.otlp import export_request

    ev = {"schema": 1, "type": "security", "ts": "2026-11-23T23:15:49.123Z", "project": "p_0123456789abcdef",
          "user": "u_0123456789abcdef", "br": "0.1.0", "commit": "",
          "data": {"total": 3, "counts": {"secrets.github-pat": 2, "python.sql-injection.x": 1},
                   "scope": "staged", "ratio": 0.25, "ok": False, "neg": -5, "big": 2**40}}
    req = ExportLogsServiceRequest.FromString(export_request([ev], "0.1.0", observed_ns=1))
    rec = req.resource_logs[0].scope_logs[0].log_records[0]
    attrs = _attrs(rec.attributes)
    assert attrs["br.total"] == 3 and attrs["br.ratio"] == 0.25 and attrs["br.ok"] is False
    assert attrs["br.neg"] == -5 and attrs["br.big"] == 2**40 and attrs["br.scope"] == "staged"
    assert {kv.key: kv.value.int_value for kv in attrs["br.counts"].values} == {
        "secrets.github-pat": 2, "python.sql-injection.x": 1}
    assert "vcs.ref.head.revision" not in attrs  # empty values are left out
    assert rec.time_unix_nano == 1795475749123000000 and rec.observed_time_unix_nano == 1
    assert sys.modules.get("opentelemetry.sdk") is None  # br itself needs no OTel SDK


def test_documented_collector_config_is_consistent():
    """The collector config in docs/TELEMETRY.md parses and its pipeline names only declared parts."""
    import re
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[2] / "docs" / "TELEMETRY.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "receivers:" in b)
    config = yaml.safe_load(block)
    pipeline = config["service"]["pipelines"]["logs"]
    for section in ("receivers", "processors", "exporters"):
        assert set(pipeline[section]) <= set(config[section]), section
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")


def test_background_export_reads_only_lines_appended_since_the_last(project, receiver, monkeypatch):
    """The background export resumes at the log offset where the last complete export stopped; a
    rotated log is read in full again, and nothing is sent twice."""
    from buildrunner.telemetry import otlp
    from buildrunner.telemetry.collector import TelemetryCollector
    from buildrunner.telemetry.events import command_data, make_event

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    count = iter(range(60))

    def append(collector, n):
        for _ in range(n):
            collector.append(make_event("command", command_data("status", [], 1.0, 0),
                                        ts=f"2026-11-23T10:00:{next(count):02d}.000Z", project="p_0123456789abcdef",
                                        user="u_0123456789abcdef", br="0.1.0"))

    parsed: list[bytes] = []
    real = otlp.from_line
    monkeypatch.setattr(otlp, "from_line", lambda line: parsed.append(line) or real(line))
    append(TelemetryCollector(project), 3)
    assert otlp.export_project(project.root).sent == 3 and len(parsed) == 3
    parsed.clear()
    append(TelemetryCollector(project), 2)
    res = otlp.export_project(project.root)
    assert (res.sent, res.already_sent, len(parsed)) == (2, 0, 2)  # the first 3 lines were not read again
    small = TelemetryCollector(project, max_bytes=1)  # every append rotates the log into archive/
    append(small, 2)
    assert small.archives()
    res = otlp.export_project(project.root)
    assert (res.sent, res.already_sent) == (2, 5)  # read in full: the archives' events are known by digest
    append(small, 2)  # rotated again since that export (which stopped at offset 0), then one more line
    append(TelemetryCollector(project), 1)
    assert otlp.export_project(project.root).sent == 3
    parsed.clear()
    append(TelemetryCollector(project), 1)
    assert otlp.export_project(project.root).sent == 1 and len(parsed) == 1  # resumed again
    stamps = [r.time_unix_nano for r in receiver.records()]
    assert len(stamps) == len(set(stamps)) == len(list(TelemetryCollector(project).iter_events())) == 11
