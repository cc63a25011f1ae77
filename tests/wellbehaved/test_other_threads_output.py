"""What another thread of the test process prints never reaches a `br` result, and a fake server's
errors belong to the test that owns it.

The failure these guard against: under xdist, an earlier test's 127.0.0.1 server woke up a request
handler after its test ended; the handler's error ("Exception occurred during processing of request
from ('127.0.0.1', ...)" and a traceback) was printed to `sys.stderr`, which at that moment was the
in-process CliRunner's capture of `br gaps analyze --output ...` in test_error_output_masked.py.
"""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
import time
import urllib.request

import pytest

import buildrunner.cli.main
from tests.servers import FakeHTTPServer, serving

SECRET = "ghp_" + "Zq8Lm3Nx7Pv2Rt5Wk9Yb4Hc6Jd1Fs0Ga3EuX"


class _LeakyServer(http.server.ThreadingHTTPServer):
    """A server set up the way the fixtures used to be: daemon request threads, nobody joins them,
    errors printed by socketserver's default `handle_error`."""

    def __init__(self, *args):
        super().__init__(*args)
        self.release, self.printed = threading.Event(), threading.Event()

    def handle_error(self, request, client_address):
        super().handle_error(request, client_address)  # prints to sys.stderr, as the stdlib does
        self.printed.set()


class _LateHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.release.wait(30)
        raise ValueError(f"late failure in a test that already ended, token {SECRET}")

    def log_message(self, *args):
        pass


def _earlier_test_leaves_a_handler_behind() -> _LeakyServer:
    """An 'earlier test': its client times out, its server is shut down and closed, the handler
    thread is still waiting."""
    server = _LeakyServer(("127.0.0.1", 0), _LateHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with pytest.raises(OSError):  # TimeoutError, or URLError wrapping it
        urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/", timeout=0.3)
    server.shutdown()
    server.server_close()
    return server


@pytest.fixture
def br_during_foreign_output(request, monkeypatch):
    """`br`, where the leftover handler prints its traceback just as each invocation starts."""
    leftover = _earlier_test_leaves_a_handler_behind()
    real_run_command = buildrunner.cli.main.run_command

    def run_command(args):  # inside br's masked streams, as br starts the command
        leftover.release.set()
        assert leftover.printed.wait(10), "the leftover handler never printed"
        return real_run_command(args)

    monkeypatch.setattr(buildrunner.cli.main, "run_command", run_command)
    return request.getfixturevalue("br")


def test_a_late_handler_of_an_earlier_test_does_not_reach_br_output(committed_project, br_during_foreign_output,
                                                                    capsys):
    out = committed_project.root / "gaps.json"
    res = br_during_foreign_output("gaps", "analyze", "--output", str(out), cwd=committed_project.root)
    assert res.exit_code == 1, res.output  # gaps found (no tests, no hook): the report is in the file
    assert "gaps.no-tests" in out.read_text()
    assert "Exception occurred during processing of request" not in res.output
    assert "Traceback" not in res.output and SECRET not in res.output
    # the handler did print, during the invocation: to the test's own stderr, not to br's
    assert "Exception occurred during processing of request" in capsys.readouterr().err


def test_a_foreign_line_written_in_pieces_around_br_output_stays_out_of_it(git_repo, br, monkeypatch, capsys):
    """print() writes a line in several pieces; br's own lines written between two pieces must not
    carry the other thread's piece into br's output (br's masking streams hold lines per thread)."""
    go, fragment_written, finish = threading.Event(), threading.Event(), threading.Event()

    def foreign():
        go.wait(10)
        sys.stderr.write("Exception occurred during processing of request from ")
        fragment_written.set()
        finish.wait(10)
        sys.stderr.write("('127.0.0.1', 4242)\n")

    real_run_command = buildrunner.cli.main.run_command
    thread = threading.Thread(target=foreign)
    thread.start()  # before the invocation: not one of br's threads

    def run_command(args):
        go.set()
        assert fragment_written.wait(10)
        code = real_run_command(args)  # br prints its usage error to stderr
        finish.set()
        thread.join()
        return code

    monkeypatch.setattr(buildrunner.cli.main, "run_command", run_command)
    res = br("no-such-command", cwd=git_repo.root)
    assert res.exit_code == 2 and "No such command" in res.stderr
    assert "Exception occurred" not in res.output and "127.0.0.1" not in res.output
    assert "Exception occurred during processing of request from ('127.0.0.1', 4242)" in capsys.readouterr().err


def test_threads_br_starts_are_still_captured(git_repo, br, monkeypatch):
    """The isolation must not hide br's own output: a thread started by the command (and a thread
    that thread starts) writes into the result, masked like everything else br prints."""
    real_run_command = buildrunner.cli.main.run_command

    def run_command(args):
        def worker():
            print(f"worker line {SECRET}", file=sys.stderr)
            nested = threading.Thread(target=lambda: print("nested worker line", file=sys.stdout))
            nested.start()
            nested.join()

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        return real_run_command(args)

    monkeypatch.setattr(buildrunner.cli.main, "run_command", run_command)
    res = br("--help", cwd=git_repo.root)
    assert res.exit_code == 0
    assert "worker line" in res.stderr and "nested worker line" in res.stdout
    assert SECRET not in res.output


# --- tests/servers.py: a fake server's threads end with its test, its errors fail that test


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.pause(30)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"too late")

    def log_message(self, *args):
        pass


class _Broken(_Slow):
    def do_GET(self):  # noqa: N802
        raise KeyError("a bug in the fake")


def test_closing_a_fake_server_wakes_and_joins_a_slow_handler(capsys):
    server = FakeHTTPServer(("127.0.0.1", 0), _Slow)
    started = time.monotonic()
    with serving(server), pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=0.3)
    assert not [t for t in threading.enumerate() if t.name.startswith("FakeHTTPServer")]
    assert time.monotonic() - started < 5
    assert server.disconnects and not server.errors  # the client had gone: recorded, not printed
    assert capsys.readouterr().err == ""


def test_closing_a_fake_server_unblocks_a_handler_reading_a_silent_client():
    server = FakeHTTPServer(("127.0.0.1", 0), _Slow)
    with serving(server), socket.create_connection(("127.0.0.1", server.port)):
        time.sleep(0.1)  # connected, sends nothing: the handler waits for a request line
    assert not [t for t in threading.enumerate() if t.name.startswith("FakeHTTPServer")]


def test_a_fake_server_bug_fails_its_own_test_instead_of_printing(capsys):
    server = FakeHTTPServer(("127.0.0.1", 0), _Broken)
    with (pytest.raises(AssertionError, match="KeyError: 'a bug in the fake'"), serving(server),
          pytest.raises(OSError)):  # the connection is closed without an answer
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=5)
    assert capsys.readouterr().err == ""


class _ReadsJSON(_Slow):
    def do_POST(self):  # noqa: N802
        json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()


def test_a_request_cut_short_by_close_is_a_disconnect_not_a_failure():
    server = FakeHTTPServer(("127.0.0.1", 0), _ReadsJSON).start()
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b'POST / HTTP/1.0\r\nContent-Length: 100\r\n\r\n{"partial": ')
        time.sleep(0.1)  # the handler waits for the other 88 bytes when the test ends
        server.close()
    assert any("cut at close: JSONDecodeError" in d for d in server.disconnects), server.disconnects
    assert not server.errors
