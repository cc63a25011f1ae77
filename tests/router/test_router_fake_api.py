"""The router tests' fake Messages API belongs to the test that uses it: nothing of it runs, or prints,
after that test, and a bug in the fake fails that test (see tests/servers.py)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from conftest import FakeMessagesAPI, Reply  # tests/router/conftest.py


def _give_up_waiting(api: FakeMessagesAPI, body: dict) -> None:
    request = urllib.request.Request(f"{api.url}/v1/messages", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with pytest.raises(OSError):  # the client times out long before the delayed reply starts
        urllib.request.urlopen(request, timeout=0.3)


def _request_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if "request" in t.name]


@pytest.mark.parametrize("stream", [False, True])
def test_a_delayed_reply_whose_client_gave_up_ends_with_its_test(capfd, stream):
    api = FakeMessagesAPI()
    api.script("claude-test", Reply(delay=30))
    _give_up_waiting(api, {"model": "claude-test", "stream": stream})
    started = time.monotonic()
    api.close()
    assert time.monotonic() - started < 5  # woken, not left to sleep out its 30 s
    assert _request_threads() == []
    assert api.disconnects, "the client that hung up is recorded"
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("delay", [0.1, 30])  # the bug is hit before the test ends / when close() wakes it
def test_a_bug_in_the_fake_fails_its_test_instead_of_printing(capfd, delay):
    api = FakeMessagesAPI()
    api.script("claude-test", Reply(delay=delay, usage=None))  # {**DEFAULT_USAGE, **None}: TypeError
    _give_up_waiting(api, {"model": "claude-test"})
    with pytest.raises(AssertionError, match="TypeError"):
        api.close()
    assert _request_threads() == []
    assert capfd.readouterr().err == ""
