"""Git plumbing for the scan sources: run git, parse `--raw` and `-U0` diffs, read blobs.

Every command pins the options a user's git config could change (prefixes, colours, external diff
drivers, textconv, rename detection), so parsing never depends on `~/.gitconfig`. Output is read
as bytes: paths and file contents need not be UTF-8.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from buildrunner.errors import BrError, NotAGitRepository

NULL_SHA = "0" * 40
# Options that make diff output independent of the user's configuration.
DIFF_OPTS = ("--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/",
             "--relative")
GIT_CONFIG = ("-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false")
HUNK_RE = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# A plain (`@@ -a +b @@`) or combined (`@@@ -a -b +c @@@`, one `-` range per parent) hunk header.
ANY_HUNK_RE = re.compile(rb"^(@{2,}) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @{2,}")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("LC_ALL", "C")
    env["GIT_PAGER"] = "cat"
    env.pop("GIT_EXTERNAL_DIFF", None)
    return env


def git(root: Path | str, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    """Run `git args` in `root` and return stdout (bytes); BrError with git's message on failure."""
    try:
        proc = subprocess.run(["git", *GIT_CONFIG, *args], cwd=root, input=input, capture_output=True,
                              env=_env())
    except FileNotFoundError:
        raise BrError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise git_failure(root, args, proc.stderr, proc.returncode)
    return proc.stdout


def git_failure(root: Path | str, args, stderr: bytes, returncode: int) -> BrError:
    """The error for a failed git command: git's `fatal:`/`error:` line, not the last line of a
    usage text. When git printed no `fatal:` (e.g. `git diff --cached` in a repository git refuses
    to use falls back to `--no-index` and prints its usage), ask git why it sees no repository."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not any(line.startswith("fatal:") for line in lines):
        try:
            probe = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, capture_output=True, env=_env())
        except OSError:
            probe = None
        if probe is not None and probe.returncode != 0:
            lines = [line.strip() for line in probe.stderr.decode("utf-8", "replace").splitlines()
                     if line.strip()] or lines
    reason = next((line for line in lines if line.startswith(("fatal:", "error:"))),
                  lines[-1] if lines else f"exit {returncode}")
    trust = next((line for line in lines if "safe.directory" in line and line.startswith("git config")), None)
    return BrError(f"git {args[0]} failed: {reason}",
                   hint=f"if you trust this repository, run: {trust}" if trust else None)


def require_repo(project) -> None:
    """Raise NotAGitRepository unless the project root is inside a git work tree."""
    if project.is_git:
        return
    try:
        proc = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=project.root,
                              capture_output=True, env=_env())
    except FileNotFoundError:
        raise BrError("git is not installed or not on PATH") from None
    if proc.returncode != 0 or proc.stdout.strip() != b"true":
        raise NotAGitRepository(f"{project.root} is not a git repository",
                                hint="--staged and --history read git; run `git init` or scan files with "
                                     "`br security check PATH`")


def in_repo(root: Path | str) -> bool:
    """True when `root` is inside a git work tree (no exception)."""
    try:
        proc = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root,
                              capture_output=True, env=_env())
    except (FileNotFoundError, NotADirectoryError):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def has_head(root: Path | str) -> bool:
    return subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=root,
                          capture_output=True, env=_env()).returncode == 0


def decode_path(raw: bytes) -> str:
    """A git path as text; undecodable bytes are kept via surrogateescape."""
    return raw.decode("utf-8", "surrogateescape")


_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def unquote_c(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path (`"a\\tb\\303\\251"` → bytes)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i:i + 1]
        if c == b"\\" and i + 1 < len(body):
            nxt = body[i + 1:i + 2]
            if nxt.isdigit() and i + 3 < len(body) + 1:
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt[0]))
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)


def header_path(line: bytes) -> str | None:
    """The path of a `+++ b/path` / `--- a/path` line, or None for /dev/null."""
    raw = line[4:].rstrip(b"\n").rstrip(b"\r")
    if raw.endswith(b"\t"):  # git appends a TAB after paths containing spaces
        raw = raw[:-1]
    raw = unquote_c(raw)
    if raw == b"/dev/null":
        return None
    if raw[:2] in (b"a/", b"b/"):
        raw = raw[2:]
    return decode_path(raw)


@dataclass(frozen=True)
class RawChange:
    """One entry of `git diff --raw`: status letter, modes, blob ids and path(s)."""

    status: str  # A M D R C T U X
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    path: str  # the new path (old path for D)
    old_path: str | None = None  # for R / C


def parse_raw_lines(data: bytes) -> list[RawChange]:
    """Parse the `--raw` lines (no -z: TAB-separated, special paths C-quoted) at the start of a
    `git diff --raw -p` output; the patch that follows is ignored."""
    out: list[RawChange] = []
    for line in data.split(b"\n"):
        if line.startswith(b"diff --git "):
            break
        if not line.startswith(b":"):
            continue
        meta, *paths = line.split(b"\t")
        old_mode, new_mode, old_sha, new_sha, status = meta[1:].decode("ascii", "replace").split()[:5]
        names = [decode_path(unquote_c(p)) for p in paths]
        if status[:1] in ("R", "C") and len(names) >= 2:
            out.append(RawChange(status[:1], old_mode, new_mode, old_sha, new_sha, names[1], names[0]))
        elif names:
            out.append(RawChange(status[:1], old_mode, new_mode, old_sha, new_sha, names[0]))
    return out


def added_lines_by_path(patch: bytes) -> dict[str, set[int]]:
    """From a `-U0` patch: new-file line numbers of added/modified lines, per new path."""
    result: dict[str, set[int]] = {}
    current: set[int] | None = None
    in_hunk = False  # inside hunks, a line "+++ x" is an added "++ x", not a header
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            current, in_hunk = None, False
        elif line.startswith(b"+++ ") and not in_hunk:
            path = header_path(line)
            current = result.setdefault(path, set()) if path is not None else None
        elif line.startswith(b"@@") and current is not None:
            in_hunk = True
            m = HUNK_RE.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
                current.update(range(start, start + count))
    return result


@dataclass
class Blob:
    sha: str
    size: int
    data: bytes | None  # None when larger than the read limit or missing


def read_blobs(root: Path | str, shas: Iterable[str], max_size: int) -> Iterator[Blob]:
    """Stream blob contents through one `git cat-file --batch` process.

    Blobs above `max_size` are drained in chunks and yielded with `data=None`, so a staged video
    never sits in memory. Input is fed from a thread: with many blobs, git's output pipe could
    otherwise fill while we are still writing ids (a classic pipe deadlock).
    """
    shas = list(shas)
    if not shas:
        return
    try:
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
    except FileNotFoundError:
        raise BrError("git is not installed or not on PATH") from None

    def feed() -> None:
        try:
            proc.stdin.write(b"".join(s.encode() + b"\n" for s in shas))
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out: IO[bytes] = proc.stdout
    try:
        for sha in shas:
            header = out.readline()
            if not header:
                raise BrError("git cat-file ended early while reading staged blobs")
            parts = header.split()
            if len(parts) >= 2 and parts[1] == b"missing":
                yield Blob(sha, 0, None)
                continue
            size = int(parts[2])
            if size > max_size:
                remaining = size + 1
                while remaining:
                    chunk = out.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                yield Blob(sha, size, None)
            else:
                data = out.read(size)
                out.read(1)  # trailing LF
                yield Blob(sha, size, data)
    finally:
        writer.join(timeout=5)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        out.close()


def stream_lines(root: Path | str, *args: str) -> Iterator[bytes]:
    """Yield stdout lines of `git args` as they arrive (bytes, with line ends).

    stderr goes to a temporary file, not a pipe: a chatty git could otherwise block on a full
    stderr pipe while we wait on stdout.
    """
    import tempfile

    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(["git", *GIT_CONFIG, *args], cwd=root, stdout=subprocess.PIPE,
                                    stderr=err, env=_env(), bufsize=1 << 16)
        except FileNotFoundError:
            raise BrError("git is not installed or not on PATH") from None
        finished = False
        try:
            yield from proc.stdout
            finished = True
        finally:
            if not finished and proc.poll() is None:
                proc.kill()
            proc.stdout.close()
            rc = proc.wait()
        if rc != 0:
            err.seek(0)
            raise git_failure(root, args, err.read(), rc)


def run(root: Path | str, *args: str, check: bool = True, input: str | bytes | None = None,
        text: bool = True) -> subprocess.CompletedProcess:
    """`git args` with the full result (exit code, stdout, stderr), for callers that branch on git's
    exit code or read porcelain output (worktrees, merges). Text is UTF-8 with surrogateescape, so
    odd bytes in file names survive the round trip back into git arguments; `text=False` gives
    bytes. Never prompts for credentials. With `check`, a failure raises the same BrError as `git`.
    """
    env = _env()
    env["GIT_TERMINAL_PROMPT"] = "0"
    kwargs = {"encoding": "utf-8", "errors": "surrogateescape"} if text else {}
    try:
        proc = subprocess.run(["git", *GIT_CONFIG, *args], cwd=root, input=input, capture_output=True, env=env,
                              text=text, **kwargs)
    except FileNotFoundError:
        raise BrError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        stderr = proc.stderr.encode("utf-8", "surrogateescape") if text else proc.stderr
        raise git_failure(root, args, stderr, proc.returncode)
    return proc


def lenient_lines(root, *args: str) -> list[str]:
    """git's output lines, or [] when git fails (no commits yet, not a repository): a gap check
    then finds nothing rather than erroring. Paths are decoded as decode_path does (any bytes survive)."""
    return git(root, *args, check=False).decode("utf-8", "surrogateescape").splitlines()


def git_ignored(root, paths: list[str]) -> set[str]:
    """Which of `paths` git's ignore rules match (`git check-ignore --no-index`: tracked or not)."""
    if not paths:
        return set()
    return set(lenient_lines(root, "check-ignore", "--no-index", "--", *paths))
