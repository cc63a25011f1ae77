"""A fake Anthropic Messages API on 127.0.0.1 for the router tests.

The real `anthropic` SDK talks to it over real HTTP (`ANTHROPIC_BASE_URL`). By default every request
succeeds with a realistic message (JSON, or SSE events when `stream: true`: message_start,
content_block_start, ping, content_block_delta, content_block_stop, message_delta with usage,
message_stop). Tests script failures per model: `server.script("claude-haiku-5-5", Error(404), ...)`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.servers import FakeHTTPServer

API_KEY = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8" * 5 + "xyzAA"

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
               529: "overloaded_error", 503: "api_error", 402: "billing_error"}


@dataclass
class Reply:
    """A successful answer."""

    text: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the response starts (timeouts)
    fail_midstream: str | None = None  # error type sent as an SSE `error` event after the first delta
    stop_reason: str = "end_turn"


@dataclass
class Error:
    status: int
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error_code: str | None = None
    error_type: str | None = None


DEFAULT_USAGE = {"input_tokens": 812, "output_tokens": 120, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}


class FakeMessagesAPI:
    """The fake API's state (scripts, recorded requests) and its server, which belongs to one test.

    The server is a `tests.servers.FakeHTTPServer`: `close()` wakes a reply that is still waiting out its
    `delay`, cuts kept-alive connections and joins every handler thread, so nothing of this fake runs
    after its test. A client that hung up is recorded in `disconnects`; any other handler exception
    makes `close()` raise, which fails the owning test at teardown instead of printing a traceback into
    whatever runs next.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._scripts: dict[str, list] = {}
        self._lock = threading.Lock()
        self.server = _MessagesServer(self)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.server.start()

    @property
    def disconnects(self) -> list[str]:
        """Clients that hung up before their answer was written (e.g. a timeout test's delayed reply)."""
        return self.server.disconnects

    def script(self, model: str, *replies) -> None:
        """Queue replies for `model`; when the queue is empty the model answers normally."""
        with self._lock:
            self._scripts.setdefault(model, []).extend(replies)

    def always(self, model: str, reply) -> None:
        """Every request for `model` gets `reply` (e.g. a retired model: Error(404))."""
        with self._lock:
            self._scripts[model] = [reply] * 1000

    def models_called(self) -> list[str]:
        return [r["body"].get("model") for r in self.requests]

    def _next(self, model: str):
        with self._lock:
            queue = self._scripts.get(model) or []
            return queue.pop(0) if queue else Reply()

    def close(self) -> None:
        """Stop serving and join every handler; raise (AssertionError) what a handler raised."""
        self.server.close()


class _MessagesServer(FakeHTTPServer):
    def __init__(self, api: FakeMessagesAPI) -> None:
        self.api = api
        super().__init__(("127.0.0.1", 0), _MessagesHandler)


class _MessagesHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _MessagesServer

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802
        api = self.server.api
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        api.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                             "at": time.monotonic()})
        if self.path.split("?")[0] != "/v1/messages":
            return self._error(Error(404, f"no route {self.path}"))
        model = body.get("model", "")
        reply = api._next(model)
        if isinstance(reply, Error):
            return self._error(reply)
        if reply.delay:
            self.server.pause(reply.delay)  # close() cuts it short when the test ends first
        text = reply.text if reply.text is not None else f"Answer from {model}."
        usage = {**DEFAULT_USAGE, **reply.usage}
        # a client that gave up (timeout tests) makes these writes fail: the server records it in `disconnects`
        if body.get("stream"):
            self._stream(model, text, usage, reply)
        else:
            self._json(200, _message(model, text, usage, reply.stop_reason))

    def _json(self, status: int, data: dict, headers: dict | None = None):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", f"req_{len(self.server.api.requests):04d}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, err: Error):
        error = {"type": err.error_type or ERROR_TYPES.get(err.status, "api_error"),
                 "message": err.message or f"simulated {err.status}"}
        if err.error_code:
            error["details"] = {"error_code": err.error_code}
        self._json(err.status, {"type": "error", "error": error, "request_id": "req_err"}, err.headers)

    def _stream(self, model: str, text: str, usage: dict, reply: Reply):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        start_usage = {k: v for k, v in usage.items() if k != "output_tokens"}
        start_usage["output_tokens"] = 1
        message = _message(model, "", start_usage, None)
        message["content"] = []
        self._event("message_start", {"type": "message_start", "message": message})
        self._event("content_block_start", {"type": "content_block_start", "index": 0,
                                            "content_block": {"type": "text", "text": ""}})
        self._event("ping", {"type": "ping"})
        pieces = [text[i:i + 7] for i in range(0, len(text), 7)] or [""]
        for n, piece in enumerate(pieces):
            self._event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                "delta": {"type": "text_delta", "text": piece}})
            if reply.fail_midstream and n == 0:
                self._event("error", {"type": "error", "error": {
                    "type": reply.fail_midstream, "message": "simulated mid-stream failure"}})
                return
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        self._event("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                                      "usage": {"output_tokens": usage["output_tokens"]}})
        self._event("message_stop", {"type": "message_stop"})

    def _event(self, name: str, data: dict):
        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()


def _message(model: str, text: str, usage: dict, stop_reason: str | None) -> dict:
    return {"id": "msg_01FakeFakeFake", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": stop_reason, "stop_sequence": None,
            "usage": usage}


@pytest.fixture
def fake_api(monkeypatch):
    api = FakeMessagesAPI()
    try:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        yield api
    finally:
        api.close()  # joins its handlers; raises a handler's error, failing this test at teardown


@pytest.fixture
def project(tmp_path) -> Path:
    """A project whose config keeps retries fast (tiny backoff, short timeout)."""
    root = tmp_path / "proj"
    (root / ".buildrunner").mkdir(parents=True)
    (root / ".buildrunner" / "config.yaml").write_text(
        "model:\n  routing: auto\n  max_retries: 2\n  retry_delay: 0.001\n  timeout: 5\n", encoding="utf-8")
    return root


@pytest.fixture
def read_ledger():
    """The usage events recorded in a project, parsed."""

    def read(root: Path) -> list[dict]:
        path = root / ".buildrunner" / "usage" / "model_usage.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    return read
