"""Export telemetry events as OpenTelemetry log records over OTLP/HTTP (protobuf).

`br telemetry export --otlp` sends the project's events (archives included) that were not sent
before to `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` +
`/v1/logs`, with `OTEL_EXPORTER_OTLP_[LOGS_]HEADERS` (`k=v,k2=v2`, values URL-encoded),
`OTEL_EXPORTER_OTLP_[LOGS_]TIMEOUT` (milliseconds) and `OTEL_EXPORTER_OTLP_[LOGS_]COMPRESSION`
(`gzip` or none) — the variables every OpenTelemetry SDK reads, so a team's collector config
applies unchanged.

Mapping (OTel resource and log semantic conventions):
- resource: `service.name=br`, `service.version`, `br.project.id` (the keyed hash the log already
  holds, never a path) and `br.user.id` (a random id);
- one LogRecord per event: `time_unix_nano` from the event's `ts`, severity INFO, `event_name`
  `br.<type>` (the OTLP 1.5 field; also the `event.name` attribute for older collectors), the
  payload flattened into `br.<field>` attributes (maps such as per-rule counts become kvlists), the
  commit as `vcs.ref.head.revision`; the body is the event type.

The protobuf is written by the few lines of wire encoding below (no runtime dependency); the tests
decode it with the official `opentelemetry-proto` classes.

Delivery: batches of `BATCH` records; a connection error, 429, 502, 503 or 504 is retried with
exponential backoff (honouring `Retry-After`), other 4xx are permanent. What was accepted is
remembered in `.buildrunner/telemetry/otlp.json` (a watermark timestamp plus the digests of the
events near it), so the next export sends only new events and a crash never duplicates a batch
that the collector acknowledged. After an export that sent everything it read, the state also keeps
where it stopped in the live log (offset, inode, digest of the first line, newest archive), so the
background export reads only the lines appended since; a rotated, truncated or replaced log is read
in full again (the digests keep that exactly-once). Nothing here raises into a command: the caller gets a result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from buildrunner.telemetry.events import from_line

BATCH = 512
RETRY_STATUSES = {429, 502, 503, 504}
DEFAULT_TIMEOUT_MS = 10_000
STATE_FILE = "otlp.json"
RECENT_WINDOW = timedelta(hours=1)  # events this close to the watermark are tracked by digest
SEVERITY_INFO = 9

# ---------------------------------------------------------------------------------------------
# protobuf wire encoding (proto3): varint, 64-bit, length-delimited


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _key(number, 2) + _varint(len(data)) + data


def _str_field(number: int, text: str) -> bytes:
    return _bytes_field(number, text.encode("utf-8")) if text else b""


def _varint_field(number: int, n: int) -> bytes:
    return _key(number, 0) + _varint(n) if n else b""


def _fixed64_field(number: int, n: int) -> bytes:
    return _key(number, 1) + struct.pack("<Q", n) if n else b""


def any_value(value: Any) -> bytes:
    """opentelemetry.proto.common.v1.AnyValue."""
    if isinstance(value, bool):
        return _key(2, 0) + _varint(int(value))
    if isinstance(value, int):
        return _key(3, 0) + _varint(value)
    if isinstance(value, float):
        return _key(4, 1) + struct.pack("<d", value)
    if isinstance(value, (list, tuple)):
        return _bytes_field(5, b"".join(_bytes_field(1, any_value(v)) for v in value))
    if isinstance(value, dict):
        return _bytes_field(6, b"".join(_bytes_field(1, key_value(str(k), v)) for k, v in value.items()))
    return _bytes_field(1, str(value).encode("utf-8"))  # string_value (also for None: "None" never occurs)


def key_value(key: str, value: Any) -> bytes:
    return _str_field(1, key) + _bytes_field(2, any_value(value))


def _attributes(number: int, attrs: dict[str, Any]) -> bytes:
    return b"".join(_bytes_field(number, key_value(k, v)) for k, v in attrs.items() if v is not None and v != "")


# ---------------------------------------------------------------------------------------------
# events → ExportLogsServiceRequest


def ts_to_unix_nano(ts: str) -> int:
    stamp = datetime.fromisoformat(ts[:-1] + "+00:00" if ts.endswith("Z") else ts)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1000


def log_record(event: dict[str, Any], observed_ns: int) -> bytes:
    name = f"br.{event['type']}"
    attrs: dict[str, Any] = {"event.name": name}
    for k, v in (event.get("data") or {}).items():
        attrs[f"br.{k}"] = v
    attrs["vcs.ref.head.revision"] = event.get("commit") or None
    return b"".join([
        _fixed64_field(1, ts_to_unix_nano(event["ts"])),
        _varint_field(2, SEVERITY_INFO),
        _str_field(3, "INFO"),
        _bytes_field(5, any_value(event["type"])),
        _attributes(6, attrs),
        _fixed64_field(11, observed_ns),
        _str_field(12, name),
    ])


def export_request(events: list[dict[str, Any]], version: str, observed_ns: int | None = None) -> bytes:
    """One ExportLogsServiceRequest: a ResourceLogs per (project, user, br version) of the events."""
    observed_ns = observed_ns or time.time_ns()
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for e in events:
        groups.setdefault((e.get("project", ""), e.get("user", ""), e.get("br") or version), []).append(e)
    out = b""
    for (project, user, br_version), group in groups.items():
        resource = _attributes(1, {"service.name": "br", "service.version": br_version,
                                   "br.project.id": project, "br.user.id": user})
        scope = _str_field(1, "buildrunner.telemetry") + _str_field(2, version)
        records = b"".join(_bytes_field(2, log_record(e, observed_ns)) for e in group)
        scope_logs = _bytes_field(1, scope) + records
        out += _bytes_field(1, _bytes_field(1, resource) + _bytes_field(2, scope_logs))
    return out


# ---------------------------------------------------------------------------------------------
# configuration from the standard environment variables


@dataclass
class Target:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_MS / 1000
    gzip: bool = False

    def safe_url(self) -> str:
        """The URL without credentials or query (what messages show)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"


class OtlpConfigError(ValueError):
    pass


def _env(name: str, env) -> str:
    return (env.get(f"OTEL_EXPORTER_OTLP_LOGS_{name}") or env.get(f"OTEL_EXPORTER_OTLP_{name}") or "").strip()


def parse_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OtlpConfigError(f"OTEL_EXPORTER_OTLP_HEADERS: expected key=value, got {key.strip()[:20]!r}")
        headers[unquote(key.strip())] = unquote(value.strip())
    return headers


def target_from_env(env=None, endpoint: str | None = None) -> Target:
    env = os.environ if env is None else env
    url = endpoint or (env.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") or "").strip()
    if not url:
        base = (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip()
        if not base:
            raise OtlpConfigError("no OTLP endpoint: set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://localhost:4318) "
                                  "or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, or pass --endpoint")
        url = base.rstrip("/") + "/v1/logs"
    if not url.startswith(("http://", "https://")):
        raise OtlpConfigError("the OTLP endpoint must be an http:// or https:// URL (OTLP/HTTP)")
    timeout = _env("TIMEOUT", env)
    try:
        timeout_ms = float(timeout) if timeout else DEFAULT_TIMEOUT_MS
    except ValueError:
        raise OtlpConfigError(f"OTEL_EXPORTER_OTLP_TIMEOUT must be milliseconds, not {timeout!r}") from None
    compression = _env("COMPRESSION", env).lower()
    if compression not in ("", "none", "gzip"):
        raise OtlpConfigError(f"OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none, not {compression!r}")
    return Target(url, parse_headers(_env("HEADERS", env)), max(timeout_ms, 1) / 1000, compression == "gzip")


# ---------------------------------------------------------------------------------------------
# what was sent


def event_digest(event: dict[str, Any]) -> str:
    raw = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


class SentLog:
    """Watermark + digests of events near it: events before `watermark - RECENT_WINDOW` count as
    sent; newer ones are looked up by digest (concurrent writers may append slightly out of order)."""

    def __init__(self, path):
        self.path = path
        from buildrunner.fsutil import read_json

        data = read_json(path, {})
        self.watermark: str = data.get("watermark", "") if isinstance(data, dict) else ""
        recent = data.get("recent") if isinstance(data, dict) else None
        self.recent: dict[str, str] = dict(recent) if isinstance(recent, dict) else {}
        position = data.get("log") if isinstance(data, dict) else None
        self.position: dict[str, Any] = position if isinstance(position, dict) else {}

    def _floor(self) -> str:
        if not self.watermark:
            return ""
        stamp = datetime.fromisoformat(self.watermark.replace("Z", "+00:00")) - RECENT_WINDOW
        return stamp.strftime("%Y-%m-%dT%H:%M:%S")

    def is_sent(self, event: dict[str, Any], floor: str) -> bool:
        return (bool(floor) and event["ts"] < floor) or event_digest(event) in self.recent

    def unsent(self, events) -> list[dict[str, Any]]:
        floor = self._floor()
        return [e for e in events if not self.is_sent(e, floor)]

    def mark(self, events: list[dict[str, Any]]) -> None:
        for e in events:
            self.recent[event_digest(e)] = e["ts"]
            if e["ts"] > self.watermark:
                self.watermark = e["ts"]
        floor = self._floor()
        self.recent = {d: ts for d, ts in self.recent.items() if ts >= floor}

    def save(self) -> None:
        from buildrunner.telemetry._files import write_json_atomic

        write_json_atomic(self.path, {"watermark": self.watermark, "recent": self.recent,
                                      "log": self.position})


def _newest_archive(collector) -> str:
    archives = collector.archives()
    return archives[-1].name if archives else ""


def read_new_events(collector, position: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The events an export has to look at, and the log position at the end of them.

    When the live log is the one `position` was taken in (same newest archive, inode and first
    line, not shorter), only the lines past its offset; otherwise every event, archives included.
    The new position is None when a rotation ran during the read (the next export reads in full)."""
    archive = _newest_archive(collector)
    try:
        fh = open(collector.path, "rb")  # noqa: SIM115 — closed below
    except OSError:
        return list(collector.iter_events()), None
    with fh:
        st = os.fstat(fh.fileno())
        head = hashlib.sha256(fh.readline(4096)).hexdigest()[:20]
        start = position.get("offset")
        resume = (isinstance(start, int) and 0 <= start <= st.st_size and position.get("ino") == st.st_ino
                  and (start == 0 or position.get("head") == head) and position.get("archive") == archive)
        if not resume:
            start = 0
        events = [] if resume else list(collector.iter_events(include_log=False))
        chunk = os.pread(fh.fileno(), st.st_size - start, start)
    end = chunk.rfind(b"\n") + 1  # an unterminated tail is read once it is terminated
    events += filter(None, map(from_line, chunk[:end].splitlines()))
    if _newest_archive(collector) != archive:
        return events, None
    return events, {"archive": archive, "ino": st.st_ino, "head": head, "offset": start + end}


# ---------------------------------------------------------------------------------------------
# sending


@dataclass
class ExportResult:
    sent: int = 0
    pending: int = 0
    already_sent: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def post(target: Target, body: bytes, *, retries: int = 4, backoff_s: float = 0.5,
         sleep=time.sleep, deadline: float | None = None) -> str:
    """POST one request; the error, or '' once accepted. Retries transient failures with backoff."""
    import gzip
    import urllib.error
    import urllib.request

    data = gzip.compress(body) if target.gzip else body
    headers = {**target.headers, "Content-Type": "application/x-protobuf", "User-Agent": "br-otlp"}
    if target.gzip:
        headers["Content-Encoding"] = "gzip"
    attempt, error = 0, ""
    while True:
        attempt += 1
        wait = backoff_s * (2 ** (attempt - 1))
        try:
            req = urllib.request.Request(target.url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=target.timeout_s) as resp:
                resp.read()
                return ""
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} from {target.safe_url()}"
            if exc.code not in RETRY_STATUSES:
                return error
            retry_after = (exc.headers.get("Retry-After") or "").strip()
            if retry_after.isdigit():
                wait = max(wait, float(retry_after))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = f"cannot reach {target.safe_url()}: {reason}"
        if attempt > retries or (deadline is not None and time.monotonic() + wait > deadline):
            return error
        sleep(wait)


def export_events(events, state_path, target: Target, version: str, *, retries: int = 4,
                  backoff_s: float = 0.5, budget_s: float | None = None, sleep=time.sleep,
                  lock_wait_s: float = 5.0, position: dict[str, Any] | None = None) -> ExportResult:
    """Send what was not sent yet, batch by batch, remembering each accepted batch at once. One
    export at a time per project (a lock next to the state file), so two never send the same events.
    `position` (from `read_new_events`) is stored once every event was sent."""
    from buildrunner.fsutil import LockTimeout, file_lock

    try:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(state_path.with_suffix(".lock"), lock_wait_s):
            return _export_locked(events, state_path, target, version, retries=retries, backoff_s=backoff_s,
                                  budget_s=budget_s, sleep=sleep, position=position)
    except LockTimeout:
        return ExportResult(error="another OTLP export of this project is running")
    except OSError as exc:
        return ExportResult(error=f"cannot use {state_path.parent}: {exc.strerror or exc}")


def _export_locked(events, state_path, target: Target, version: str, *, retries: int, backoff_s: float,
                   budget_s: float | None, sleep, position: dict[str, Any] | None) -> ExportResult:
    log = SentLog(state_path)
    events = list(events)
    todo = log.unsent(events)
    result = ExportResult(already_sent=len(events) - len(todo))
    deadline = time.monotonic() + budget_s if budget_s else None
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        error = post(target, export_request(batch, version), retries=retries, backoff_s=backoff_s,
                               sleep=sleep, deadline=deadline)
        if error:
            result.error = error
            result.pending = len(todo) - start
            break
        log.mark(batch)
        result.sent += len(batch)
        try:
            log.save()
        except OSError as exc:
            result.error = f"sent, but cannot record it in {state_path}: {exc.strerror}"
            result.pending = len(todo) - start - len(batch)
            break
    if position is not None and not result.error and position != log.position:
        log.position = position
        with contextlib.suppress(OSError):  # unsaved: the next export reads the whole log again
            log.save()
    return result


BACKGROUND_BUDGET_S = 120.0


def export_project(root, *, budget_s: float = BACKGROUND_BUDGET_S) -> ExportResult:
    """Export a project's unsent events with the environment's OTLP settings."""
    from buildrunner import __version__
    from buildrunner.project import Project
    from buildrunner.telemetry.collector import TelemetryCollector

    project = Project(root)
    target = target_from_env()
    state = project.telemetry_dir / STATE_FILE
    events, position = read_new_events(TelemetryCollector(project), SentLog(state).position)
    return export_events(events, state, target, __version__, budget_s=budget_s, position=position)


def main(argv: list[str] | None = None) -> int:
    """The background exporter (`spawn_otlp_export`): no one to report to, only an exit code."""
    import sys
    from pathlib import Path

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m buildrunner.telemetry.otlp PROJECT_ROOT", file=sys.stderr)
        return 2
    try:
        return 0 if export_project(Path(argv[0])).ok else 1
    except Exception:  # noqa: BLE001 — a background sender never raises
        return 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
