"""Serve the dashboard on 127.0.0.1 behind a random token (like Jupyter).

Every request needs the token: `?token=…` in the URL (the page then keeps it in a same-site,
HTTP-only cookie so its scripts and the event stream need not repeat it). The server binds to
loopback unless the user asks for another interface, checks the Host header against DNS
rebinding, and pushes a fresh snapshot over Server-Sent Events whenever a status, command, state or
decisions file changes (mtime polling every 200 ms: no dependency, well under the 1 s budget).
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import secrets
import threading
import time
from pathlib import Path

from buildrunner.errors import BrError

COOKIE = "br_dashboard_token"
POLL_SECONDS = 0.2
RESNAPSHOT_SECONDS = 2.0     # also catches changes no file shows (a worker pid that died)
KEEPALIVE_SECONDS = 15.0
STATIC = Path(__file__).with_name("static")


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(root: Path, br_dir: Path | None, token: str, stop: threading.Event, *, loopback_only: bool = True):
    from flask import Flask, Response, abort, jsonify, make_response, request, send_from_directory

    from buildrunner.orchestration.orchestrator import Orchestrator

    app = Flask(__name__, static_folder=None)
    orch = Orchestrator(root, br_dir)
    lock = threading.Lock()

    def snapshot() -> dict:
        with lock:  # one Orchestrator object caches the plan; keep readers serialized
            data = orch.snapshot()
        data["server_time"] = time.time()
        return data

    @app.before_request
    def check_token():
        refusal = _refusal(request, token, loopback_only)
        if refusal:
            abort(403, refusal)

    @app.after_request
    def remember(resp):
        if request.args.get("token"):
            resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self'; script-src 'self'"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    @app.get("/")
    def index():
        resp = make_response(send_from_directory(STATIC, "index.html"))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get("/static/<path:name>")
    def static_file(name):
        return send_from_directory(STATIC, name)

    @app.get("/api/state")
    def api_state():
        return jsonify(snapshot())

    @app.get("/events")
    def events():
        return Response(_event_stream(orch.paths.watched, snapshot, stop), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


def _refusal(request, token: str, loopback_only: bool) -> str | None:
    """Why a request is refused (403), or None: a Host that is not loopback (DNS rebinding) when
    serving on loopback, or a missing or wrong token (URL, cookie or `Authorization: token …`)."""
    if loopback_only:
        host = (request.host or "").rsplit(":", 1)[0].strip("[]")
        if not is_loopback(host):
            return "unexpected Host header"
    given = request.args.get("token") or request.cookies.get(COOKIE) or \
        request.headers.get("Authorization", "").removeprefix("token ").strip()
    if not given or not hmac.compare_digest(given, token):
        return "missing or wrong token: open the URL printed by `br dashboard` / `br orchestrate`"
    return None


def _event_stream(watched, snapshot, stop: threading.Event):
    """Server-Sent Events: a snapshot whenever a watched file changes (or every RESNAPSHOT_SECONDS,
    sent only if it differs apart from `server_time`), a keepalive comment when idle."""
    from buildrunner.orchestration.state import fingerprint

    last_fp, last_json = None, None
    last_sent = last_full = time.monotonic()
    yield "retry: 1000\n\n"
    while not stop.is_set():
        now = time.monotonic()
        fp = fingerprint(watched())
        if fp != last_fp or now - last_full >= RESNAPSHOT_SECONDS:
            last_fp, last_full = fp, now
            data = snapshot()
            text = json.dumps(data, default=str, sort_keys=True)
            body = json.dumps({k: v for k, v in data.items() if k != "server_time"}, default=str, sort_keys=True)
            if body != last_json:
                last_json, last_sent = body, now
                yield f"event: snapshot\ndata: {text}\n\n"
        if now - last_sent >= KEEPALIVE_SECONDS:
            last_sent = now
            yield ": keepalive\n\n"
        stop.wait(POLL_SECONDS)


class DashboardServer:
    """The dashboard in a background thread; `start()` returns the URL, `stop()` ends it cleanly."""

    def __init__(self, root: Path, br_dir: Path | None = None, *, host: str = "127.0.0.1", port: int = 8080,
                 token: str | None = None):
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise BrError(f"invalid dashboard port {port!r}: use 1-65535, or 0 for any free port")
        self.root, self.br_dir, self.host, self.port = Path(root), br_dir, host, port
        self.token = token or secrets.token_urlsafe(24)
        self.stop_event = threading.Event()
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        shown = "127.0.0.1" if host in {"0.0.0.0", "[::]"} else host
        return f"http://{shown}:{self.port}/?token={self.token}"

    def start(self) -> str:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            """No access log: it would print the token into the orchestrator's terminal."""

            def log_request(self, *args, **kwargs):
                pass

        app = create_app(self.root, self.br_dir, self.token, self.stop_event,
                         loopback_only=is_loopback(self.host))
        try:
            self._server = make_server(self.host, self.port, app, threaded=True, request_handler=QuietHandler)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES) or "in use" in str(exc).lower():
                raise BrError(f"cannot start the dashboard: port {self.port} on {self.host} is already in use",
                              hint="pick another port with --port N (or `br config set orchestration.dashboard_port N`)") from None
            raise BrError(f"cannot start the dashboard on {self.host}:{self.port}: {exc.strerror or exc}") from None
        except SystemExit:  # older werkzeug exits on a taken port
            raise BrError(f"cannot start the dashboard: port {self.port} on {self.host} is already in use",
                          hint="pick another port with --port N") from None
        self.port = self._server.server_port
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="br-dashboard", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self.stop_event.set()  # event streams end at their next poll
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
