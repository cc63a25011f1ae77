"""stdout and stderr as br writes them: every line goes through the masker.

Reports are masked field by field, but a secret can reach the terminal by many other routes: an
argument echoed in an error (`br config get <token>`), a click usage error, a path, an exception
message. `masked_std_streams()` wraps both streams for the duration of a command so that every
line written through `sys.stdout` / `sys.stderr` (click.echo, rich, print, warnings) is masked by
`sanitize_text`. Text is held until a newline or a flush (click.echo and rich flush after each
call), so a value split over two writes is still seen whole.

Each thread's unfinished line is held apart and released by that thread: another thread's line in
between must not emit half a secret (which the masker cannot recognise alone), nor carry text a
different thread wrote (a test's leftover server thread into the output of the command under test).
"""

from __future__ import annotations

import contextlib
import sys
import threading


class MaskingStream:
    """A text stream that masks secrets in everything written to the stream it wraps."""

    def __init__(self, stream):
        self._stream = stream
        self._pending: dict[int, str] = {}  # thread ident → the line it has not finished yet

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes for binary streams with write(b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        thread = threading.get_ident()
        pending = self._pending.pop(thread, "") + text
        if "\n" in text:
            head, sep, pending = pending.rpartition("\n")
            self._emit(head + sep)
        if pending:
            self._pending[thread] = pending
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Release the calling thread's unfinished line (another thread may still be writing its own)."""
        pending = self._pending.pop(threading.get_ident(), "")
        if pending:
            self._emit(pending)
        self._stream.flush()

    def flush_all(self) -> None:
        """Release every thread's unfinished line: the stream is going away, nothing may be lost."""
        for thread in list(self._pending):
            pending = self._pending.pop(thread, "")
            if pending:
                self._emit(pending)
        self._stream.flush()

    def _emit(self, text: str) -> None:
        try:
            masked = mask_text(text)
        except Exception:  # noqa: BLE001 — a broken masker must not lose output, nor leak: fail closed
            from buildrunner.engine.masking import looks_opaque

            masked = "\n".join("[line withheld: it could not be checked for secrets]" if looks_opaque(line)
                                else line for line in text.split("\n"))
        try:
            self._stream.write(masked)
        except UnicodeEncodeError:  # a non-UTF-8 file name in the text: show its bytes escaped
            from buildrunner.fsutil import escape_undecodable

            self._stream.write(escape_undecodable(masked))

    def __getattr__(self, name):  # encoding, errors, isatty, fileno, buffer...
        return getattr(self._stream, name)


_OPTION_DASHES = None


def mask_text(text: str) -> str:
    """`text` with every secret masked, including one glued to option dashes (`--ghp_…`: click's
    "No such option" error), which the rules' left boundaries would otherwise not see."""
    global _OPTION_DASHES
    from buildrunner.engine.masking import mask_spans, secret_spans

    spans = secret_spans(text)
    if "-" in text:
        if _OPTION_DASHES is None:
            import re

            # `(?<![\w-])-{1,2}(?=\w)`, written to start with the literal `-`: the regex engine then
            # jumps from dash to dash instead of trying the look-behind at every character of a
            # 200 KB report (4 ms → 0.1 ms; the same matches, tests/cli/test_masked_streams.py)
            _OPTION_DASHES = re.compile(r"-(?<![\w-]-)-?(?=\w)")
        view = _OPTION_DASHES.sub(lambda m: " " * len(m.group()), text)  # same length: same offsets
        if view != text:
            spans += secret_spans(view)
    return mask_spans(text, spans) if spans else text


@contextlib.contextmanager
def masked_std_streams():
    """Route sys.stdout and sys.stderr through `MaskingStream` until the block ends."""
    out, err = sys.stdout, sys.stderr
    if isinstance(out, MaskingStream):  # nested (tests invoking main twice): already masked
        yield
        return
    sys.stdout, sys.stderr = MaskingStream(out), MaskingStream(err)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                getattr(stream, "flush_all", stream.flush)()  # a command may have swapped a stream
        sys.stdout, sys.stderr = out, err
