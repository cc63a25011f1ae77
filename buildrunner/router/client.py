"""Calling a model: the official `anthropic` SDK, streaming, one bounded retry loop, fallbacks.

The SDK is imported here and only here, when a model is actually called (it takes ~2 s to import).
The client is built with `max_retries=0` so the SDK's own retries never stack under ours; the base
URL comes from `ANTHROPIC_BASE_URL` as the SDK reads it. See `errors.py` for what each failure does.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buildrunner.router.catalog import ModelSpec, Usage, cost, prices_for
from buildrunner.router.errors import (  # noqa: F401
    AllModelsFailed,
    CallerError,
    Failure,
    ModelCallError,
    SpendLimitError,  # ModelCallError: re-exported for the CLI
    classify,
)
from buildrunner.router.routing import Selection


@dataclass(frozen=True)
class CallSettings:
    api_key: str
    max_tokens: int = 4096
    timeout: float = 120.0
    max_retries: int = 2  # per model, before falling back
    retry_delay: float = 1.0  # base of the exponential backoff (seconds)
    max_retry_after: float = 60.0  # longest `retry-after` honoured before falling back instead

    @classmethod
    def from_config(cls, config: Any, *, max_tokens: int | None = None) -> CallSettings:
        key = os.environ.get("ANTHROPIC_API_KEY") or (config.get("model.api_key") if config else "") or ""
        if not key.strip():
            raise CallerError("no Anthropic API key is set",
                              hint="export ANTHROPIC_API_KEY=<your key from console.anthropic.com> "
                                   "(or `br config set model.api_key <key>`; the environment is safer)")
        return cls(api_key=key.strip(), max_tokens=max_tokens or int(config.get("model.max_tokens")),
                   timeout=float(config.get("model.timeout")), max_retries=int(config.get("model.max_retries")),
                   retry_delay=float(config.get("model.retry_delay")),
                   max_retry_after=float(config.get("model.max_retry_after")))


@dataclass
class Attempt:
    model: str
    failure: Failure | None = None


@dataclass
class RunResult:
    spec: ModelSpec
    text: str
    usage: Usage
    cost_usd: float
    long_context: bool
    duration_ms: float  # the successful request, first byte sent → final event
    total_ms: float  # including retries, waits and fallbacks
    stop_reason: str | None
    attempts: list[Attempt] = field(default_factory=list)
    fallback_from: list[str] = field(default_factory=list)

    @property
    def fallback(self) -> bool:
        return bool(self.fallback_from)


class _Interrupted(Exception):
    """A stream failed after text was already shown: falling back would repeat the answer."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


def make_client(settings: CallSettings):
    import anthropic

    return anthropic.Anthropic(api_key=settings.api_key, max_retries=0, timeout=settings.timeout)


def run(prompt: str, selection: Selection, settings: CallSettings, *,
        on_text: Callable[[str], None] = lambda _t: None,
        on_notice: Callable[[str], None] = lambda _m: None,
        sleep: Callable[[float], None] = time.sleep, client: Any = None) -> RunResult:
    """Stream `prompt` to the selected model, retrying and falling back as `errors.py` describes.

    Raises `CallerError` / `SpendLimitError` (stop at once) or `AllModelsFailed`; each carries the
    attempts made so far in `.attempts` for the usage record.
    """
    client = client or make_client(settings)
    started = time.perf_counter()
    attempts: list[Attempt] = []
    failed_models: list[str] = []
    chain = selection.chain or [selection.spec]
    for index, spec in enumerate(chain):
        failure = None
        for attempt in range(settings.max_retries + 1):
            try:
                result = _stream_once(client, spec, prompt, settings, on_text)
            except _Interrupted as exc:
                attempts.append(Attempt(spec.model_id, exc.failure))
                raise _with_attempts(AllModelsFailed(
                    f"{spec.model_id}: the answer stopped midway ({exc.failure.describe()}: {exc.failure.message})",
                    hint="run the command again; the partial answer above is incomplete"), attempts) from None
            except Exception as exc:  # noqa: BLE001 — classified below; unknown errors stop
                failure = classify(exc)
                attempts.append(Attempt(spec.model_id, failure))
                if failure.kind == "spend_limit":
                    raise _with_attempts(SpendLimitError(
                        f"{spec.model_id}: the organization's spend limit or credit is exhausted ({failure.message})",
                        hint="raise the limit or add credit at console.anthropic.com → Billing; "
                             "retrying or switching models will not help"), attempts) from None
                if not failure.falls_back:
                    raise _with_attempts(caller_error(spec, failure, settings), attempts) from None
                if failure.kind == "not_found" or attempt >= settings.max_retries:
                    break
                wait = _wait_for(failure, attempt, settings)
                if wait is None:
                    break  # retry-after longer than we are willing to wait: fall back now
                sleep(wait)
                continue
            attempts.append(Attempt(spec.model_id))
            result.attempts = attempts
            result.fallback_from = failed_models
            result.total_ms = (time.perf_counter() - started) * 1000
            return result
        failed_models.append(spec.model_id)
        if index + 1 < len(chain):
            on_notice(f"{spec.model_id} unavailable ({failure.describe()}); falling back to {chain[index + 1].model_id}")
    reasons = _failure_summary(attempts)
    raise _with_attempts(AllModelsFailed(
        f"no model could answer ({reasons})",
        hint="check https://status.anthropic.com, the model ids (`br model route --json`), "
             "or set model.fallback to a longer chain"), attempts)


def _with_attempts(exc: Exception, attempts: list[Attempt]) -> Exception:
    exc.attempts = list(attempts)  # type: ignore[attr-defined]
    return exc


def _wait_for(failure: Failure, attempt: int, settings: CallSettings) -> float | None:
    if failure.kind == "rate_limited" and failure.retry_after is not None:
        return failure.retry_after if failure.retry_after <= settings.max_retry_after else None
    base = settings.retry_delay * (2 ** attempt)
    return min(base * (0.75 + random.random() * 0.5), max(settings.max_retry_after, settings.retry_delay))


def caller_error(spec: ModelSpec, failure: Failure, settings: CallSettings) -> CallerError:
    """A clear message for errors that are the caller's fault (never retried on another model)."""
    from buildrunner.mask import mask_value

    status = failure.status
    if status == 401:
        return CallerError(
            f"the Anthropic API rejected the API key {mask_value(settings.api_key)} (401 {failure.error_type or 'authentication_error'})",
            hint="create a key at console.anthropic.com → API keys, then `export ANTHROPIC_API_KEY=<key>` "
                 "(or `br config set model.api_key <key>`)")
    if status == 403:
        return CallerError(f"{spec.model_id}: permission denied (403): {failure.message}",
                           hint="this key's workspace cannot use this model or feature; check the key's workspace")
    if status == 400:
        return CallerError(f"{spec.model_id}: the API rejected the request (400): {failure.message}",
                           hint="check --max-tokens and the model id; `br model route --json` shows what is sent")
    if status == 413:
        return CallerError(f"{spec.model_id}: the request is too large (413)", hint="send a shorter task or fewer files")
    code = f" ({status})" if status else ""
    return CallerError(f"{spec.model_id}: request failed{code}: {failure.message}")


def _stream_once(client: Any, spec: ModelSpec, prompt: str, settings: CallSettings,
                 on_text: Callable[[str], None]) -> RunResult:
    began = time.perf_counter()
    shown: list[str] = []
    try:
        with client.messages.stream(model=spec.model_id, max_tokens=settings.max_tokens,
                                    messages=[{"role": "user", "content": prompt}]) as stream:
            for text in stream.text_stream:
                shown.append(text)
                on_text(text)
            final = stream.get_final_message()
    except Exception as exc:
        if shown:
            raise _Interrupted(classify(exc)) from exc
        raise
    usage = Usage.from_mapping(_as_dict(getattr(final, "usage", None)))
    _, long_context = prices_for(spec, usage)
    return RunResult(spec=spec, text="".join(shown), usage=usage, cost_usd=cost(spec, usage),
                     long_context=long_context, duration_ms=(time.perf_counter() - began) * 1000,
                     total_ms=0.0, stop_reason=getattr(final, "stop_reason", None))


def _as_dict(obj: Any) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    return dump() if dump else dict(vars(obj))


def _failure_summary(attempts: list) -> str:
    """`model: reason` per model and reason, with `(×N)` for retries, in the order they happened."""
    counts: dict[tuple[str, str], int] = {}
    for a in attempts:
        if a.failure:
            key = (a.model, a.failure.describe())
            counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{model}: {why}" + (f" (×{n})" if n > 1 else "") for (model, why), n in counts.items())
