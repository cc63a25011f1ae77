"""Where scanned text comes from: the work tree, the git index, or git history.

Each source yields a stream of `Document` (text in memory), `FileRef` (a work-tree file the scan
reads itself, possibly in a worker process: the pipeline sends paths, not contents) and `Skipped`
(a file the scan would not or could not read, counted in the report, never a crash).

Decisions, so they are written down once:
- Invalid UTF-8 (a latin-1 or cp1252 file): work-tree files, staged blobs and history patches are
  all decoded with replacement characters (U+FFFD per undecodable byte), so one accented byte never
  hides a secret next to it — skipping such a file would let the secret through the hook.
- Untracked files under vendored directories (node_modules, .venv, site-packages, ...) or a
  virtualenv are not scanned even when .gitignore forgot them; tracked files always are, and so
  is a file named on the command line, even one git ignores.
- Symlinks: a link to a file is followed only when named on the command line; links found while
  listing the tree are skipped (`symlink`): their target is scanned under its own path. Broken links
  are counted (`broken-symlink`).
- Staged renames are diffed with `-M`: a pure rename reports nothing new; edits to the renamed file
  are reported at the new path. Copies are not detected, so a copied file is scanned as new.
- History walks every commit reachable from HEAD (the commits of merged branches too, not only
  the first-parent chain). Merge commits are read as dense combined diffs (`--cc`): only lines
  new relative to every parent count (a conflict resolution or "evil merge"), so a secret is
  reported once, at the commit that introduced it. Only added lines are scanned, at their line
  numbers in that commit's version of the file.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from buildrunner.engine import gitio
from buildrunner.engine.model import Document, Origin, Skipped
from buildrunner.engine.parsing import language_for_path
from buildrunner.errors import BrError
from buildrunner.fsutil import glob_matcher
from buildrunner.project import GITIGNORE_ENTRIES

DEFAULT_MAX_SIZE = 2_000_000
SNIFF_BYTES = 8192

VENDORED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "dist", "build", "__pycache__",
    ".tox", ".nox", "vendor", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".eggs", "bower_components", ".next", ".nuxt", ".cache", ".gradle", "target", "coverage",
    "htmlcov", ".terraform",
})  # plus any directory holding a pyvenv.cfg (a virtualenv, whatever its name)

BINARY_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .icns .webp .tif .tiff .psd .svgz .heic .avif "  # noqa: SIM905 — a word list reads best as words
    ".pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods "
    ".zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .jar .war .ear .apk .aab .ipa .dmg .iso .deb .rpm "
    ".whl .egg .class .so .dylib .dll .exe .o .a .lib .obj .pyc .pyo .pyd .wasm .node "
    ".woff .woff2 .ttf .otf .eot .mp3 .mp4 .m4a .mov .avi .mkv .webm .wav .flac .ogg .opus "
    ".sqlite .sqlite3 .db .parquet .npy .npz .pkl .pickle .h5 .onnx .pt .pth .safetensors .bin".split())


@dataclass(frozen=True)
class FileRef:
    """A work-tree file to read at scan time (in whichever process scans it)."""

    path: str  # repository-relative POSIX path, as reported
    abspath: str
    size: int = 0

    def load(self, max_size: int = DEFAULT_MAX_SIZE) -> Document | Skipped:
        if self.size > max_size:
            return Skipped(self.path, "too-large", f"{self.size} bytes > {max_size}")
        try:
            with open(self.abspath, "rb") as fh:
                # a buffer the listed size fits (reading into one of `max_size` + 1 bytes cost each file
                # a 2 MB allocation: twice the CPU of the reads); a file that grew since it was
                # listed is read on to `max_size` + 1 bytes, as before
                data = fh.read(min(max_size, self.size) + 1)
                if self.size < len(data) <= max_size:
                    data += fh.read(max_size + 1 - len(data))
        except IsADirectoryError:
            return Skipped(self.path, "directory", "a directory (e.g. a submodule) where a file was expected")
        except FileNotFoundError:
            return Skipped(self.path, "unreadable", "disappeared during the scan")
        except OSError as exc:
            return Skipped(self.path, "unreadable", exc.strerror or str(exc))
        if len(data) > max_size:
            return Skipped(self.path, "too-large", f"> {max_size} bytes")
        doc = decode_document(self.path, data, Origin("file"))
        if isinstance(doc, Document):
            doc.root = project_root(self.abspath, self.path)
        return doc


def project_root(abspath: str, rel: str) -> str:
    """The directory a work-tree file's repository-relative path is relative to."""
    tail = os.sep + rel.replace("/", os.sep)
    return abspath[:-len(tail)] if abspath.endswith(tail) else ""


def decode_document(path: str, data: bytes, origin: Origin) -> Document | Skipped:
    """Bytes → Document (invalid UTF-8 bytes become U+FFFD), or Skipped for binary content."""
    if b"\0" in data[:SNIFF_BYTES]:
        return Skipped(path, "binary", "NUL byte in the first 8 KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
    return Document(path=path, text=text, language=language_for_path(path), origin=origin)


STDIN_PATH = "<stdin>"


def stdin_document(data: bytes, filename: str | None = None) -> Document | Skipped:
    """Standard input as one document (`br security check -`); `filename` names it in reports and
    picks the language, like gitleaks' `stdin` and ruff's `--stdin-filename`."""
    return decode_document(filename or STDIN_PATH, data, Origin("stdin"))


def has_binary_extension(path: str) -> bool:
    return _suffix(path).lower() in BINARY_EXTENSIONS


def _suffix(path: str) -> str:
    """`PurePosixPath(path).suffix` without building a path object (a full scan asks for every file):
    the last `.`-part of the file name, '' for `.bashrc`, `name.` and `..`."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """`security.exclude` globs: `*` crosses `/`; a pattern without `/` also matches the file name;
    a directory pattern (`tests/fixtures` or `tests/fixtures/`) excludes everything below it."""
    return _exclusion(tuple(patterns))(path)


@functools.lru_cache(maxsize=32)
def _exclusion(patterns: tuple[str, ...]):
    """`is_excluded` for one pattern list, compiled once: the globs over the path, the globs without
    `/` over the file name too (each list one regex, `fsutil.glob_matcher`), and the plain directory
    prefixes."""
    globs, prefixes = [], []
    for pat in patterns:
        pat = pat.strip()
        if not pat:
            continue
        if pat.startswith("./"):
            pat = pat[2:]
        globs.append(pat)
        base = pat.rstrip("/").removesuffix("/**")
        if not any(ch in base for ch in "*?["):
            prefixes.append(base + "/")
    on_path = glob_matcher(tuple(globs))
    on_name = glob_matcher(tuple(g for g in globs if "/" not in g))
    starts = tuple(prefixes)

    def excluded(path: str) -> bool:
        return on_path(path) or on_name(path.rsplit("/", 1)[-1]) or (bool(starts) and path.startswith(starts))

    return excluded


def _max_size(config) -> int:
    return int(config.get("security.max_file_size")) if config is not None else DEFAULT_MAX_SIZE


# Rule packs carry matching examples by design; br's machine-local output (state/, telemetry/,
# usage/...: the directories `br init` git-ignores) is br's own data, also before `br init` ran.
# A detect-secrets `.secrets.baseline` holds SHA-1s of accepted secrets, not secrets (detect-secrets
# skips it too; `br security baseline --import` reads it).
BUILTIN_EXCLUDES = (".buildrunner/rules/", ".secrets.baseline",
                    *(e for e in GITIGNORE_ENTRIES if e.startswith(".buildrunner/") and e.endswith("/")))


def _excludes(config) -> list[str]:
    user = list(config.get("security.exclude") or []) if config is not None else []
    return [*BUILTIN_EXCLUDES, *user]


# ---------------------------------------------------------------------------------------------
# Work tree


def _classify(root: Path, rel: str, *, explicit: bool, max_size: int) -> FileRef | Skipped | None:
    """lstat a listed path: FileRef to scan, Skipped with a reason, or None (deleted: not news)."""
    abspath = os.path.join(root, rel)
    try:
        st = os.lstat(abspath)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Skipped(rel, "unreadable", exc.strerror or str(exc))
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(abspath)
        except OSError:
            return Skipped(rel, "broken-symlink", os.readlink(abspath) if os.path.islink(abspath) else "")
        if not explicit:
            return Skipped(rel, "symlink", "its target is scanned under its own path")
    if stat.S_ISDIR(st.st_mode):
        return Skipped(rel, "directory", "a directory (e.g. a submodule) where a file was expected")
    if not stat.S_ISREG(st.st_mode):
        return Skipped(rel, "unreadable", "not a regular file (FIFO, socket or device)")
    if has_binary_extension(rel):
        return Skipped(rel, "binary", "binary file extension")
    if st.st_size > max_size:
        return Skipped(rel, "too-large", f"{st.st_size} bytes > {max_size}")
    return FileRef(rel, abspath, st.st_size)


def named_path(project, p: str | Path) -> str:
    """The project-relative path of a PATH argument, without following a symlink it names (a
    broken link is reported as such, not as its missing target)."""
    absolute = Path(p) if Path(p).is_absolute() else Path.cwd() / p
    if absolute.name in ("", ".", "..") or not absolute.is_symlink():
        return project.relpath(absolute)
    parent = project.relpath(absolute.parent)
    return absolute.name if parent == "." else f"{parent}/{absolute.name}"


def files(project, paths: Iterable[str | Path] | None = None, config=None) -> Iterator[FileRef | Skipped]:
    """The files a full scan reads: tracked + untracked-not-ignored in git; a pruned walk outside."""
    root = Path(project.root)
    max_size, excludes = _max_size(config), _excludes(config)
    explicit: set[str] = set()
    rels: list[str] = []
    specs: list[str] = []
    for p in paths or ():
        absolute = Path(p) if Path(p).is_absolute() else Path.cwd() / p
        if not os.path.lexists(absolute):
            raise BrError(f"no such file or directory: {p}")
        rel = named_path(project, p)
        if rel.startswith("/") or rel.startswith(".."):
            raise BrError(f"{p} is outside the project ({root})")
        specs.append("." if rel == "." else rel)
        if not absolute.is_dir() or absolute.is_symlink():
            explicit.add(rel)
    if project.is_git or gitio.in_repo(root):
        rels = _git_listing(root, specs, explicit)
        listed = set(rels)
        # Named on the command line but git does not list it (ignored, e.g. `.env`): scanned all the
        # same — the user asked about this file, and "no findings" would be a wrong answer.
        rels = rels + sorted(explicit - listed)
    else:
        rels = _walk(root, specs or ["."])
    for rel in rels:
        if is_excluded(rel, excludes):
            continue
        item = _classify(root, rel, explicit=rel in explicit, max_size=max_size)
        if item is not None:
            yield item


def _git_listing(root: Path, specs: list[str], explicit: set[str] = frozenset()) -> list[str]:
    """Tracked + untracked-not-ignored files. Untracked files inside vendored directories or a
    virtualenv (a directory with `pyvenv.cfg`) are left out: a `.venv` or `node_modules` nobody
    listed in .gitignore would otherwise turn every scan into a scan of third-party code.
    Tracked files, and files named on the command line, are always scanned."""
    out = gitio.git(root, "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard", "--",
                    *[f":(literal){s}" if s != "." else "." for s in specs])
    tracked: dict[str, None] = {}
    untracked: list[str] = []
    for raw in out.split(b"\0"):
        if len(raw) < 3:
            continue
        tag, path = raw[:1], gitio.decode_path(raw[2:])
        if tag == b"?":
            untracked.append(path)
        else:
            tracked.setdefault(path, None)  # merge conflicts list a path once per stage
    venvs = tuple(p[: -len("pyvenv.cfg")] for p in untracked if p.endswith("/pyvenv.cfg"))
    # a vendored directory named on the command line is scanned: the user asked for it
    asked = tuple(s.rstrip("/") + "/" for s in specs if s != "." and _in_vendored_dir(s.rstrip("/") + "/x"))
    for path in untracked:
        vendored = _in_vendored_dir(path) or (venvs and path.startswith(venvs))
        if vendored and path not in explicit and not (asked and path.startswith(asked)):
            continue
        tracked.setdefault(path, None)
    return list(tracked)


def _in_vendored_dir(path: str) -> bool:
    parts = path.split("/")[:-1]
    return any(p in VENDORED_DIRS or p.endswith(".egg-info") for p in parts)


def _walk(root: Path, specs: list[str]) -> list[str]:
    """Outside git: walk `specs` under root, pruning vendored dirs and virtualenvs."""
    out: list[str] = []
    for spec in specs:
        start = root / spec if spec != "." else root
        if not start.is_dir() or start.is_symlink():
            out.append(spec)
            continue
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if d not in VENDORED_DIRS and not d.endswith(".egg-info")
                                 and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg")))
            rel_dir = os.path.relpath(dirpath, root)
            for name in sorted(filenames):
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                out.append(rel.replace(os.sep, "/"))
    return out


# ---------------------------------------------------------------------------------------------
# Git index


def staged(project, config=None) -> Iterator[Document | Skipped]:
    """Exactly what is staged: index blobs of added/modified/renamed files, with `changed_lines`.

    `text` holds the whole staged file (code rules need context); `changed_lines` holds the
    added/modified lines, so only new problems are reported. Deleted files produce nothing.
    """
    root = project.root
    gitio.require_repo(project)
    max_size, excludes = _max_size(config), _excludes(config)
    # One git process for both the changed files (--raw: modes, blob ids, renames) and the
    # added line numbers (-U0 patch). With an unborn HEAD, `diff --cached` compares with the
    # empty tree, so the first commit works too.
    out = gitio.git(root, "diff", "--cached", "--raw", "-p", "-U0", "--no-abbrev", "-M", *gitio.DIFF_OPTS)
    changes = [c for c in gitio.parse_raw_lines(out) if c.status in "AMRCT" and c.new_sha != gitio.NULL_SHA]
    wanted: list[gitio.RawChange] = []
    for c in changes:
        if is_excluded(c.path, excludes):
            continue
        if c.new_mode.startswith("16"):  # submodule pointer
            continue
        if c.new_mode.startswith("12"):  # symlink: the blob is a path
            continue
        if has_binary_extension(c.path):
            yield Skipped(c.path, "binary", "binary file extension")
            continue
        wanted.append(c)
    if not wanted:
        return
    added = gitio.added_lines_by_path(out)
    origin = Origin("staged")
    by_sha: dict[str, list[gitio.RawChange]] = {}
    for c in wanted:
        by_sha.setdefault(c.new_sha, []).append(c)
    for blob in gitio.read_blobs(root, list(by_sha), max_size):
        for c in by_sha[blob.sha]:
            if blob.data is None:
                yield Skipped(c.path, "too-large" if blob.size else "unreadable",
                              f"{blob.size} bytes > {max_size}" if blob.size else "blob missing from the index")
                continue
            doc = decode_document(c.path, blob.data, origin)
            if isinstance(doc, Document):
                doc.changed_lines = frozenset(added.get(c.path, ()))
            yield doc


def staged_for_paths(project, paths: Iterable[str], config=None) -> Iterator[Document | Skipped]:  # noqa: C901 — existing debt: split it
    """The index version of each given file, all lines (for the pre-commit framework).

    Files not in the index (untracked) are read from the work tree.
    """
    root = Path(project.root)
    gitio.require_repo(project)
    max_size, excludes = _max_size(config), _excludes(config)
    rels = []
    for p in paths:
        absolute = Path(p) if Path(p).is_absolute() else Path.cwd() / p
        rels.append(project.relpath(absolute))
    if not rels:
        return
    out = gitio.git(root, "ls-files", "-s", "-z", "--", *[f":(literal){r}" for r in rels])
    entries: dict[str, tuple[str, str]] = {}
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _, raw_path = rec.partition(b"\t")
        mode, sha, stage = meta.decode().split()
        path = gitio.decode_path(raw_path)
        if path not in entries or stage == "0" or stage == "2":  # prefer merged, then "ours"
            entries[path] = (mode, sha)
    wanted: list[tuple[str, str]] = []
    for rel in dict.fromkeys(rels):
        if is_excluded(rel, excludes):
            continue
        if rel not in entries:
            item = _classify(root, rel, explicit=True, max_size=max_size)
            if isinstance(item, FileRef):
                yield item.load(max_size)
            elif item is not None:
                yield item
            continue
        mode, sha = entries[rel]
        if mode.startswith("16") or mode.startswith("12"):
            continue
        if has_binary_extension(rel):
            yield Skipped(rel, "binary", "binary file extension")
            continue
        wanted.append((rel, sha))
    by_sha: dict[str, list[str]] = {}
    for rel, sha in wanted:
        by_sha.setdefault(sha, []).append(rel)
    for blob in gitio.read_blobs(root, list(by_sha), max_size):
        for rel in by_sha[blob.sha]:
            if blob.data is None:
                yield Skipped(rel, "too-large", f"{blob.size} bytes > {max_size}")
            else:
                yield decode_document(rel, blob.data, Origin("staged"))


# ---------------------------------------------------------------------------------------------
# Git history

COMMIT_MARK = b"\x00BRCOMMIT\x00"
LOG_FORMAT = "--format=%x00BRCOMMIT%x00%H%x00%aI%x00%an%x00%ae"

# `--log-opts` may choose which commits are walked, never what git prints or runs (the parser reads
# git's patch output; --output would write a file, --ext-diff would run a program)
LOG_OPTS_ALLOWED = (
    "--all", "--branches", "--tags", "--remotes", "--glob", "--exclude", "--not", "--since", "--after",
    "--until", "--before", "--author", "--committer", "--max-count", "-n", "--skip", "--first-parent",
    "--no-merges", "--merges", "--ancestry-path", "--full-history", "--grep", "--invert-grep",
    "--regexp-ignore-case", "-i", "--fixed-strings", "-F", "--reflog", "--max-age", "--min-age",
    "--since-as-filter", "--min-parents", "--max-parents", "--simplify-by-decoration", "--",
)


def parse_log_opts(log_opts: str) -> list[str]:
    """`--log-opts` as git arguments: revisions, ranges and commit-limiting options only."""
    import shlex

    try:
        args = shlex.split(log_opts)
    except ValueError as exc:
        raise BrError(f"--log-opts {log_opts!r}: {exc}") from None
    paths = False
    for arg in args:
        if paths or arg == "--":
            paths = True
            continue
        if arg.startswith("-") and arg.split("=", 1)[0] not in LOG_OPTS_ALLOWED and not (
                arg.startswith("-n") and arg[2:].isdigit()) and not arg[1:].isdigit():
            raise BrError(f"--log-opts: {arg.split('=', 1)[0]} is not allowed",
                          hint="use revisions and ranges (main..feature), --branches, --tags, --since, "
                               "--author, --max-count... (options that change git's output are not)")
    return args


class _FileHunks:
    """Added lines of one file in one commit, kept as {line number: text}."""

    __slots__ = ("path", "lines", "invalid")

    def __init__(self, path: str):
        self.path = path
        self.lines: dict[int, str] = {}
        self.invalid = False

    def document(self, origin: Origin) -> Document:
        """Text from the first added line on (`line_offset` says where that is), gaps between hunks
        padded with empty lines, so every added line reports its line number in that commit."""
        first, last = min(self.lines), max(self.lines)
        text = "\n".join(self.lines.get(n, "") for n in range(first, last + 1)) + "\n"
        return Document(path=self.path, text=text, language=language_for_path(self.path), origin=origin,
                        changed_lines=frozenset(self.lines), line_offset=first - 1)


def history(project, since: str | None = None, config=None, log_opts: str | None = None  # noqa: C901 — existing debt: split it
            ) -> Iterator[Document | Skipped]:
    """Added lines of every (commit, file) reachable from any ref (branches, tags, remotes, stash),
    newest first, streamed — as gitleaks does: a secret on a branch that is not checked out is
    still in the repository.

    `log_opts` replaces the refs with git log's own selection (`main..feature`, `--branches`,
    `--since=2024-01-01`); `since=REV` limits the walk to REV..HEAD. `git log` output is read line
    by line from a pipe, so memory stays bounded by the largest single file diff.
    """
    root = project.root
    gitio.require_repo(project)
    if not gitio.has_head(root):
        gitio.git(root, "rev-parse", "--git-dir")  # no commits yet, or a repository git refuses (raises)
        return
    excludes, max_size = _excludes(config), _max_size(config)
    revs = _history_revs(root, since, log_opts)
    # --cc: merge commits show only what differs from *every* parent (conflict resolutions,
    # "evil merges"); what a merge brings from a branch is scanned in the branch's own commits.
    args = ("log", "-p", "-U0", "-M", "--cc", *gitio.DIFF_OPTS, LOG_FORMAT, *revs,
            *(() if "--" in revs else ("--",)))
    origin: Origin | None = None
    current: _FileHunks | None = None
    new_line = 0
    parents = 1  # prefix columns of hunk lines: 1 for a plain diff, N for a merge's combined diff
    size = 0
    in_hunk = False

    def flush() -> Iterator[Document | Skipped]:
        if current is None or not current.lines or origin is None:
            return
        if is_excluded(current.path, excludes):
            return
        if size > max_size:
            yield Skipped(f"{current.path}@{origin.commit[:12]}", "too-large", f"added text > {max_size} bytes")
        else:
            yield current.document(origin)

    for line in gitio.stream_lines(root, *args):
        if line.startswith(COMMIT_MARK):
            yield from flush()
            current, in_hunk = None, False
            sha, date, author, email = (line[len(COMMIT_MARK):].rstrip(b"\n").split(b"\0") + [b""] * 4)[:4]
            origin = Origin("history", commit=sha.decode(), author_date=date.decode(),
                            author=author.decode("utf-8", "replace"), author_email=email.decode("utf-8", "replace"))
        elif line.startswith((b"diff --git ", b"diff --cc ", b"diff --combined ")):
            yield from flush()
            current, in_hunk = None, False
        elif line.startswith(b"+++ ") and not in_hunk:
            path = gitio.header_path(line)
            current = _FileHunks(path) if path is not None and not has_binary_extension(path) else None
            size = 0
        elif line.startswith(b"Binary files ") and origin is not None:
            path = _binary_patch_path(line)
            if path:
                yield Skipped(f"{path}@{origin.commit[:12]}", "binary", "binary change in history")
        elif current is not None:
            if line.startswith(b"@@"):
                in_hunk = True
                m = gitio.ANY_HUNK_RE.match(line)
                parents = len(m.group(1)) - 1 if m else 1
                new_line = int(m.group(2)) if m else 0
            elif new_line and not line.startswith(b"\\"):  # skip "\ No newline at end of file"
                prefix = line[:parents]
                if b"-" in prefix:
                    continue  # a removed line: not in the new version
                if prefix == b"+" * parents:  # new relative to every parent
                    body = line[parents:].rstrip(b"\n").rstrip(b"\r")
                    size += len(body)
                    if size <= max_size:
                        current.lines[new_line] = body.decode("utf-8", "replace")
                new_line += 1
    yield from flush()


def _history_revs(root, since: str | None, log_opts: str | None) -> list[str]:
    """Which commits `git log` walks: every ref, REV..HEAD (`--since`), or `--log-opts`."""
    if log_opts:
        revs = parse_log_opts(log_opts)
        _check_log_revs(root, revs)
        return revs
    if since:
        if not gitio.git(root, "rev-parse", "--verify", "-q", f"{since}^{{commit}}", check=False).strip():
            raise BrError(f"--since {since!r}: not a commit in this repository")
        return [f"{since}..HEAD"]
    return ["--all"]


def _check_log_revs(root, revs: list[str]) -> None:
    """A mistyped revision in --log-opts is a usage error naming it, not git's message mid-stream."""
    for rev in revs:
        if rev == "--":
            return
        if rev.startswith("-"):
            continue
        for part in (p for p in rev.replace("...", "..").split("..") if p):
            if not gitio.git(root, "rev-parse", "--verify", "-q", f"{part.lstrip('^')}^{{commit}}", check=False).strip():
                raise BrError(f"--log-opts: {part!r} is not a commit in this repository")


def _binary_patch_path(line: bytes) -> str | None:
    """`Binary files a/x and b/y differ` → `y` (or `x` when deleted)."""
    body = line[len(b"Binary files "):].rstrip(b"\n")
    if body.endswith(b" differ"):
        body = body[: -len(b" differ")]
    left, sep, right = body.rpartition(b" and ")
    if not sep:
        return None
    path = gitio.header_path(b"+++ " + right)
    if path is None:
        path = gitio.header_path(b"--- " + left)
    return path
