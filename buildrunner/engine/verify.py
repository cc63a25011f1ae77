"""`br security check --verify`: ask each secret's own provider whether the key is live.

Imported only when --verify is given (the scan path never loads urllib/http). For each secret
finding whose rule has a spec (`buildrunner/rules/secrets-verify.yaml`, or the rule's own inline
`verify:` block), the secret is read back from the scanned text (checked against the finding's
salted hash), sent in a header to that spec's URL only, and the answer classified:

- `live`: the answer matches the spec's `live` (rotate the key now);
- `revoked`: it matches `revoked` (the provider rejects the key);
- `unknown`: no spec for the rule, the value is not readable (a file changed since), a timeout,
  a network error, a rate-limit (429) or any other answer.

Each distinct secret is checked once; requests to one provider are spaced by a minimum interval
(rate limit) and at most `max_checks` secrets are checked per run. Redirects are not followed
(a key never follows a redirect to another host). Messages never contain the secret.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from buildrunner.engine.model import Finding
from buildrunner.engine.verifyspec import VerifySpecError, check_url, parse_verify
from buildrunner.errors import BrError

LIVE, REVOKED, UNKNOWN = "live", "revoked", "unknown"
SPEC_FILE = Path(__file__).resolve().parents[1] / "rules" / "secrets-verify.yaml"
ENV_PREFIX = "BR_VERIFY_URL_"
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_INTERVAL_S = 0.5  # between two requests to the same provider
DEFAULT_MAX_CHECKS = 50


@dataclass
class Verdict:
    status: str
    detail: str = ""


@dataclass
class VerifyReport:
    verdicts: dict[str, int] = field(default_factory=lambda: {LIVE: 0, REVOKED: 0, UNKNOWN: 0})
    requests: int = 0
    skipped_over_limit: int = 0


# ---------------------------------------------------------------------------------------------
# specs


def load_specs(path: Path = SPEC_FILE) -> dict[str, dict[str, Any]]:
    """The shipped specs by rule id; a broken file is an input error naming the rule and field."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BrError(f"{path}: cannot read the verification specs: {exc}") from None
    verifiers = data.get("verifiers") if isinstance(data, dict) else None
    if not isinstance(verifiers, dict):
        raise BrError(f"{path}: no `verifiers:` mapping of rule id → spec")
    specs: dict[str, dict[str, Any]] = {}
    for rule_id, raw in verifiers.items():
        try:
            specs[str(rule_id)] = parse_verify(raw)
        except VerifySpecError as exc:
            raise BrError(f"{path}: rule {rule_id}: field {exc.field.removeprefix('verify.')}: {exc.message}") from None
    return specs


def specs_for(rules, shipped: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Shipped specs plus (taking precedence) the inline `verify:` blocks of the rules that ran."""
    out = dict(shipped)
    for r in rules:
        inline = r.spec.get("verify") if isinstance(r.spec, dict) else None
        if inline:
            out[r.id] = inline
    return out


def resolve_url(spec: dict[str, Any], env=None) -> str:
    """The spec's URL, with scheme/host/port from BR_VERIFY_URL_<PROVIDER> when set (the path is kept)."""
    env = os.environ if env is None else env
    override = (env.get(ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", spec["provider"].upper())) or "").strip()
    if not override:
        return spec["url"]
    base = urlsplit(override.rstrip("/"))
    try:
        check_url(urlunsplit((base.scheme, base.netloc, "/", "", "")), "base URL override")
    except VerifySpecError as exc:
        raise BrError(f"{ENV_PREFIX}{spec['provider'].upper()}: {exc.message}") from None
    target = urlsplit(spec["url"])
    return urlunsplit((base.scheme, base.netloc, base.path + target.path, "", ""))


# ---------------------------------------------------------------------------------------------
# one request


def _fill(template: str, secret: str) -> str:
    return template.replace("{secret}", secret)


def build_headers(spec: dict[str, Any], secret: str) -> dict[str, str]:
    headers = {name: _fill(value, secret) for name, value in spec["headers"].items()}
    if spec.get("basic_auth"):
        user, password = (_fill(v, secret) for v in spec["basic_auth"])
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    headers.setdefault("User-Agent", "br-verify")
    return headers


def _json_matches(expected: dict[str, list], body: bytes) -> bool:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    # strict types: JSON `true` is not `1`
    return all(any(type(data.get(k)) is type(v) and data.get(k) == v for v in values)
               for k, values in expected.items())


def classify(spec: dict[str, Any], status: int, body: bytes) -> Verdict:
    for outcome in (LIVE, REVOKED):
        want = spec[outcome]
        if status in want["status"] and ("json" not in want or _json_matches(want["json"], body)):
            return Verdict(outcome, f"HTTP {status}")
    return Verdict(UNKNOWN, f"HTTP {status} is neither a documented live nor revoked answer")


class _NoRedirect:
    """urllib handler that refuses redirects: a key is never re-sent to wherever a 3xx points."""

    @staticmethod
    def build():
        import urllib.request

        class Handler(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ARG002
                return None

        return Handler()


def request_verdict(spec: dict[str, Any], secret: str, *, url: str, timeout: float, opener=None) -> Verdict:
    import urllib.error
    import urllib.request

    opener = opener or urllib.request.build_opener(_NoRedirect.build())
    data = b"" if spec["method"] == "POST" else None
    req = urllib.request.Request(url, data=data, headers=build_headers(spec, secret), method=spec["method"])
    try:
        with opener.open(req, timeout=timeout) as resp:
            return classify(spec, resp.status, resp.read(65536))
    except urllib.error.HTTPError as exc:
        body = exc.read(65536) if exc.fp is not None else b""
        if exc.code == 429:
            return Verdict(UNKNOWN, "rate-limited by the provider (HTTP 429)")
        return classify(spec, exc.code, body)
    except TimeoutError:
        return Verdict(UNKNOWN, f"no answer within {timeout:g}s")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Verdict(UNKNOWN, f"cannot reach {urlsplit(url).hostname}: {type(reason).__name__}")


# ---------------------------------------------------------------------------------------------
# many findings


class RateLimiter:
    def __init__(self, interval_s: float, clock=time.monotonic, sleep=time.sleep):
        self.interval_s = interval_s
        self.clock = clock
        self.sleep = sleep
        self.last: dict[str, float] = {}

    def wait(self, key: str) -> None:
        last = self.last.get(key)
        if last is not None:
            delay = last + self.interval_s - self.clock()
            if delay > 0:
                self.sleep(delay)
        self.last[key] = self.clock()


def verify_findings(findings: list[Finding], reader, specs: dict[str, dict[str, Any]], *,
                    timeout: float = DEFAULT_TIMEOUT_S, interval_s: float = DEFAULT_INTERVAL_S,
                    max_checks: int = DEFAULT_MAX_CHECKS, env=None) -> VerifyReport:
    """Set `finding.verified` (live | revoked | unknown) and `extra['verify_detail']` on every secret
    finding. `reader` is a secretvalues.ValueReader over the scanned texts."""
    report = VerifyReport()
    limiter = RateLimiter(interval_s)
    done: dict[tuple[str, str], Verdict] = {}  # (provider, value hash) → verdict
    urls: dict[str, str] = {}
    for f in findings:
        if f.kind != "secret":
            continue
        verdict = _verdict_for(f, reader, specs, done, urls, limiter, report, timeout=timeout,
                               max_checks=max_checks, env=env)
        f.verified = verdict.status
        f.extra["verify_detail"] = verdict.detail
        report.verdicts[verdict.status] += 1
    return report


def _verdict_for(f, reader, specs, done, urls, limiter, report, *, timeout, max_checks, env) -> Verdict:
    spec = specs.get(f.rule_id)
    if spec is None:
        return Verdict(UNKNOWN, "no verifier for this rule")
    key = (spec["provider"], f.value_hash)
    if key in done:
        return done[key]
    secret = reader.value(f)
    if secret is None:
        return Verdict(UNKNOWN, "the value could not be read back (the file changed since the scan)")
    if len(done) >= max_checks:
        report.skipped_over_limit += 1
        return Verdict(UNKNOWN, f"not checked: more than {max_checks} secrets in one run")
    if spec["provider"] not in urls:
        urls[spec["provider"]] = resolve_url(spec, env)
    limiter.wait(spec["provider"])
    report.requests += 1
    verdict = request_verdict(spec, secret, url=urls[spec["provider"]], timeout=timeout)
    done[key] = verdict
    return verdict
