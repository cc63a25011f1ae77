"""Declarative live-key verification specs (`verify:` blocks), validated without any network code.

Shipped specs live in `buildrunner/rules/secrets-verify.yaml`, keyed by rule id, so every endpoint
br may ever contact is listed in one auditable file. A user's own secret rule may carry an inline
`verify:` block of the same shape (checked when its pack loads; errors name file, rule and field)::

    verify:
      provider: github                      # names the base-URL override BR_VERIFY_URL_GITHUB
      url: https://api.github.com/user      # the provider's documented "who am I" endpoint
      method: GET                           # GET (default), HEAD or POST (with no body)
      headers:                              # `{secret}` may appear only in header values
        Authorization: "Bearer {secret}"
      basic_auth: ["api", "{secret}"]       # or HTTP basic auth built from user/password templates
      live: {status: [200]}                 # what a live answer looks like...
      revoked: {status: [401]}              # ...and a revoked/invalid one; anything else is unknown
      docs: https://docs.github.com/...     # where the endpoint is documented (optional)

`live`/`revoked` may add `json: {key: value}` (top-level fields of a JSON answer; a list value
means any of). The secret never goes into the URL, a query string or a body.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

FIELDS = {"provider", "url", "method", "headers", "basic_auth", "live", "revoked", "docs"}
OUTCOME_FIELDS = {"status", "json"}
METHODS = {"GET", "HEAD", "POST"}
PROVIDER_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class VerifySpecError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _fail(field: str, message: str):
    raise VerifySpecError(f"verify.{field}" if field else "verify", message)


def check_url(url: str, field: str = "url") -> None:
    """https only, except plain http to this machine (the fake providers of tests, a local proxy)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        _fail(field, f"`{field}` must be an https:// URL, got {url[:60]!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        _fail(field, "plain http is allowed only to 127.0.0.1/localhost: a key must not cross the network unencrypted")
    if parts.query or parts.fragment or parts.username or parts.password:
        _fail(field, "the URL takes no query, fragment or credentials: the secret goes in a header")
    if "{" in url or "}" in url:
        _fail(field, "the URL must not contain placeholders: the secret goes only in a header")


def _template(value: Any, field: str) -> str:
    if not isinstance(value, str):
        _fail(field, f"`{field}` must be a string")
    for name in PLACEHOLDER_RE.findall(value):
        if name != "secret":
            _fail(field, f"unknown placeholder {{{name}}}: only {{secret}} is available")
    return value


def _outcome(raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw or set(raw) - OUTCOME_FIELDS:
        _fail(field, f"`{field}` must be a mapping with `status` (a list of HTTP codes) and optionally `json`")
    status = raw.get("status")
    if not isinstance(status, list) or not status or not all(isinstance(s, int) and 100 <= s <= 599 for s in status):
        _fail(f"{field}.status", "`status` must be a non-empty list of HTTP status codes")
    out: dict[str, Any] = {"status": sorted(set(status))}
    if "json" in raw:
        js = raw["json"]
        if not isinstance(js, dict) or not js or not all(isinstance(k, str) for k in js):
            _fail(f"{field}.json", "`json` must map top-level answer fields to the values expected")
        out["json"] = {k: (list(v) if isinstance(v, list) else [v]) for k, v in js.items()}
    return out


def parse_verify(raw: Any) -> dict[str, Any]:
    """A validated spec (raises VerifySpecError(field, message))."""
    if not isinstance(raw, dict):
        _fail("", "`verify` must be a mapping (provider, url, headers, live, revoked)")
    unknown = set(raw) - FIELDS
    if unknown:
        name = sorted(unknown)[0]
        _fail(name, f"unknown field `{name}`; known: {', '.join(sorted(FIELDS))}")
    provider = raw.get("provider")
    if not isinstance(provider, str) or not PROVIDER_RE.match(provider):
        _fail("provider", "`provider` is required: a lowercase name like `github`")
    url = raw.get("url")
    if not isinstance(url, str):
        _fail("url", "`url` is required: the provider's documented endpoint")
    check_url(url)
    method = str(raw.get("method", "GET")).upper()
    if method not in METHODS:
        _fail("method", f"`method` must be one of {', '.join(sorted(METHODS))}")
    headers_raw = raw.get("headers") or {}
    if not isinstance(headers_raw, dict):
        _fail("headers", "`headers` must map header names to value templates")
    headers: dict[str, str] = {}
    for name, value in headers_raw.items():
        if not isinstance(name, str) or not HEADER_NAME_RE.match(name):
            _fail("headers", f"invalid header name {str(name)[:40]!r}")
        headers[name] = _template(value, f"headers.{name}")
    basic = raw.get("basic_auth")
    if basic is not None:
        if not isinstance(basic, list) or len(basic) != 2:
            _fail("basic_auth", "`basic_auth` must be [user, password] templates")
        basic = [_template(v, "basic_auth") for v in basic]
    uses_secret = any("{secret}" in v for v in [*headers.values(), *(basic or [])])
    if not uses_secret:
        _fail("headers", "no header carries `{secret}`: the request would not test the key")
    spec = {"provider": provider, "url": url, "method": method, "headers": headers, "basic_auth": basic,
            "live": _outcome(raw.get("live"), "live"), "revoked": _outcome(raw.get("revoked"), "revoked"),
            "docs": str(raw.get("docs", ""))}
    if set(spec["live"]["status"]) & set(spec["revoked"]["status"]) and not (
            "json" in spec["live"] or "json" in spec["revoked"]):
        _fail("revoked.status", "a status cannot mean both live and revoked unless `json` tells them apart")
    return spec
