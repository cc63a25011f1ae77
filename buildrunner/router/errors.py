"""What a failed Messages API call means for the router: retry, fall back, or stop.

| failure                                   | action                                          |
| ----------------------------------------- | ----------------------------------------------- |
| 404 not_found (model retired or unknown)  | fall back at once                               |
| 529 overloaded, other 5xx, timeout, conn. | retry (bounded, exponential backoff), then fall back |
| 429 rate limited                          | wait `retry-after`, retry, then fall back       |
| 429 spend limit / 402 billing             | stop: more requests cannot succeed              |
| 400, 401, 403, 413, 422 (caller's fault)  | stop with a clear message; never another model  |

The SDK's exception classes are checked lazily (this module is imported on the `run` path only,
but classification keys on `status_code` so tests can build failures without the SDK).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

from buildrunner.errors import BrError

SPEND_LIMIT_CODES = {"enforced_spend_limit_reached", "contract_spend_limit_reached",
                     "linked_organization_spend_limit_reached", "linked_organization_billing_unavailable"}


class ModelCallError(BrError):
    """A `br model run` that could not produce an answer."""


class CallerError(ModelCallError):
    """The request itself is wrong (bad key, bad request, no permission): no other model would help."""


class SpendLimitError(ModelCallError):
    """The organization's spend limit or credit is exhausted."""


class AllModelsFailed(ModelCallError):
    """Every model in the fallback chain was unavailable."""

    exit_code = 1


@dataclass(frozen=True)
class Failure:
    kind: str  # not_found | overloaded | server | timeout | connection | rate_limited | spend_limit | caller
    status: int | None
    message: str
    retry_after: float | None = None
    error_type: str | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in {"overloaded", "server", "timeout", "connection", "rate_limited"}

    @property
    def falls_back(self) -> bool:
        return self.kind == "not_found" or self.retryable

    def describe(self) -> str:
        code = f"{self.status} " if self.status else ""
        return f"{code}{self.kind.replace('_', ' ')}"


def classify(exc: BaseException) -> Failure:
    """Map an SDK exception to a `Failure`."""
    status = getattr(exc, "status_code", None)
    message = getattr(exc, "api_message", None) or getattr(exc, "message", None) or str(exc) or type(exc).__name__
    error_type = getattr(exc, "type", None)
    if not isinstance(error_type, str):
        error_type = None
    if status is None:
        name = type(exc).__name__
        if "Timeout" in name:
            return Failure("timeout", None, "request timed out")
        if "Connection" in name:
            return Failure("connection", None, f"connection failed: {message}")
        if error_type == "overloaded_error":  # an `error` event inside the stream
            return Failure("overloaded", 529, message, error_type=error_type)
        if error_type in {"api_error", "server_error"}:
            return Failure("server", 500, message, error_type=error_type)
        return Failure("caller", None, message, error_type=error_type)
    error_code = getattr(exc, "error_code", None)
    if status == 402 or error_type == "billing_error" or error_code in SPEND_LIMIT_CODES or (
            isinstance(error_code, str) and "spend_limit" in error_code):
        return Failure("spend_limit", status, message, error_type=error_type)
    if status == 404:
        return Failure("not_found", status, message, error_type=error_type)
    if status == 429:
        return Failure("rate_limited", status, message, retry_after=retry_after(exc), error_type=error_type)
    if status == 529 or error_type == "overloaded_error":
        return Failure("overloaded", status, message, error_type=error_type)
    if status == 408 or status >= 500 or (status < 400 and error_type in {"api_error", None}):
        # (a status below 400 is an `error` event inside a 200 stream)
        return Failure("server", status, message, error_type=error_type)
    return Failure("caller", status, message, error_type=error_type)


def retry_after(exc: BaseException) -> float | None:
    """Seconds to wait from `retry-after-ms` / `retry-after` (seconds or an HTTP date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
