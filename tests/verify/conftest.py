"""Fake providers: one real HTTP server per provider on 127.0.0.1, each answering its documented
verification endpoint the way the real one does (auth scheme, status codes, JSON fields), and
recording every request so tests can prove where each secret went."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import time

import pytest

from tests.servers import FakeHTTPServer


class FakeProvider:
    """`check(handler) -> (status, body dict)` decides; requests are recorded as (method, path, headers)."""

    def __init__(self, name: str, path: str, method: str, check, delay_s: float = 0.0):
        self.name, self.path, self.method, self.check, self.delay_s = name, path, method, check, delay_s
        self.requests: list[dict] = []
        self.server = FakeHTTPServer(("127.0.0.1", 0), self._handler()).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append({"method": self.command, "path": self.path, "headers": self.headers,
                                      "body": body, "at": time.monotonic()})
                if fake.delay_s:
                    fake.server.pause(fake.delay_s)
                if self.path != fake.path or self.command != fake.method:
                    status, payload = 404, {"message": "Not Found"}
                else:
                    status, payload = fake.check(self.headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.close()


def bearer(headers) -> str:
    auth = headers.get("Authorization") or ""
    return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""


class Providers:
    """Keys each fake knows: `live` accepted, everything else rejected as the provider does."""

    def __init__(self, closing: contextlib.ExitStack):
        self.live: set[str] = set()
        self.all: dict[str, FakeProvider] = {}
        self._closing = closing

    def add(self, fake: FakeProvider) -> FakeProvider:
        self._closing.callback(fake.close)  # every fake is closed even when another one's close raises
        self.all[fake.name] = fake
        return fake

    def env(self) -> dict[str, str]:
        return {f"BR_VERIFY_URL_{name.upper()}": fake.url for name, fake in self.all.items()}


@pytest.fixture
def providers(monkeypatch):
    with contextlib.ExitStack() as closing:
        yield from _providers(monkeypatch, Providers(closing))


def _providers(monkeypatch, p: Providers):
    p.add(FakeProvider("github", "/user", "GET",
                       lambda h: (200, {"login": "octo"}) if bearer(h) in p.live
                       else (401, {"message": "Bad credentials"})))
    p.add(FakeProvider("slack", "/api/auth.test", "POST",
                       lambda h: (200, {"ok": True, "team": "T"}) if bearer(h) in p.live
                       else (200, {"ok": False, "error": "invalid_auth"})))
    p.add(FakeProvider("datadog", "/api/v1/validate", "GET",
                       lambda h: (200, {"valid": True}) if h.get("DD-API-KEY") in p.live
                       else (403, {"errors": ["Forbidden"]})))

    def mailgun(h):
        auth = h.get("Authorization") or ""
        try:
            user, _, key = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            return 401, {}
        return (200, {"items": []}) if user == "api" and key in p.live else (401, {"message": "Invalid private key"})

    p.add(FakeProvider("mailgun", "/v3/domains", "GET", mailgun))
    for k, v in p.env().items():
        monkeypatch.setenv(k, v)
    yield p
