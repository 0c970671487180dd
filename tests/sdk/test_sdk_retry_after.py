"""`Retry-After` (issue 8 item 14): read in both forms, carried by the typed error, said in its message,
and honoured by retries that are safe (idempotent REST calls here; the stream in test_sdk_stream_resync)."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from typing import Any

import pytest

from mix_tui.sdk import MixClient, RateLimitError, ServerError
from mix_tui.sdk.errors import describe_wait, error_for_status, retry_after_seconds
from tests.sdk.sdk_wire import Handler, Request, WireServer, json_response

NOW = 1_750_000_000.0


def answer(status: int, payload: Any, **headers: str) -> Handler:
    body = json.dumps(payload).encode()

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        lines = [f"HTTP/1.1 {status} Whatever", "Content-Type: application/json", f"Content-Length: {len(body)}"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()

    return handle


BUSY = {"error": {"code": 429, "message": "Too many requests", "type": "rate_limited"}}


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (email.utils.formatdate(NOW + 90, usegmt=True), 90.0),
        (email.utils.formatdate(NOW - 90, usegmt=True), 0.0),  # already past: now
        ("Sun, 06 Nov 1994 08:49:37", 0.0),  # no zone: read as GMT, long past
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("9" * 40, None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_both_forms(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


def test_the_error_carries_it_and_says_when() -> None:
    error = error_for_status(429, json.dumps(BUSY), "Too Many Requests", {"retry-after": "30"})
    assert isinstance(error, RateLimitError) and error.retry_after == 30.0
    assert error.message == "Too many requests (retry in 30 s)"
    assert error_for_status(429, "", "Too Many Requests").message == "HTTP 429 Too Many Requests"
    assert [describe_wait(s) for s in (0, 0.4, 1.2, 89, 91, 3600, 7300)] == [
        "retry now", "retry now", "retry in 2 s", "retry in 89 s", "retry in 2 min", "retry in 60 min", "retry in 3 h",
    ]  # fmt: skip


async def test_an_idempotent_call_waits_as_asked_then_succeeds(wire: WireServer) -> None:
    wire.route("GET", "/api/sessions", answer(429, BUSY, Retry_After="1"), json_response(200, []))
    async with MixClient(wire.url, retry_backoff=0.01) as client:
        started = time.monotonic()
        assert await client.sessions.list() == []
        elapsed = time.monotonic() - started
    assert len(wire.hits("GET", "/api/sessions")) == 2
    assert elapsed >= 0.95  # the backoff alone would have been 10 ms


async def test_an_http_date_is_honoured_too(wire: WireServer) -> None:
    soon = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 to 2 s from now
    wire.route("GET", "/api/sessions", answer(503, {"error": "maintenance"}, Retry_After=soon), json_response(200, []))
    async with MixClient(wire.url, retry_backoff=0.01) as client:
        started = time.monotonic()
        assert await client.sessions.list() == []
        assert time.monotonic() - started >= 0.9


async def test_a_wait_longer_than_the_cap_is_not_slept_through(wire: WireServer) -> None:
    wire.route("GET", "/api/sessions", answer(503, {"error": "maintenance"}, Retry_After="3600"))
    async with MixClient(wire.url, retry_backoff=0.01, retry_after_max=5) as client:
        started = time.monotonic()
        with pytest.raises(ServerError) as caught:
            await client.sessions.list()
        assert time.monotonic() - started < 3
    assert caught.value.retry_after == 3600.0 and caught.value.message == "maintenance (retry in 60 min)"
    assert len(wire.hits("GET", "/api/sessions")) == 1


async def test_a_post_is_never_retried_even_when_told_when(wire: WireServer) -> None:
    sid = "s1"
    wire.route("POST", f"/api/sessions/{sid}/messages", answer(429, BUSY, Retry_After="0"))
    async with MixClient(wire.url, retry_backoff=0.01) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.messages.send(sid, "hello")
    assert caught.value.retry_after == 0.0 and caught.value.message == "Too many requests (retry now)"
    assert len(wire.hits("POST", f"/api/sessions/{sid}/messages")) == 1


async def test_a_429_without_a_date_backs_off_and_gives_up_after_the_retries(wire: WireServer) -> None:
    wire.route("GET", "/api/sessions", answer(429, BUSY))
    async with MixClient(wire.url, retry_backoff=0.01, retries=2) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.sessions.list()
    assert caught.value.retry_after is None and len(wire.hits("GET", "/api/sessions")) == 3
