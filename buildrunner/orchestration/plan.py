"""Plans: streams of tasks with the files they touch and their dependencies; and batching.

A plan is YAML (see examples/plan.yaml and docs/PARALLEL_BUILDS.md)::

    name: shop
    integration_branch: main          # optional; default: orchestration.integration_branch or HEAD
    max_tasks_per_batch: 3            # optional cap per stream and batch
    verify: python -m pytest -q       # optional: must pass on the merge result before anything lands
    verify_timeout: 1800              # optional, seconds
    model: sonnet                     # optional: every task's model (default: the router picks per task)
    streams:
      - name: api
        description: REST endpoints
        tasks:
          - id: api-orders
            title: Add the /orders endpoint
            files: [src/api/orders.py]
            depends_on: [core-models]  # task ids, from any stream
            model: opus                # optional: this task's model (overrides plan and router)

Batching rules: within one batch no two streams touch the same file, and a task runs only after
every task it depends on is *merged* (a dependency in the same stream may run earlier in the same
batch, since a stream's tasks run in order). Tasks of a stream keep their order. Every task that
has to wait gets a reason a person can read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from buildrunner.engine.specs import is_str_list, unknown_fields
from buildrunner.errors import BrError
from buildrunner.orchestration.state import STREAM_NAME_RE

TASK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PLAN_FIELDS = ("name", "description", "integration_branch", "max_tasks_per_batch", "verify", "verify_timeout",
               "model", "streams")
STREAM_FIELDS = ("name", "description", "tasks")
TASK_FIELDS = ("id", "title", "description", "files", "depends_on", "model")


def _refuse_unknown(fail, at: str, raw: dict, allowed: tuple[str, ...]) -> None:
    """A misspelt key (`depend_on`) must not be dropped silently: it would run a task too early."""
    unknown = unknown_fields(raw, allowed)
    if unknown:
        fail(f"{at}.{unknown[0]}" if at else unknown[0], "unknown field", hint=f"fields: {', '.join(allowed)}")


class PlanError(BrError):
    """A plan that cannot be used; names the file, the line and the field."""


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    stream: str
    files: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    description: str = ""
    model: str = ""  # from the plan file; the routed model is in the command file

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "stream": self.stream, "files": list(self.files),
                "depends_on": list(self.depends_on), "description": self.description}


@dataclass(frozen=True)
class Stream:
    name: str
    tasks: tuple[Task, ...]
    description: str = ""


@dataclass(frozen=True)
class Plan:
    name: str
    streams: tuple[Stream, ...]
    path: Path | None = None
    integration_branch: str = ""
    max_tasks_per_batch: int = 0
    digest: str = ""
    verify: str = ""
    verify_timeout: int = 1800
    model: str = ""

    @property
    def tasks(self) -> dict[str, Task]:
        return {t.id: t for s in self.streams for t in s.tasks}

    def stream(self, name: str) -> Stream:
        for s in self.streams:
            if s.name == name:
                return s
        raise BrError(f"stream {name!r} is not in the plan",
                      hint="streams: " + ", ".join(s.name for s in self.streams))

    def stream_order(self) -> list[str]:
        """Streams in dependency order (a stream whose tasks others depend on comes first)."""
        tasks = self.tasks
        needs: dict[str, set[str]] = {s.name: set() for s in self.streams}
        for t in tasks.values():
            for dep in t.depends_on:
                if tasks[dep].stream != t.stream:
                    needs[t.stream].add(tasks[dep].stream)
        order: list[str] = []
        pending = [s.name for s in self.streams]
        while pending:  # stable topological sort; a cycle between streams falls back to plan order
            ready = [n for n in pending if needs[n] <= set(order)] or pending[:1]
            order.append(ready[0])
            pending.remove(ready[0])
        return order


@dataclass
class Batch:
    number: int
    assignments: dict[str, list[Task]] = field(default_factory=dict)
    waiting: list[tuple[Task, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(self.assignments.values())

    def to_json(self) -> dict:
        return {"number": self.number,
                "assignments": {s: [t.id for t in ts] for s, ts in self.assignments.items()},
                "waiting": [{"task": t.id, "stream": t.stream, "reason": r} for t, r in self.waiting]}


# ---------------------------------------------------------------------------------------------
# Loading and validation


def _line_map(text: str) -> dict[str, int]:
    """Field path (`streams[1].tasks[0].files`) → 1-based line, for error messages."""
    import yaml

    lines: dict[str, int] = {}

    def walk(node, path: str) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = f"{path}.{key.value}" if path else str(key.value)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, "")
    return lines


def load_plan(path: Path | str) -> Plan:
    """Read and check a plan file; every problem names the file, the line and the field."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"{path}: plan file not found",
                        hint="write one (see examples/plan.yaml) or pass --plan PATH") from None
    except UnicodeDecodeError as exc:
        raise PlanError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise PlanError(f"{where}: malformed YAML: {getattr(exc, 'problem', None) or exc}") from None
    plan = parse_plan(data, path=path, lines=_line_map(text))
    return plan


def _failer(src: str, lines: dict[str, int]):
    """`fail(field_path, message, hint)`: raise a PlanError at the line of the field, or of its
    nearest ancestor that has one."""

    def fail(field_path: str, message: str, hint: str | None = None):
        probe = field_path
        while probe and probe not in lines:  # nearest ancestor that has a line
            parent = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", probe)
            probe = parent if parent != probe else ""
        if not probe:
            probe = "" if "" in lines else field_path
        line = lines.get(probe)
        where = f"{src}:{line}" if line else src
        raise PlanError(f"{where}: {field_path or 'plan'}: {message}", hint=hint)

    return fail


def parse_plan(data, *, path: Path | None = None, lines: dict[str, int] | None = None) -> Plan:
    fail = _failer(str(path) if path else "<plan>", lines or {})
    if not isinstance(data, dict):
        fail("", "expected a mapping with a `streams:` list")
    _refuse_unknown(fail, "", data, PLAN_FIELDS)
    raw_streams = data.get("streams")
    if not isinstance(raw_streams, list) or not raw_streams:
        fail("streams", "expected a non-empty list of streams")
    max_tasks, branch = _batch_settings(fail, data)
    verify, verify_timeout, plan_model = _plan_settings(fail, data)
    streams = _parse_streams(fail, raw_streams)
    _check_dependencies(fail, streams)

    digest = hashlib.sha256(repr([(s.name, [t.to_json() for t in s.tasks]) for s in streams]).encode()).hexdigest()[:16]
    return Plan(str(data.get("name") or (path.stem if path else "plan")), tuple(streams), path, branch,
                max_tasks, digest, verify.strip(), verify_timeout, plan_model)


def _batch_settings(fail, data: dict) -> tuple[int, str]:
    """`max_tasks_per_batch` and `integration_branch` of a plan, checked."""
    max_tasks = data.get("max_tasks_per_batch", 0) or 0
    if not isinstance(max_tasks, int) or isinstance(max_tasks, bool) or max_tasks < 0:
        fail("max_tasks_per_batch", "expected a whole number >= 0 (0 = no limit)")
    branch = data.get("integration_branch") or ""
    if not isinstance(branch, str):
        fail("integration_branch", "expected a branch name")
    return max_tasks, branch


def _parse_streams(fail, raw_streams: list) -> list[Stream]:
    streams: list[Stream] = []
    seen_tasks: dict[str, str] = {}  # task id → its stream, across the plan
    for si, raw in enumerate(raw_streams):
        streams.append(_parse_stream(fail, f"streams[{si}]", raw, streams, seen_tasks))
    return streams


def _parse_stream(fail, at: str, raw, earlier: list[Stream], seen_tasks: dict[str, str]) -> Stream:
    if not isinstance(raw, dict):
        fail(at, "expected a mapping with `name` and `tasks`")
    _refuse_unknown(fail, at, raw, STREAM_FIELDS)
    name = raw.get("name")
    if not isinstance(name, str) or not STREAM_NAME_RE.match(name):
        fail(f"{at}.name", f"invalid stream name {name!r}",
             hint="1-40 lowercase letters, digits, '-' or '_' (it becomes a branch and a file name)")
    if any(s.name == name for s in earlier):
        fail(f"{at}.name", f"duplicate stream name {name!r}")
    raw_tasks = raw.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        fail(f"{at}.tasks", "expected a non-empty list of tasks")
    tasks = [_parse_task(fail, f"{at}.tasks[{ti}]", rt, name, seen_tasks) for ti, rt in enumerate(raw_tasks)]
    return Stream(name, tuple(tasks), str(raw.get("description") or ""))


def _parse_task(fail, at: str, rt, stream: str, seen_tasks: dict[str, str]) -> Task:
    if not isinstance(rt, dict):
        fail(at, "expected a mapping with `id`, `title` and `files`")
    _refuse_unknown(fail, at, rt, TASK_FIELDS)
    tid = rt.get("id")
    if not isinstance(tid, str) or not TASK_ID_RE.match(tid):
        fail(f"{at}.id", f"invalid task id {tid!r}", hint="letters, digits, '.', '-', '_' (max 64)")
    if tid in seen_tasks:
        fail(f"{at}.id", f"duplicate task id {tid!r} (also in stream {seen_tasks[tid]!r})")
    seen_tasks[tid] = stream
    files = _task_files(fail, at, rt.get("files"))
    deps = rt.get("depends_on", []) or []
    if isinstance(deps, str):
        deps = [deps]
    if not is_str_list(deps):
        fail(f"{at}.depends_on", "expected a list of task ids")
    title = rt.get("title") or tid
    if not isinstance(title, str):
        fail(f"{at}.title", "expected text")
    desc = rt.get("description") or ""
    model = _model_field(fail, f"{at}.model", rt.get("model"))
    return Task(tid, title, stream, files, tuple(deps), str(desc), model)


def _task_files(fail, at: str, files) -> tuple[str, ...]:
    """A task's `files:` (one path or a list), each relative to the repository root."""
    if isinstance(files, str):
        files = [files]
    if not files or not is_str_list(files, non_empty_items=True):
        fail(f"{at}.files", "expected a non-empty list of repository-relative paths",
             hint="the batcher needs the files a task touches to keep streams apart")
    clean_files = []
    for f in files:
        p = PurePosixPath(f)
        if p.is_absolute() or ".." in p.parts or f.startswith("~"):
            fail(f"{at}.files", f"{f!r}: paths must be relative to the repository root, without '..'")
        clean_files.append(p.as_posix())
    return tuple(clean_files)


def _check_dependencies(fail, streams: list[Stream]) -> None:
    """Every dependency names a known task, not itself, not a later task of its own stream; no cycles."""
    all_tasks = {t.id: t for s in streams for t in s.tasks}
    for si, s in enumerate(streams):
        for ti, t in enumerate(s.tasks):
            for dep in t.depends_on:
                _check_dependency(fail, f"streams[{si}].tasks[{ti}].depends_on", s, ti, t, all_tasks.get(dep), dep)
    cycle = _find_cycle(all_tasks, streams)
    if cycle:
        fail("streams", "dependency cycle: " + " -> ".join(cycle))


def _check_dependency(fail, at: str, stream: Stream, index: int, task: Task, dt: Task | None, dep: str) -> None:
    if dt is None:
        fail(at, f"task {task.id!r} depends on unknown task {dep!r}")
    if dep == task.id:
        fail(at, f"task {task.id!r} depends on itself")
    if dt.stream == task.stream and stream.tasks.index(dt) > index:
        fail(at, f"task {task.id!r} depends on {dep!r}, which comes later in the same stream",
             hint="a stream's tasks run in order: move the dependency before it")


def _plan_settings(fail, data: dict) -> tuple[str, int, str]:
    """`verify`, `verify_timeout` and `model` of a plan, checked."""
    verify = data.get("verify") or ""
    if not isinstance(verify, str) or (data.get("verify") is not None and not verify.strip()):
        fail("verify", "expected a shell command, e.g. `python -m pytest -q`")
    verify_timeout = data.get("verify_timeout", 1800)
    if not isinstance(verify_timeout, int) or isinstance(verify_timeout, bool) or verify_timeout <= 0:
        fail("verify_timeout", "expected a whole number of seconds > 0")
    return verify, verify_timeout, _model_field(fail, "model", data.get("model"))


def _model_field(fail, at: str, value) -> str:
    """A `model:` value: a tier (haiku, sonnet, opus), an alias or a Claude model id."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        fail(at, "expected a model name (haiku, sonnet, opus) or a Claude model id")
    from buildrunner.orchestration.models import check_model_name

    problem = check_model_name(value.strip())
    if problem:
        fail(at, problem[0], hint=problem[1])
    return value.strip()


def _find_cycle(tasks: dict[str, Task], streams: list[Stream]) -> list[str] | None:
    """A dependency cycle as a list of task ids, counting 'a stream's tasks run in order' too."""
    edges: dict[str, list[str]] = {tid: list(t.depends_on) for tid, t in tasks.items()}
    for s in streams:
        for prev, cur in zip(s.tasks, s.tasks[1:], strict=False):
            edges[cur.id].append(prev.id)
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        color[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if color.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if not color.get(nxt):
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = 2
        return None

    for tid in tasks:
        if not color.get(tid):
            found = visit(tid)
            if found:
                return list(reversed(found))
    return None


# ---------------------------------------------------------------------------------------------
# Batching


def next_batch(plan: Plan, number: int, done: set[str], *, held: set[str] = frozenset(),
               in_progress: set[str] = frozenset()) -> Batch:
    """The next batch given the tasks already merged (`done`).

    `held` streams get no work (e.g. a stream whose branch is waiting for conflict resolution);
    `in_progress` tasks are finished on a branch but not merged yet and are not handed out again.
    """
    batch = Batch(number)
    claimed: dict[str, str] = {}  # file → stream that holds it in this batch
    for stream in plan.streams:
        pending = [t for t in stream.tasks if t.id not in done and t.id not in in_progress]
        if not pending:
            continue
        if stream.name in held:
            batch.waiting.append((pending[0], f"stream {stream.name!r} has unmerged work waiting for conflict "
                                              "resolution"))
            continue
        taken = _take_tasks(plan, stream, pending, batch, claimed, done, in_progress)
        if taken:
            batch.assignments[stream.name] = taken
    return batch


def _take_tasks(plan: Plan, stream: Stream, pending: list[Task], batch: Batch, claimed: dict[str, str],
                done: set[str], in_progress: set[str]) -> list[Task]:
    """The stream's pending tasks that join this batch, in order, up to the first that must wait
    (recorded in `batch.waiting`: a stream's tasks keep their order); claims their files."""
    taken: list[Task] = []
    for t in pending:
        reason = (_dependency_wait(plan, t, taken, done, in_progress) or _file_wait(stream, t, claimed)
                  or _cap_wait(plan, stream, taken) or _order_wait(stream, t, taken, done))
        if reason:
            batch.waiting.append((t, reason))
            break
        taken.append(t)
        for f in t.files:
            claimed.setdefault(f, stream.name)
    return taken


def _dependency_wait(plan: Plan, t: Task, taken: list[Task], done: set[str], in_progress: set[str]) -> str | None:
    for dep in t.depends_on:
        if dep in done or any(x.id == dep for x in taken):
            continue
        state = "is not merged yet" if dep in in_progress else "has not run yet"
        return f"depends on {dep!r} (stream {plan.tasks[dep].stream!r}), which {state}"
    return None


def _file_wait(stream: Stream, t: Task, claimed: dict[str, str]) -> str | None:
    for f in t.files:
        owner = _claim_owner(claimed, f)
        if owner and owner != stream.name:
            return f"file {f!r} is claimed by stream {owner!r} in this batch"
    return None


def _cap_wait(plan: Plan, stream: Stream, taken: list[Task]) -> str | None:
    if plan.max_tasks_per_batch and len(taken) >= plan.max_tasks_per_batch:
        return f"stream {stream.name!r} already has {len(taken)} task(s) in this batch (max_tasks_per_batch)"
    return None


def _order_wait(stream: Stream, t: Task, taken: list[Task], done: set[str]) -> str | None:
    index = stream.tasks.index(t)
    if index > 0:
        prev = stream.tasks[index - 1]
        if prev.id not in done and prev not in taken:
            return f"comes after {prev.id!r} in stream {stream.name!r}"
    return None


def _claim_owner(claimed: dict[str, str], path: str) -> str | None:
    """Who holds `path` — also when a directory entry (`src/api/`) covers it or it covers one."""
    if path in claimed:
        return claimed[path]
    for other, owner in claimed.items():
        a, b = other.rstrip("/") + "/", path.rstrip("/") + "/"
        if a.startswith(b) or b.startswith(a):
            return owner
    return None


def schedule(plan: Plan, done: set[str] = frozenset()) -> list[Batch]:
    """Every batch from here to the end, assuming each batch merges cleanly (a preview)."""
    done = set(done)
    batches: list[Batch] = []
    number = 1
    while len(done) < len(plan.tasks):
        batch = next_batch(plan, number, done)
        if batch.empty:  # cannot happen for a validated plan; guard against an endless loop
            break
        batches.append(batch)
        done |= {t.id for ts in batch.assignments.values() for t in ts}
        number += 1
    return batches
