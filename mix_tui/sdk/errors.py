"""Typed errors of the SDK, and how an HTTP error response becomes one.

Every error is a `MixError` carrying `.status` (the HTTP status, `None` when no answer arrived) and
`.message` (the server's own text). Servers speak two error dialects (mix-contract.md §1, §8.27): the
spec's `{"error": {"code", "message", "type"}}` envelope, and string-coded bodies from Go's auth and
preferences handlers whose exact shape is unknown. So the message is taken from the envelope when
there is one, else from any `message`/`error` string, else the raw body text, else the status line.

A `Retry-After` header (delta-seconds or an HTTP-date, RFC 9110 §10.2.3) becomes `.retry_after`
in seconds, and the message says when to try again.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import math
import time
from collections.abc import Mapping
from typing import Any

_MAX_RAW_TEXT = 500  # an HTML error page should not flood a status bar


class MixError(Exception):
    """Base of every SDK error."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # the envelope's `type` (bad_request, not_found, ...) or a string code such as INVALID_JSON
        self.error_type = error_type
        self.body = body
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class MixConnectionError(MixError):
    """The server could not be reached, the connection broke, or it timed out."""


class NotFoundError(MixError):
    """404: unknown session, message, file, command; for a permission: already resolved or expired."""


class ConflictError(MixError):
    """409: a turn is already running in this session."""


class UnauthorizedError(MixError):
    """401/403: no LLM provider key configured (Mix), or a wrong bearer token (our local server)."""


class ValidationError(MixError):
    """400/413/422: the server rejected the request's content."""


class RateLimitError(MixError):
    """429: too many requests; `retry_after` says how long to wait when the server said so."""


class ServerError(MixError):
    """5xx: the server failed."""


class ProtocolError(MixError):
    """The server answered 2xx with a body that does not match the contract."""


class UnsupportedError(MixError):
    """The server does not offer this endpoint (e.g. fork on a spec 0.8 server: 404/405)."""


def error_message(status: int, body: str, reason: str = "") -> tuple[str, str | None]:
    """The human message and the error type/code found in an error body."""
    text = body.strip()
    if text:
        try:
            payload: Any = json.loads(text)
        except ValueError:
            payload = None
        found = _message_from_json(payload)
        if found is not None:
            return found
        return (text[:_MAX_RAW_TEXT] + ("…" if len(text) > _MAX_RAW_TEXT else ""), None)
    return (f"HTTP {status} {reason}".strip(), None)


def _message_from_json(payload: Any) -> tuple[str, str | None] | None:
    if not isinstance(payload, dict):
        return None
    inner = payload.get("error")
    if isinstance(inner, dict):  # the spec envelope
        message = inner.get("message")
        kind = inner.get("type") or inner.get("code")
        if isinstance(message, str) and message:
            return message, str(kind) if kind is not None else None
    message = payload.get("message")
    code = payload.get("code", inner if isinstance(inner, str) else None)
    if isinstance(message, str) and message:
        return message, str(code) if code is not None else None
    if isinstance(inner, str) and inner:  # `{"error": "text"}`
        return inner, None
    return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A `Retry-After` value in seconds from `now` (epoch seconds); None when absent or unreadable."""
    if value is None or not (text := value.strip()):
        return None
    if text.isascii() and text.isdigit():
        return float(text) if len(text) <= 9 else None  # over 30 years is not a real request
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT; a zone-less one is read as such
        when = when.replace(tzinfo=datetime.UTC)
    seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def describe_wait(seconds: float) -> str:
    """`retry now`, `retry in 5 s`, `retry in 3 min`, `retry in 2 h`: for a message a person reads."""
    if seconds < 0.5:
        return "retry now"
    if seconds < 90:
        return f"retry in {max(1, math.ceil(seconds))} s"
    if seconds < 90 * 60:
        return f"retry in {math.ceil(seconds / 60)} min"
    return f"retry in {math.ceil(seconds / 3600)} h"


def error_for_status(
    status: int, body: str = "", reason: str = "", headers: Mapping[str, str] | None = None
) -> MixError:
    """The typed error for an HTTP error response (`headers` for its Retry-After)."""
    message, kind = error_message(status, body, reason)
    retry_after = retry_after_seconds(headers.get("retry-after")) if headers is not None else None
    if retry_after is not None:
        message = f"{message} ({describe_wait(retry_after)})"
    cls: type[MixError]
    if status in (401, 403):
        cls = UnauthorizedError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status in (400, 413, 422):
        cls = ValidationError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500:
        cls = ServerError
    else:
        cls = MixError
    return cls(message, status=status, error_type=kind, body=body, retry_after=retry_after)
