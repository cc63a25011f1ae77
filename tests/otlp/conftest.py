"""A real OTLP/HTTP logs receiver on 127.0.0.1 that decodes every request with the official
`opentelemetry-proto` classes, as a collector would."""

from __future__ import annotations

import gzip
import http.server
import time

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

from tests.servers import FakeHTTPServer, serving
from tests.telemetry.conftest import project, telemetry_on  # noqa: F401


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []  # {"path", "headers", "body": ExportLogsServiceRequest}
        self.script: list[tuple[int, dict]] = []  # responses to give before answering 200
        self.delay_s = 0.0
        self.server = FakeHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def records(self) -> list:
        return [rec for r in self.requests if r["status"] == 200 for rl in r["body"].resource_logs
                for sl in rl.scope_logs for rec in sl.log_records]

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                body = ExportLogsServiceRequest.FromString(raw)
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": body,
                                          "status": status, "at": time.monotonic()})
                if receiver.delay_s:
                    receiver.server.pause(receiver.delay_s)
                payload = ExportLogsServiceResponse().SerializeToString() if status == 200 else b""
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    r = Receiver()
    with serving(r.server):
        yield r
