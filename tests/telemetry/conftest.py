"""Telemetry fixtures: collection switched on, an initialized project, a Slack receiver and an
SMTP server — both real servers on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import time
from pathlib import Path

import pytest

from buildrunner.project import Project
from tests.servers import FakeHTTPServer, FakeTCPServer, serving


@pytest.fixture
def telemetry_on(monkeypatch):
    monkeypatch.delenv("BR_TELEMETRY", raising=False)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)


@pytest.fixture
def project(git_repo, telemetry_on) -> Project:
    """A git repo with one commit and a `.buildrunner/` directory, telemetry on."""
    git_repo.write("README.md", "hello\n")
    git_repo.add()
    git_repo.commit("init")
    (git_repo.root / ".buildrunner").mkdir()
    return Project(git_repo.root)


def read_events(project: Project) -> list[dict]:
    from buildrunner.telemetry.collector import TelemetryCollector

    return list(TelemetryCollector(project).iter_events())


def log_text(project: Project) -> str:
    """Everything telemetry stored for the project (live log + decompressed archives + summary)."""
    import gzip

    tdir = project.telemetry_dir
    parts = []
    for path in sorted(tdir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            parts.append(data.decode("utf-8", "replace"))
    return "\n".join(parts)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# ---------------------------------------------------------------------------------------------
# Slack: an HTTP receiver for incoming-webhook POSTs


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append({"path": self.path, "body": json.loads(body),
                                     "content_type": self.headers.get("Content-Type")})
        status = self.server.status
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"invalid_token")

    def log_message(self, *args):
        pass


@pytest.fixture
def slack_receiver():
    server = FakeHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    server.status = 200
    server.url = f"http://127.0.0.1:{server.port}/services/T0000/B0000/XXXXsecretwebhooktoken42"
    with serving(server):
        yield server


# ---------------------------------------------------------------------------------------------
# SMTP: a tiny RFC 5321 server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 localhost test SMTP")
        message = {"rcpt": [], "auth": None}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "AUTH":
                parts = line.split()
                creds = base64.b64decode(parts[2]).split(b"\0") if len(parts) > 2 else []
                message["auth"] = [c.decode() for c in creds[1:]]
                ok = message["auth"] == self.server.accept_auth if self.server.accept_auth else True
                self.reply("235 2.7.0 Authentication successful" if ok else "535 5.7.8 Authentication failed")
            elif verb == "MAIL":
                message["from"] = line.split(":", 1)[1].strip()
                self.reply("250 OK")
            elif verb == "RCPT":
                message["rcpt"].append(line.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data.decode("utf-8", "replace"))
                message["data"] = "".join(lines)
                self.server.messages.append(dict(message))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server():
    server = FakeTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []
    server.accept_auth = None
    with serving(server):
        yield server


def write_config(project: Project, text: str) -> Path:
    path = project.config_path
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.contextmanager
def unwritable(path: Path):
    """Make a directory unwritable, even for root (chattr +i); skips when that is impossible."""
    if os.geteuid() != 0:
        path.chmod(0o500)
        try:
            yield
        finally:
            path.chmod(0o700)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root and cannot make a directory immutable here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


class _Helpers:
    unwritable = staticmethod(unwritable)
    read_events = staticmethod(read_events)
    log_text = staticmethod(log_text)
    wait_for = staticmethod(wait_for)
    write_config = staticmethod(write_config)


@pytest.fixture
def tele() -> _Helpers:
    """Helper functions (read_events, log_text, wait_for, write_config) without a helpers module."""
    return _Helpers()
