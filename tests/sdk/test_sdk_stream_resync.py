"""`SessionStream` markers on real sockets: `Resync` (server notice, epoch change, no replay), the
overflow notice, Retry-After on reconnects, and a revoked token ending the stream for good."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from mix_tui.protocol import events as ev
from mix_tui.sdk import (
    ConnectionLost,
    MixClient,
    Reconnected,
    Resync,
    SessionStream,
    StreamItem,
    UnauthorizedError,
)
from mix_tui.sdk.stream import NO_REPLAY, RESTARTED
from tests.sdk.sdk_transcripts import SESSION
from tests.sdk.sdk_wire import WireServer, frame, json_response, sse


def connected(epoch: str | None, id: int) -> bytes:
    data: dict[str, str] = {"sessionId": SESSION}
    if epoch is not None:
        data["streamEpoch"] = epoch
    return frame("connected", data, id=id, retry=1000)


def content(text: str, id: int) -> bytes:
    return frame("content", {"type": "content", "content": text, "assistantMessageId": "m"}, id=id)


async def collect(stream: SessionStream, until: Callable[[StreamItem], bool]) -> list[StreamItem]:
    items: list[StreamItem] = []
    async with asyncio.timeout(10):
        async for item in stream:
            items.append(item)
            if until(item):
                break
    return items


def saw(text: str) -> Callable[[StreamItem], bool]:
    return lambda item: isinstance(item, ev.Content) and item.content == text


def markers(items: list[StreamItem]) -> list[str]:
    return [type(i).__name__ for i in items if not isinstance(i, ev.Content)]


async def test_same_epoch_replay_needs_no_resync(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1), content("two", 2)),
        sse(connected("A", 2), content("three", 3), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, saw("three"))
    assert markers(items) == ["Connected", "ConnectionLost", "Connected", "Reconnected"]
    assert wire.hits("GET", "/stream")[1].headers["last-event-id"] == "2"


async def test_a_new_epoch_means_the_ids_started_over(wire: WireServer, client: MixClient) -> None:
    # the restarted server already has ids beyond ours: it replays "its" 3..4, which are not ours
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1), content("two", 2)),
        sse(connected("B", 2), content("not ours", 3), content("new", 4), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, saw("new"))
        assert stream.epoch == "B"
    assert markers(items) == ["Connected", "ConnectionLost", "Connected", "Reconnected", "Resync"]
    resync = next(i for i in items if isinstance(i, Resync))
    assert resync == Resync(RESTARTED)
    # the marker comes before anything of the new run, so the caller re-reads first
    assert items.index(resync) < next(i for i, x in enumerate(items) if saw("not ours")(x))


async def test_the_servers_resync_event_becomes_one_marker(wire: WireServer, client: MixClient) -> None:
    notice = {"reason": "events 3..40 are no longer kept", "lastEventId": "41"}
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1), content("two", 2)),
        # a restart (new epoch) that the server also reports: still a single Resync
        sse(connected("B", 0), frame("resync", notice, id=0), content("live", 1), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, saw("live"))
    assert markers(items).count("Resync") == 1
    assert not any(isinstance(i, ev.Unknown) for i in items)  # never handed over as an unknown event


async def test_a_resync_event_is_read_with_or_without_details(wire: WireServer, client: MixClient) -> None:
    notice = {"reason": "events 3..40 are no longer kept", "lastEventId": "41"}
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1), content("two", 2)),
        sse(connected("A", 45), frame("resync", notice, id=45), content("live", 46)),
        sse(connected("A", 46), frame("resync", "not json", id=46), content("again", 47), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, saw("again"))
    resyncs = [i for i in items if isinstance(i, Resync)]
    assert resyncs == [
        Resync("events 3..40 are no longer kept", "41"),
        Resync("the server cannot replay the missed events"),
    ]
    assert stream.last_event_id == "47"


async def test_a_resume_position_given_to_a_server_that_does_not_replay(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/stream", sse(connected(None, 1), content("live", 2), end="hang"))
    async with client.stream(SESSION, last_event_id="17") as stream:
        items = await collect(stream, saw("live"))
    assert markers(items) == ["Connected", "Resync"] and items[1] == Resync(NO_REPLAY)


async def test_the_overflow_notice_is_the_reason_not_an_event(wire: WireServer, client: MixClient) -> None:
    notice = {"error": "stream closed: this client fell too far behind", "type": "stream_overflow", "retryAfter": 1000}
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1), frame("error", notice, id=1)),
        sse(connected("A", 1), content("two", 2), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, saw("two"))
    assert not any(isinstance(i, ev.Error) for i in items)
    lost = next(i for i in items if isinstance(i, ConnectionLost))
    assert lost.reason == "stream closed: this client fell too far behind"


async def test_retry_after_sets_the_reconnect_delay_within_a_cap(wire: WireServer) -> None:
    busy = {"error": {"code": 429, "message": "slow down", "type": "rate_limited"}}

    def limited(seconds: str) -> object:
        handler = json_response(429, busy)

        async def handle(request: object, writer: asyncio.StreamWriter) -> None:
            original = writer.write

            def write(data: bytes) -> None:  # add the header to the canned answer
                original(data.replace(b"\r\n\r\n", f"\r\nRetry-After: {seconds}\r\n\r\n".encode(), 1))

            writer.write = write  # type: ignore[method-assign]
            await handler(request, writer)  # type: ignore[arg-type]

        return handle

    wire.route(
        "GET",
        "/stream",
        limited("1"),  # type: ignore[arg-type]
        limited("3600"),  # type: ignore[arg-type]
        sse(connected("A", 0), content("in", 1), end="hang"),
    )
    async with httpx.AsyncClient(base_url=wire.url) as http:
        stream = SessionStream(http, SESSION, backoff_initial=0.01, backoff_max=0.05, retry_after_max=1.5)
        async with stream:
            items = await collect(stream, saw("in"))
    lost = [i for i in items if isinstance(i, ConnectionLost)]
    assert [i.reason for i in lost] == ["HTTP 429: slow down (retry in 1 s)", "HTTP 429: slow down (retry in 60 min)"]
    assert lost[0].retry_in == 1.0  # honoured, though the backoff alone would be 10 ms
    assert lost[1].retry_in == 1.5  # an hour is capped


async def test_a_revoked_token_ends_the_stream_with_unauthorized(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "GET",
        "/stream",
        sse(connected("A", 0), content("one", 1)),
        json_response(401, {"error": {"code": 401, "message": "Missing or invalid bearer token", "type": "unauthorized"}}),
    )
    stream = client.stream(SESSION)
    items: list[StreamItem] = []
    with pytest.raises(UnauthorizedError) as caught:
        async with asyncio.timeout(10):
            async for item in stream:
                items.append(item)
    assert caught.value.status == 401 and caught.value.message == "Missing or invalid bearer token"
    assert markers(items) == ["Connected", "ConnectionLost"]
    assert stream.state == "closed" and not stream.connected.is_set()
    assert stream.failure is caught.value
    with pytest.raises(UnauthorizedError):
        await stream.wait_connected(timeout=1)
    assert len(wire.hits("GET", "/stream")) == 2  # the reader has stopped: no retry loop behind it
    assert not any(isinstance(i, Reconnected) for i in items)
    await stream.aclose()
