"""Fake servers on 127.0.0.1 that belong to the test that started them.

socketserver's threading servers hand each request to a daemon thread that nobody joins: after
`shutdown()` and `server_close()` a handler may still be sleeping (a test's timeout scenario), wake up
after its test ended, write to a socket the client already closed and let `handle_error` print
"Exception occurred during processing of request from ('127.0.0.1', ...)" and a traceback to whatever
`sys.stderr` is at that moment: the output of another test running in the same xdist worker.

`OwnedServer` closes that gap:
- `close()` stops the accept loop, wakes handlers sleeping in `pause()`, cuts open connections and
  joins the serving thread and every request thread before it returns (a handler still running after
  the timeout fails the test);
- a handler's exception is stored, never printed: a client that went away (broken pipe, reset) is
  recorded in `disconnects`; anything else is a bug in the fake and `close()` raises it, so the test
  that owns the server fails at teardown instead of some other test's output carrying a traceback
  (a handler whose I/O fails because `close()` cut its connection counts as a disconnect).

Use `serving(server)` in a fixture: it starts the server, yields it and closes it.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import socketserver
import sys
import threading
import traceback

CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class OwnedServer:
    """Mixin for a socketserver threading server (put it first in the bases)."""

    join_timeout_s = 10.0

    def __init__(self, *args, **kwargs):
        self.errors: list[str] = []  # formatted tracebacks of handler bugs
        self.disconnects: list[str] = []  # clients that hung up before the answer was written
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._request_threads: list[threading.Thread] = []
        self._open_requests: set[socket.socket] = set()
        self._cut: set[socket.socket] = set()  # connections close() shut down under their handler
        self._serve_thread: threading.Thread | None = None
        super().__init__(*args, **kwargs)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self):
        self._serve_thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                              name=f"{type(self).__name__} serve", daemon=True)
        self._serve_thread.start()
        return self

    def pause(self, seconds: float) -> None:
        """Sleep in a handler (a slow server); `close()` cuts it short."""
        self.stopping.wait(seconds)

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                  name=f"{type(self).__name__} request", daemon=True)
        with self._lock:
            self._request_threads.append(thread)
            self._open_requests.add(request)
        thread.start()

    def shutdown_request(self, request):
        with self._lock:
            self._open_requests.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, CLIENT_GONE):
            self.disconnects.append(f"{client_address}: {type(exc).__name__}")
        elif request in self._cut and isinstance(exc, (OSError, ValueError)):
            # I/O on a connection close() cut (e.g. a JSON body cut short): not a bug in the fake. A
            # TypeError, KeyError, ... is a bug even then (a delayed reply woken by close() may hit it
            # just after its connection was cut).
            self.disconnects.append(f"{client_address}: cut at close: {type(exc).__name__}")
        else:
            self.errors.append(f"request from {client_address}:\n{traceback.format_exc()}")

    def close(self) -> None:
        """Stop serving and wait for every thread; raise what the handlers raised."""
        self.stopping.set()
        if self._serve_thread is not None:
            self.shutdown()
        self.server_close()
        with self._lock:
            open_requests = list(self._open_requests)
            threads = list(self._request_threads)
            self._cut.update(open_requests)
        for request in open_requests:  # a handler blocked reading a silent client returns now
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
        stuck = []
        for thread in [*threads, *filter(None, [self._serve_thread])]:
            thread.join(self.join_timeout_s)
            if thread.is_alive():
                stuck.append(thread.name)
        if stuck:
            raise AssertionError(f"{type(self).__name__}: threads still running {self.join_timeout_s}s after close: {stuck}")
        if self.errors:
            raise AssertionError(f"{type(self).__name__} failed while handling a request:\n" + "\n".join(self.errors))


class FakeHTTPServer(OwnedServer, http.server.ThreadingHTTPServer):
    """An HTTP server owned by its test."""


class FakeTCPServer(OwnedServer, socketserver.ThreadingTCPServer):
    """A line-protocol (SMTP, ...) server owned by its test."""

    allow_reuse_address = True


@contextlib.contextmanager
def serving(server: OwnedServer):
    """Start `server`, yield it, close it (joining its threads) even when the test failed."""
    server.start()
    try:
        yield server
    finally:
        server.close()
