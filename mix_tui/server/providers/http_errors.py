"""Turning an LLM API's HTTP failure into a ProviderError with the right `kind` (shared by the
OpenAI-compatible and Anthropic providers). Messages are scrubbed of API keys."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any, Literal

from mix_tui.secrets import redact

from .base import ProviderError

Kind = Literal["auth", "rate_limit", "bad_request", "unavailable", "other"]

# error "type"/"code" strings used by Anthropic, OpenAI and OpenRouter in bodies and mid-stream errors
_KIND_BY_TYPE: dict[str, Kind] = {
    "authentication_error": "auth",
    "permission_error": "auth",
    "invalid_api_key": "auth",
    "rate_limit_error": "rate_limit",
    "rate_limit_exceeded": "rate_limit",
    "overloaded_error": "unavailable",
    "api_error": "unavailable",
    "server_error": "unavailable",
    "invalid_request_error": "bad_request",
    "not_found_error": "bad_request",
    "request_too_large": "bad_request",
    "context_length_exceeded": "bad_request",
    # out of credit: retrying will not help, and it is not a bad key either
    "insufficient_quota": "other",
    "billing_error": "other",
}


def kind_for_status(status: int | None) -> Kind:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status in (400, 404, 409, 413, 422):
        return "bad_request"
    if status is not None and (status >= 500 or status == 408):
        return "unavailable"
    return "other"


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms`, `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def body_details(body: object) -> tuple[str | None, str | None, int | None]:
    """(message, type-or-code, numeric code) from an error body in any of the common shapes."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    if not isinstance(body, Mapping):
        return (body if isinstance(body, str) and body else None), None, None
    message = body.get("message")
    code: Any = body.get("code")
    type_ = body.get("type")
    numeric = code if isinstance(code, int) else None
    label = code if isinstance(code, str) and code else type_ if isinstance(type_, str) else None
    return (message if isinstance(message, str) and message else None), label, numeric


def is_transport_error(exc: BaseException) -> bool:
    """A network-level failure (refused, reset, timed out, cut mid-body) from httpx/httpcore.

    Matched by module so it holds for whichever httpx generation the SDKs bundle (httpx, httpx2)."""
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    for cls in type(exc).__mro__:
        if cls.__module__.split(".", 1)[0] in ("httpx", "httpx2", "httpcore", "httpcore2", "h11", "anyio"):
            return True
    return False


def make_error(
    provider: str,
    *,
    status: int | None,
    body: object = None,
    fallback: str = "",
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> ProviderError:
    message, label, numeric = body_details(body)
    if status is None or status < 400:
        status = numeric if numeric and numeric >= 400 else status
    kind = _KIND_BY_TYPE.get(label or "") or kind_for_status(status)
    if label and "rate_limit" in label and kind == "other":
        kind = "rate_limit"
    text = message or fallback or "request failed"
    prefix = f"{provider}: HTTP {status}" if status and status >= 400 else f"{provider}"
    retry_after = retry_after_seconds(headers) if kind in ("rate_limit", "unavailable") else None
    return ProviderError(
        redact(f"{prefix}: {text}", secret),
        kind=kind,
        status=status if status and status >= 400 else None,
        retry_after=retry_after,
    )


def unavailable(provider: str, exc: BaseException, base_url: str | None) -> ProviderError:
    where = f" at {base_url}" if base_url else ""
    return ProviderError(
        f"{provider}: cannot reach the API{where} ({type(exc).__name__})", kind="unavailable"
    )
