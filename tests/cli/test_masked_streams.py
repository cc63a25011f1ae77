"""The masking wrapper around stdout/stderr: what reaches the terminal never holds a secret,
however the text was cut into writes, and nothing written is lost."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.cli import masked_streams
from buildrunner.cli.masked_streams import MaskingStream, masked_std_streams

TOKEN = "ghp_R8kq2Lw9Zx4Tn7Vb1Mc5Hd3Jf6Gs0Ya2Pe8Q"  # GitHub classic PAT shape (ghp_ + 36)


def wrapped():
    raw = io.StringIO()
    return raw, MaskingStream(raw)


def test_a_secret_split_over_several_writes_is_masked_whole():
    raw, stream = wrapped()
    for piece in ("token: ", TOKEN[:10], TOKEN[10:25], TOKEN[25:], " (from env)\n"):
        stream.write(piece)
    out = raw.getvalue()
    assert TOKEN not in out and TOKEN[10:25] not in out
    assert out.startswith("token: ghp_") and out.endswith(" (from env)\n")


def test_text_is_held_until_newline_and_released_by_flush():
    raw, stream = wrapped()
    stream.write("partial line with " + TOKEN)
    assert raw.getvalue() == ""  # held: the rest of the value may still come
    stream.flush()
    assert raw.getvalue().startswith("partial line with ghp_")
    assert TOKEN not in raw.getvalue()


def test_ordinary_text_passes_unchanged_line_by_line():
    raw, stream = wrapped()
    stream.writelines(["one\n", "two ", "three\n", "four"])
    stream.flush()
    assert raw.getvalue() == "one\ntwo three\nfour"


def test_a_secret_glued_to_option_dashes_is_masked():
    raw, stream = wrapped()
    stream.write(f"Error: No such option: --{TOKEN}\n")
    assert TOKEN not in raw.getvalue()
    assert "--ghp_" in raw.getvalue()


def test_bytes_are_refused_like_a_text_stream_does():
    _raw, stream = wrapped()
    with pytest.raises(TypeError):
        stream.write(b"binary")


def test_a_broken_masker_withholds_opaque_lines_and_keeps_the_rest(monkeypatch):
    def broken(_text):
        raise RuntimeError("masker failed")

    monkeypatch.setattr(masked_streams, "mask_text", broken)
    raw, stream = wrapped()
    stream.write(f"scan finished\nvalue {TOKEN}\n")
    out = raw.getvalue()
    assert TOKEN not in out
    assert out.startswith("scan finished\n")
    assert "could not be checked for secrets" in out


def test_streams_are_wrapped_once_and_restored(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with masked_std_streams():
        outer = sys.stdout
        with masked_std_streams():
            assert sys.stdout is outer  # nested: not masked twice
        print("printed", TOKEN, end="")  # no newline: the exit flush must release it
        print("warned", TOKEN, file=sys.stderr)
    assert sys.stdout is out and sys.stderr is err
    assert out.getvalue().startswith("printed ghp_") and TOKEN not in out.getvalue()
    assert err.getvalue().startswith("warned ghp_") and TOKEN not in err.getvalue()


# `_OPTION_DASHES` spelled the plain way: a dash run of one or two not glued to a word or dash on its
# left, followed by a word character. The module's form starts with the literal `-` (fast to search).
_PLAIN_DASHES = r"(?<![\w-])-{1,2}(?=\w)"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="-- a_é9\n\t\u00a0x", max_size=16))
def test_option_dashes_are_found_exactly_where_the_plain_pattern_finds_them(text):
    import re

    masked_streams.mask_text("--warm-up")  # compiles the module's pattern
    fast = masked_streams._OPTION_DASHES
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in re.finditer(_PLAIN_DASHES, text)]


def test_a_secret_behind_dashes_inside_a_large_report_is_masked():
    secret = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"  # br: ignore[secrets]
    report = '{"a": "x-y"}\n' * 5000 + f"usage: br --{secret}\n" + '{"b": "--flag"}\n' * 5000
    masked = masked_streams.mask_text(report)
    assert secret not in masked
    assert masked.count("\n") == report.count("\n") and "--flag" in masked


def _in_thread(fn) -> None:
    import threading

    thread = threading.Thread(target=fn)
    thread.start()
    thread.join()


def test_another_threads_line_does_not_cut_a_secret_in_two():
    """A thread's unfinished line is its own: another thread's newline must not emit the first half
    of a secret (unrecognisable alone) and leave the second half for a later line."""
    raw, stream = wrapped()
    stream.write("token: " + TOKEN[:14])
    _in_thread(lambda: stream.write("progress from a worker thread\n"))
    stream.write(TOKEN[14:] + "\n")
    out = raw.getvalue()
    assert TOKEN[:14] not in out and TOKEN[14:] not in out
    assert out.splitlines() == ["progress from a worker thread", out.splitlines()[1]]
    assert out.splitlines()[1].startswith("token: ghp_")


def test_flush_releases_the_callers_text_and_the_end_of_the_block_everyones(monkeypatch):
    raw = io.StringIO()
    monkeypatch.setattr(sys, "stdout", raw)
    with masked_std_streams():
        _in_thread(lambda: sys.stdout.write("left unfinished by a thread"))
        print("main", end="", flush=True)  # click.echo flushes after every call
        assert raw.getvalue() == "main"
    assert raw.getvalue() == "mainleft unfinished by a thread"  # nothing written is lost
