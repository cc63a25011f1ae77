"""Conflict detection and safe merging of stream branches into the integration branch.

Nothing is touched until every check has run:

* textual conflicts: `git merge-tree --write-tree` (git >= 2.38) merges in memory, no checkout;
* semantic conflicts (tree-sitter, see `symbols.py`): both sides changed the same function, class
  or method; or one side changed a function's signature (or removed it) while the other added or
  edited calls to it;
* broken existing callers: a stream changed a signature (or removed a function) and calls anywhere
  in the merged tree — also in files no stream touched — no longer fit it (`callcheck.py`).

Each stream is checked against the integration branch (changes since their merge base) and against
every other stream in the round. Clean streams merge in dependency order; when two streams
conflict, the earlier one merges and the later one is held with a precise report. A merge commit is
built with `git commit-tree` from the tree merge-tree computed, and the integration branch moves by
fast-forward only (`merge --ff-only` in its checkout, or `update-ref` with the expected old value),
so a failure at any step leaves every branch as it was.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from buildrunner.orchestration import callcheck
from buildrunner.orchestration import symbols as sym
from buildrunner.orchestration import worktrees as wt

MAX_PARSE_BYTES = 1_000_000


@dataclass
class Side:
    """The changes one line of work made since `base`."""

    label: str
    base: str
    tip: str
    files: list[str] = field(default_factory=list)
    changes: list[sym.SymbolChange] = field(default_factory=list)
    calls: dict[str, list[sym.Call]] = field(default_factory=dict)   # path → new/edited calls
    texts: dict[str, bytes] = field(default_factory=dict)            # path → new text (files with calls)


@dataclass
class Conflict:
    kind: str            # textual | symbol | signature | verify
    sides: list[str]     # two labels: stream names or "integration:<branch>" (verify: the stream)
    file: str
    symbols: list[str] = field(default_factory=list)
    detail: str = ""
    commits: dict[str, list[str]] = field(default_factory=dict)   # label → short shas touching the file
    other_file: str = ""  # signature conflicts: where the call sites are
    output: str = ""      # verify: the end of the command's output

    def to_json(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.kind == "verify":
            return f"[verify] {' + '.join(self.sides)}: {self.detail}"
        where = self.file + (f" ({', '.join(self.symbols)})" if self.symbols else "")
        commits = "; ".join(f"{k}: {' '.join(v) or '-'}" for k, v in self.commits.items())
        return f"[{self.kind}] {' vs '.join(self.sides)}: {where}: {self.detail} [commits {commits}]"


def side_changes(root: Path, label: str, base: str, tip: str) -> Side:
    side = Side(label, base, tip, wt.changed_files(root, base, tip))
    for path in side.files:
        if sym.language_of(path) is None:
            continue
        old, new = wt.show(root, base, path), wt.show(root, tip, path)
        if (old and len(old) > MAX_PARSE_BYTES) or (new and len(new) > MAX_PARSE_BYTES):
            continue
        changes, calls = sym.diff_file(path, old, new)
        side.changes.extend(changes)
        if calls:
            side.calls[path] = calls
            side.texts[path] = new or b""
    return side


# ---------------------------------------------------------------------------------------------
# Textual


@dataclass
class TreeMerge:
    tree: str | None
    files: list[str]
    messages: list[str]

    @property
    def clean(self) -> bool:
        return self.tree is not None and not self.files


def merge_tree(root: Path, ours: str, theirs: str) -> TreeMerge:
    proc = wt.git(root, "merge-tree", "--write-tree", "--name-only", "-z", ours, theirs, check=False)
    if proc.returncode not in (0, 1):
        raise wt.GitError(f"git merge-tree failed: {proc.stderr.strip()}",
                          hint="conflict detection needs git >= 2.38 (`git merge-tree --write-tree`)")
    tokens = proc.stdout.split("\0")
    tree = tokens[0].strip() or None
    files: list[str] = []
    i = 1
    while i < len(tokens) and tokens[i] != "":
        if tokens[i] not in files:
            files.append(tokens[i])
        i += 1
    messages, i = [], i + 1
    while i < len(tokens) and tokens[i].strip().isdigit():
        n = int(tokens[i])
        i += 1 + n
        if i + 1 < len(tokens):
            kind, text = tokens[i], tokens[i + 1].strip()
            if kind.startswith("CONFLICT"):
                messages.append(text)
        i += 2
    if proc.returncode == 1 and not files:  # conflict without a listed file (should not happen)
        files = ["<unknown>"]
    return TreeMerge(tree if proc.returncode == 0 else None, files, messages)


# ---------------------------------------------------------------------------------------------
# Semantic


def _short(sha: str) -> str:
    return sha[:10]


def semantic_conflicts(a: Side, b: Side) -> list[Conflict]:
    found: list[Conflict] = []
    b_changes = {(c.path, c.name): c for c in b.changes}
    for ca in a.changes:
        cb = b_changes.get((ca.path, ca.name))
        if cb is None:
            continue
        if ca.change == "added" and cb.change == "added":
            detail = f"both sides added {ca.kind} {ca.name}"
        else:
            detail = f"{a.label} {_verb(ca)}; {b.label} {_verb(cb)}"
        found.append(Conflict("symbol", [a.label, b.label], ca.path, [ca.name], detail))
    found += _signature_vs_calls(a, b) + _signature_vs_calls(b, a)
    return found


def _verb(change: sym.SymbolChange) -> str:
    if change.change == "signature":
        return f"changed the signature of {change.kind} {change.name} {change.old_signature} -> {change.new_signature}"
    return f"{change.change} {change.kind} {change.name}"


def _signature_vs_calls(changer: Side, caller: Side) -> list[Conflict]:
    out: list[Conflict] = []
    for ch in changer.changes:
        if ch.change not in {"signature", "removed"} or ch.kind not in {"function", "method", "class"}:
            continue
        fam = sym.family(sym.language_of(ch.path))
        short = ch.name.rsplit(".", 1)[-1].split("#")[0]
        for path, calls in caller.calls.items():
            if sym.family(sym.language_of(path)) != fam:
                continue
            hits = [c for c in calls if c.callee == short]
            if not hits or not _refers_to(ch, path, caller.texts.get(path, b"")):
                continue
            what = (f"changed the signature of {ch.name}{ch.old_signature} -> {ch.new_signature}"
                    if ch.change == "signature" else f"removed {ch.kind} {ch.name}")
            sites = ", ".join(f"line {c.line}: {c.text[:80]}" for c in hits[:3])
            out.append(Conflict("signature", [changer.label, caller.label], ch.path, [ch.name],
                                f"{changer.label} {what}; {caller.label} added or edited calls to it in {path} ({sites})",
                                other_file=path))
    return out


def _refers_to(change: sym.SymbolChange, path: str, text: bytes) -> bool:
    """Does the calling file plausibly mean *this* symbol? Keeps `seen.add(x)` from matching a
    changed `Cart.add`: a method needs its class named in the file, a function must be defined in
    the same file or named on an import line (directly or through its module)."""
    if path == change.path:
        return True
    src = text.decode("utf-8", "replace")
    parts = change.name.split("#")[0].split(".")
    if change.kind == "method" and len(parts) > 1:
        return re.search(rf"\b{re.escape(parts[-2])}\b", src) is not None
    short = parts[-1]
    module = PurePosixPath(change.path).stem
    for line in src.splitlines():
        if re.search(r"\b(import|require)\b", line) and re.search(rf"\b({re.escape(short)}|{re.escape(module)})\b", line):
            return True
    return False


def _files_naming(root: Path, tree: str, name: str) -> list[str]:
    """Files of `tree` that contain the word `name` (git grep on the tree object: no checkout)."""
    proc = wt.git(root, "grep", "-l", "-z", "-w", "-F", "-I", "-e", name, tree, check=False)
    if proc.returncode not in (0, 1):
        return []
    return [entry.split(":", 1)[1] for entry in proc.stdout.split("\0") if ":" in entry]


def broken_callers(root: Path, changer: Side, tree: str, integration_label: str) -> list[Conflict]:
    """Calls anywhere in `tree` (the stream merged into the integration branch) that no longer fit a
    signature `changer` changed, or that call a function it removed. One conflict per file."""
    out: list[Conflict] = []
    for ch in changer.changes:
        if ch.change not in {"signature", "removed"} or ch.kind not in {"function", "method", "class"}:
            continue
        if ch.change == "signature" and ch.kind == "class":
            continue  # the bases changed; construction is governed by __init__ / constructor
        fam = sym.family(sym.language_of(ch.path))
        short = _called_name(ch)
        for path in _files_naming(root, tree, short):
            lang = sym.language_of(path)
            if sym.family(lang) != fam:
                continue
            text = wt.show(root, tree, path) or b""
            if len(text) > MAX_PARSE_BYTES or not _refers_to(ch, path, text):
                continue
            try:
                _, calls = sym.extract(text, lang)
            except (ValueError, UnicodeError):
                continue
            broken = [c for c in calls if c.callee == short and _call_broken(ch, c, fam)]
            if not broken:
                continue
            what = (f"changed the signature of {ch.name}{ch.old_signature} -> {ch.new_signature}"
                    if ch.change == "signature" else f"removed {ch.kind} {ch.name}")
            sites = ", ".join(f"line {c.line}: {c.text[:80]}" for c in broken[:3])
            more = f" and {len(broken) - 3} more" if len(broken) > 3 else ""
            out.append(Conflict("signature", [changer.label, integration_label], ch.path, [ch.name],
                                f"{changer.label} {what}; existing calls in {path} no longer fit ({sites}{more})",
                                other_file=path))
    return out


def _is_constructor(change: sym.SymbolChange) -> bool:
    parts = change.name.split("#")[0].split(".")
    return change.kind == "method" and len(parts) > 1 and parts[-1] in {"__init__", "constructor"}


def _called_name(change: sym.SymbolChange) -> str:
    """The name calls use: `f` for f, `m` for C.m, `C` for C.__init__ / C.constructor (`C(...)`,
    `new C(...)`)."""
    parts = change.name.split("#")[0].split(".")
    return parts[-2] if _is_constructor(change) else parts[-1]


def _call_broken(change: sym.SymbolChange, call: sym.Call, fam: str | None) -> bool:
    if change.change == "removed":
        return not _is_constructor(change)  # without __init__ the class still constructs
    if fam == "python":  # `self`/`cls` is not passed explicitly through an instance or the class
        bound = _is_constructor(change) or callcheck.is_bound_call(call.text, change.kind, change.new_signature)
    else:  # JavaScript/TypeScript methods declare no `this` parameter
        bound = False
    return callcheck.call_fits(change.new_signature, call.text, fam or "", bound=bound) is False


def _attach_commits(root: Path, conflict: Conflict, sides: dict[str, Side]) -> None:
    for label in conflict.sides:
        side = sides.get(label)
        if side is None:
            continue
        files = {conflict.file} | ({conflict.other_file} if conflict.other_file else set())
        shas: list[str] = []
        for f in sorted(files):
            for c in wt.commits_between(root, side.base, side.tip, f):
                if _short(c) not in shas:
                    shas.append(_short(c))
        conflict.commits[label] = shas
        other = next((sides[x] for x in conflict.sides if x != label and x in sides), None)
        if label.startswith("integration:") and conflict.kind == "textual" and other is not None:
            streams = _blame_merged_streams(root, side, other.tip, conflict.file)
            if streams:  # name the streams whose merged work the other side collides with
                conflict.detail += f" (on {label.split(':', 1)[1]}, from stream {', '.join(streams)})"


_MERGE_SUBJECT = re.compile(r"^Merge stream/(\S+) into ")


def _blame_merged_streams(root: Path, integration: Side, tip: str, path: str) -> list[str]:
    """Streams merged into the integration branch since the merge base whose own work conflicts
    textually with `tip` in `path` (not merely every stream that touched the file)."""
    log = wt.git(root, "log", "--first-parent", "--format=%P%x09%s", f"{integration.base}..{integration.tip}",
                 "--", path, check=False).stdout
    touched: list[tuple[str, str]] = []
    for line in log.splitlines():
        parents, _, subject = line.partition("\t")
        m = _MERGE_SUBJECT.match(subject)
        if m and len(parents.split()) == 2 and all(m.group(1) != s for s, _ in touched):
            touched.append((m.group(1), parents.split()[1]))
    clashing = [s for s, stream_tip in touched if path in merge_tree(root, stream_tip, tip).files]
    return clashing or [s for s, _ in touched]


def _not_reported(new: list[Conflict], known: list[Conflict]) -> list[Conflict]:
    """`new` minus the conflicts already reported on the same symbol and calling file."""
    seen = {(c.file, tuple(c.symbols), c.other_file) for c in known if c.kind == "signature"}
    return [c for c in new if (c.file, tuple(c.symbols), c.other_file) not in seen]


def fold_textual(textual: list[Conflict], semantic: list[Conflict]) -> list[Conflict]:
    """A symbol conflict inside a textually conflicting file is reported once, on the textual one."""
    by_file = {c.file: c for c in textual}
    rest = []
    for c in semantic:
        if c.kind == "symbol" and c.file in by_file:
            t = by_file[c.file]
            t.symbols = sorted(set(t.symbols) | set(c.symbols))
        else:
            rest.append(c)
    return textual + rest


def check_pair(root: Path, a: Side, b: Side) -> list[Conflict]:
    """Textual + semantic conflicts between two lines of work (nothing is written)."""
    tm = merge_tree(root, a.tip, b.tip)
    textual = [Conflict("textual", [a.label, b.label], f,
                        detail=next((m for m in tm.messages if f in m), "both sides changed the same lines"))
               for f in tm.files]
    conflicts = fold_textual(textual, semantic_conflicts(a, b))
    for c in conflicts:
        _attach_commits(root, c, {a.label: a, b.label: b})
    return conflicts


# ---------------------------------------------------------------------------------------------
# Planning and running a merge round


@dataclass
class StreamMerge:
    stream: str
    branch: str
    result: str = "pending"     # merged | held | nothing | error
    commit: str | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    message: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["conflicts"] = [c.to_json() for c in self.conflicts]
        return d


@dataclass
class MergeReport:
    integration: str
    before: str
    after: str
    streams: list[StreamMerge]
    suggestions: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Conflict]:
        seen, out = set(), []
        for s in self.streams:
            for c in s.conflicts:
                key = c.describe()
                if key not in seen:
                    seen.add(key)
                    out.append(c)
        return out

    def to_json(self) -> dict:
        return {"integration": self.integration, "before": self.before, "after": self.after,
                "streams": [s.to_json() for s in self.streams], "suggestions": self.suggestions,
                "conflicts": [c.to_json() for c in self.conflicts]}


def preflight(root: Path, integration: str, streams: list[tuple[str, str]]) -> MergeReport:
    """Decide, without writing anything, which streams can merge (in the given order)."""
    int_tip = wt.rev(root, f"refs/heads/{integration}")
    if int_tip is None:
        raise wt.GitError(f"integration branch {integration!r} does not exist")
    label_int = f"integration:{integration}"
    report = MergeReport(integration, int_tip, int_tip, [])
    sides: dict[str, Side] = {}
    int_sides: dict[str, Side] = {}
    for name, branch in streams:
        sm = StreamMerge(name, branch)
        report.streams.append(sm)
        tip = wt.rev(root, f"refs/heads/{branch}")
        if tip is None:
            sm.result, sm.message = "error", f"branch {branch} does not exist"
            continue
        base = wt.merge_base(root, int_tip, tip)
        if base is None:
            sm.result, sm.message = "error", f"{branch} shares no history with {integration}"
            continue
        if base == tip:
            sm.result, sm.message = "nothing", f"{branch} has no commits that {integration} lacks"
            continue
        sides[name] = side_changes(root, name, base, tip)
        if base not in int_sides:
            int_sides[base] = side_changes(root, label_int, base, int_tip)
        if base != int_tip:  # the integration branch moved since the stream started
            sm.conflicts += check_pair(root, int_sides[base], sides[name])
        merged = merge_tree(root, int_tip, tip)
        if merged.tree:
            callers = broken_callers(root, sides[name], merged.tree, label_int)
            for c in callers:
                _attach_commits(root, c, {name: sides[name]})
            sm.conflicts += _not_reported(callers, sm.conflicts)
    accepted: list[str] = []
    for sm in report.streams:
        if sm.stream not in sides:
            continue
        for other in accepted:
            sm.conflicts += check_pair(root, sides[other], sides[sm.stream])
        if sm.conflicts:
            sm.result = "held"
        else:
            sm.result = "pending"
            accepted.append(sm.stream)
    report.suggestions = _suggest(report)
    return report


def _suggest(report: MergeReport) -> list[str]:
    merged_first = [s.stream for s in report.streams if s.result in {"pending", "merged"}]
    out = []
    if any(s.result == "held" for s in report.streams) and merged_first:
        out.append("merge first: " + ", ".join(merged_first) + " (clean, in dependency order)")
    for s in report.streams:
        if s.result != "held":
            continue
        if all(c.kind == "verify" for c in s.conflicts):
            out.append(f"then fix {s.stream}: the plan's verify command fails once its work is merged; make it pass "
                       f"in its worktree (after `git merge {report.integration}`), commit, and run merge again")
            continue
        files = sorted({c.file for c in s.conflicts if c.file} | {c.other_file for c in s.conflicts if c.other_file})
        syms = sorted({x for c in s.conflicts for x in c.symbols})
        against = sorted({x for c in s.conflicts for x in c.sides if x != s.stream})
        out.append(f"then resolve {s.stream}: in its worktree run `git merge {report.integration}`, reconcile "
                   f"{', '.join(files)}" + (f" (symbols: {', '.join(syms)})" if syms else "")
                   + f" with the work of {', '.join(against)}, commit, and run merge again")
    return out


def run_merge(root: Path, integration: str, streams: list[tuple[str, str]], *, message: str | dict = "",
              dry_run: bool = False, verify=None) -> MergeReport:
    """Preflight every stream, build the merge commits of the clean ones on top of each other
    (nothing moves yet), run `verify` (a `verify.Verifier`) on the result, and only then move the
    integration branch, by one fast-forward. A failing result holds the stream that made it fail
    (found by bisecting over the streams) and the rest is tried again; the integration branch
    never receives a result that fails `verify`.

    `message`: text for the merge commits' subjects (the batch id), or stream → text."""
    report = preflight(root, integration, streams)
    if dry_run:
        return report
    start = wt.rev(root, f"refs/heads/{integration}")
    pending = [sm for sm in report.streams if sm.result == "pending"]
    chain = _build_chain(root, integration, start, pending, message)
    if verify is not None and chain:
        chain = _verified_chain(root, integration, start, chain, verify, message)
    if chain:
        error = _advance(root, integration, start, chain[-1][1])
        for sm, commit in chain:
            if error:
                sm.result, sm.message = "error", error
            else:
                sm.result, sm.commit = "merged", commit
    report.after = wt.rev(root, f"refs/heads/{integration}")
    report.suggestions = _suggest(report)
    return report


def _build_chain(root: Path, integration: str, start: str, pending: list[StreamMerge],
                 message: str | dict) -> list[tuple[StreamMerge, str]]:
    """Merge commits of `pending` streams, each on top of the previous one (refs untouched).
    A stream that no longer merges cleanly on top of the others is held, naming the stream it
    conflicts with."""
    chain: list[tuple[StreamMerge, str]] = []
    tips: dict[str, str] = {}
    current = start
    for sm in pending:
        tip = wt.rev(root, f"refs/heads/{sm.branch}")
        tm = merge_tree(root, current, tip)
        if not tm.clean:
            sm.result = "held"
            blamed = [other.stream for other, _ in chain if not merge_tree(root, tips[other.stream], tip).clean]
            against = blamed[0] if blamed else f"integration:{integration}"
            sm.conflicts.extend(Conflict("textual", [against, sm.stream], f,
                                         detail=f"conflicts with {against}" + (" (merged in this round)" if blamed else ""))
                                for f in tm.files)
            continue
        label = message.get(sm.stream, "") if isinstance(message, dict) else message
        subject = f"Merge {sm.branch} into {integration}" + (f" ({label})" if label else "")
        current = wt.out(root, "commit-tree", tm.tree, "-p", current, "-p", tip, "-m", subject)
        tips[sm.stream] = tip
        chain.append((sm, current))
    return chain


def _verified_chain(root: Path, integration: str, start: str, chain: list[tuple[StreamMerge, str]], verify,
                    message: str | dict) -> list[tuple[StreamMerge, str]]:
    """The longest chain whose result passes `verify`: bisect over the streams for the first one
    whose merge makes it fail, hold that one, rebuild without it, repeat."""
    while chain:
        if verify(chain[-1][1]).ok:
            return chain
        lo, hi = 0, len(chain) - 1  # chain[hi] fails; find the first failing prefix
        while lo < hi:
            mid = (lo + hi) // 2
            if verify(chain[mid][1]).ok:
                lo = mid + 1
            else:
                hi = mid
        culprit = chain[lo][0]
        before = chain[lo - 1][1] if lo else start
        result = verify(chain[lo][1])
        if lo == 0 and not verify(start).ok:  # the integration branch fails on its own: blame no stream
            for sm, _ in chain:
                sm.result = "error"
                sm.message = (f"verify fails on {integration} itself ({verify(start).summary()}); nothing was "
                              f"merged. Fix {integration} first.")
            return []
        merged_before = [sm.stream for sm, _ in chain[:lo]]
        culprit.result = "held"
        culprit.conflicts.append(Conflict(
            "verify", [culprit.stream], "",
            detail=f"{result.summary()} on {integration}"
                   + (f" + {', '.join(merged_before)}" if merged_before else "") + f" + {culprit.stream}"
                   + f"; it passes without {culprit.stream}" * bool(verify(before).ok),
            output=result.tail))
        chain = _build_chain(root, integration, start, [sm for sm, _ in chain if sm is not culprit], message)
    return chain


def _advance(root: Path, branch: str, old: str, new: str) -> str | None:
    """Move `branch` from `old` to `new` (a descendant) without ever losing work."""
    checkout = wt.worktree_for_branch(root, branch)
    if checkout is not None:
        proc = wt.git(checkout, "merge", "--ff-only", "-q", new, check=False)
        if proc.returncode != 0:
            return (f"could not update the checkout of {branch} at {checkout}: "
                    f"{(proc.stderr or proc.stdout).strip()} (commit or stash local changes, then merge again)")
        return None
    proc = wt.git(root, "update-ref", "-m", "br merge", f"refs/heads/{branch}", new, old, check=False)
    return None if proc.returncode == 0 else f"could not move {branch}: {proc.stderr.strip()}"


