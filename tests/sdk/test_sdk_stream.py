"""`SessionStream` on real sockets: both dialects, malformed frames, drops, resume, watchdog, rejections."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from mix_tui.protocol import events as ev
from mix_tui.sdk import (
    ConnectionLost,
    MalformedFrame,
    MixClient,
    MixConnectionError,
    NotFoundError,
    Reconnected,
    Resync,
    SessionStream,
    StreamItem,
    Turn,
    UnauthorizedError,
    ValidationError,
)
from mix_tui.sdk.stream import NO_REPLAY
from tests.sdk.sdk_transcripts import GO_AUG_TURN, GO_TURN, SESSION, SPEC_TURN, encode
from tests.sdk.sdk_wire import WireServer, empty_response, frame, json_response, sse


async def collect(stream: SessionStream, until: Callable[[StreamItem], bool]) -> list[StreamItem]:
    items: list[StreamItem] = []
    async with asyncio.timeout(5):
        async for item in stream:
            items.append(item)
            if until(item):
                break
    return items


def is_end(item: StreamItem) -> bool:
    return isinstance(item, ev.Complete) and not item.parent_tool_call_id


def names(items: list[StreamItem]) -> list[str]:
    return [getattr(i, "event_name", type(i).__name__) for i in items]


async def test_spec_transcript_arrives_as_typed_events(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/stream", sse(*encode(SPEC_TURN), end="hang"))
    async with client.stream(SESSION) as stream:
        items = await collect(stream, is_end)
        assert stream.state == "connected"
        assert stream.connected.is_set()
        assert stream.last_event_id == str(len(SPEC_TURN))
    assert names(items) == [name for name, _ in SPEC_TURN]
    assert isinstance(items[10], ev.Permission)
    assert items[10].params == {"command": "rm tmp.log", "timeout": 0}
    request = wire.hits("GET", "/stream")[0]
    # the extension events of our server are asked for by name (other servers ignore the parameter)
    assert request.query == {"sessionId": SESSION, "extensions": "session_updated"}
    assert request.headers["accept"] == "text/event-stream"
    assert "last-event-id" not in request.headers
    assert stream.state == "closed"


async def test_wait_connected_then_post_then_the_turn_streams(wire: WireServer, client: MixClient) -> None:
    posted = asyncio.Event()

    async def after_post() -> None:
        await posted.wait()

    async def accept(request: object, writer: asyncio.StreamWriter) -> None:
        await json_response(202, {"status": "processing", "sessionId": SESSION})(request, writer)  # type: ignore[arg-type]
        posted.set()

    frames = encode(SPEC_TURN)
    wire.route("GET", "/stream", sse(frames[0], after_post, *frames[1:], chunked=True, end="hang"))
    wire.route("POST", f"/api/sessions/{SESSION}/messages", accept)
    async with client.stream(SESSION) as stream:
        await stream.wait_connected(timeout=5)
        accepted = await client.messages.send(SESSION, "Delete tmp.log")
        assert accepted.session_id == SESSION
        items = await collect(stream, is_end)
    assert wire.hits("POST", f"/api/sessions/{SESSION}/messages")[0].json() == {"text": "Delete tmp.log"}
    turn = Turn()
    for index, item in enumerate(items):
        turn.apply(item, now=float(index))
    assert turn.done and turn.text == "I'll delete the file now.\n\nDone. `tmp.log` has been deleted."


async def test_go_dialect_per_connection_ids_retry_lines_and_rate_limit_name(
    wire: WireServer, client: MixClient
) -> None:
    wire.route("GET", "/stream", sse(*encode(GO_TURN, go_retries=True), end="hang"))
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, ev.Error) and not i.is_retry_notice)
        duplicate = await collect(stream, lambda i: True)
    rate = items[8]
    assert isinstance(rate, ev.Error)
    assert (rate.type, rate.retry_after, rate.attempt, rate.max_attempts) == ("rate_limit_error", 60, 1, 3)
    assert rate.is_retry_notice
    assert isinstance(items[5], ev.ToolExecutionStart) and items[5].tool_name == ""
    assert isinstance(duplicate[0], ev.Error)  # Go's second copy still reaches the caller
    assert stream.last_event_id == str(len(GO_TURN))


async def test_go_aug_framing_without_ids_and_legacy_events(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "GET", "/stream", sse(*encode(GO_AUG_TURN, first_id=None)), sse(*encode(GO_AUG_TURN, first_id=None))
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, Reconnected))
    assert stream.last_event_id is None
    assert [r.headers.get("last-event-id") for r in wire.hits("GET", "/stream")] == [None, None]
    assert isinstance(items[2], ev.ToolUseStart) and items[2].name == "bash"
    assert isinstance(items[3], ev.ToolUseParameterStreamingComplete)
    assert items[3].input == '{"command": "ls"}'
    assert isinstance(items[4], ev.Unknown) and items[4].name == "summarize"
    assert isinstance(items[5], ev.Complete) and items[5].content == "Here are the files."


async def test_malformed_frames_are_reported_and_the_stream_goes_on(
    wire: WireServer, client: MixClient
) -> None:
    wire.route(
        "GET",
        "/stream",
        sse(
            frame("connected", {"sessionId": SESSION}, id=1),
            frame("content", '{"type":"content","content":"cut off', id=2),
            frame("tool_use_start", {"type": "tool_use_start", "name": "Bash"}, id=3),
            frame("content", "[1, 2]", id=4),
            frame("content", "not json at all", id=5),
            frame("brand_new_event", {"x": 1}, id=6),
            frame("content", {"type": "content", "content": "still alive"}, id=7),
            end="hang",
        ),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, ev.Content))
    assert [type(i).__name__ for i in items] == [
        "Connected",
        "MalformedFrame",
        "MalformedFrame",
        "MalformedFrame",
        "MalformedFrame",
        "Unknown",
        "Content",
    ]
    bad = items[2]
    assert isinstance(bad, MalformedFrame)
    assert "tool_use_start" in bad.raw and "id" in bad.reason
    assert isinstance(items[5], ev.Unknown) and items[5].data == {"x": 1}
    assert stream.last_event_id == "7"


async def test_drop_mid_turn_resumes_with_last_event_id(wire: WireServer, client: MixClient) -> None:
    frames = encode(SPEC_TURN)
    # the first connection dies inside frame 6: only its `id: 6` line was sent, in the same chunk
    first = sse(b"".join(frames[:5]) + frames[5][:6], chunked=True, end="cut")
    replay = [frame("connected", {"sessionId": SESSION}), *frames[5:]]
    wire.route("GET", "/stream", first, sse(*replay, chunked=True, end="hang"))
    turn = Turn()
    async with client.stream(SESSION) as stream:
        items = await collect(stream, is_end)
    for index, item in enumerate(items):
        turn.apply(item, now=float(index))
    lost = [i for i in items if isinstance(i, ConnectionLost)]
    assert len(lost) == 1 and "connection error" in lost[0].reason
    assert 0 < lost[0].retry_in <= 0.1
    assert wire.hits("GET", "/stream")[1].headers["last-event-id"] == "5"
    position = items.index(lost[0])
    assert isinstance(items[position + 1], ev.Connected)
    assert items[position + 2] == Reconnected(attempt=1)
    assert turn.done and turn.tool_calls["toolu_01"].status == "ok"
    assert turn.thinking == "The user wants tmp.log removed; I'll run rm on it."


async def test_a_clean_end_of_stream_reconnects(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "GET",
        "/stream",
        sse(frame("connected", {"sessionId": SESSION}, id=1)),
        sse(frame("connected", {"sessionId": SESSION}, id=1), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, Reconnected))
    assert isinstance(items[1], ConnectionLost) and items[1].reason == "the server closed the stream"
    assert wire.hits("GET", "/stream")[1].headers["last-event-id"] == "1"


async def test_silence_watchdog_reconnects_a_dead_stream(wire: WireServer) -> None:
    beats = [frame("heartbeat", {"type": "ping"}) for _ in range(4)]
    wire.route(
        "GET",
        "/stream",
        # heartbeats 0.1 s apart keep a 0.5 s watchdog quiet; then the connection goes silent
        sse(frame("connected", {"sessionId": SESSION}), *[x for b in beats for x in (0.1, b)], end="hang"),
        sse(frame("connected", {"sessionId": SESSION}), end="hang"),
    )
    async with MixClient(wire.url, silence_timeout=0.5, backoff_initial=0.02) as mix:
        stream = mix.stream(SESSION)
        started = time.monotonic()
        items = await collect(stream, lambda i: isinstance(i, Reconnected))
        elapsed = time.monotonic() - started
        await stream.aclose()
    assert names(items) == ["connected", *["heartbeat"] * 4, "ConnectionLost", "connected", "Reconnected"]
    lost = items[5]
    assert isinstance(lost, ConnectionLost) and lost.reason == "no data for 0.5s"
    assert 0.4 + 0.5 <= elapsed < 4


async def test_server_errors_and_refused_connections_are_retried(wire: WireServer, client: MixClient) -> None:
    wire.route(
        "GET",
        "/stream",
        json_response(503, {"error": {"code": 503, "message": "warming up", "type": "internal_error"}}),
        sse(frame("connected", {"sessionId": SESSION}), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, Reconnected))
    assert isinstance(items[0], ConnectionLost) and items[0].reason == "HTTP 503: warming up"
    assert items[-1] == Reconnected(attempt=1)


async def test_refused_connection_keeps_retrying_until_closed() -> None:
    probe = WireServer()
    await probe.start()
    url = probe.url
    await probe.stop()  # nothing listens on that port now
    async with MixClient(url, backoff_initial=0.01, backoff_max=0.02) as mix:
        stream = mix.stream(SESSION)
        items = await collect(stream, lambda i: isinstance(i, ConnectionLost))
        assert stream.state == "reconnecting" and not stream.connected.is_set()
        more = await collect(stream, lambda i: True)
        await stream.aclose()
        assert stream.state == "closed"
        assert [i async for i in stream] == []
    assert isinstance(items[0], ConnectionLost) and "connection error" in items[0].reason
    assert isinstance(more[0], ConnectionLost)


@pytest.mark.parametrize(
    ("handler", "error", "message"),
    [
        (
            json_response(
                404, {"error": {"code": 404, "message": "Session with ID 'x' not found", "type": "not_found"}}
            ),
            NotFoundError,
            "Session with ID 'x' not found",
        ),
        (
            sse(frame("error", {"error": f"Invalid session ID: {SESSION}"}, id=1, retry=750)),
            NotFoundError,
            f"Invalid session ID: {SESSION}",
        ),
        (empty_response(400), ValidationError, "HTTP 400 Bad Request"),
        (
            json_response(401, {"error": {"code": 401, "message": "bad token", "type": "unauthorized"}}),
            UnauthorizedError,
            "bad token",
        ),
    ],
    ids=["spec-404", "go-200-error-frame", "go-400-empty", "401"],
)
async def test_rejections_end_the_stream_instead_of_looping(
    wire: WireServer, client: MixClient, handler: object, error: type[Exception], message: str
) -> None:
    wire.route("GET", "/stream", handler)  # type: ignore[arg-type]
    stream = client.stream(SESSION)
    with pytest.raises(error) as caught:
        await stream.wait_connected(timeout=5)
    assert str(caught.value) == message
    with pytest.raises(error):
        async with asyncio.timeout(5):
            async for _ in stream:
                pass
    assert [i async for i in stream] == []
    assert len(wire.hits("GET", "/stream")) == 1
    assert stream.state == "closed"
    await stream.aclose()


async def test_crlf_cr_and_split_chunks_on_the_socket(wire: WireServer, client: MixClient) -> None:
    body = (
        frame("connected", {"sessionId": SESSION}, id=1, eol="\r\n")
        + b": keep-alive comment\r"
        + frame("content", '{"type":"content","content":"h\u00e9llo \U0001f389"}', id=2, eol="\r")
        + b'id: 3\nevent: content\ndata: {"type":"content",\ndata: "content":"two lines"}\n\n'
    )
    # split inside a CRLF and inside a multi-byte character, each piece its own HTTP chunk
    cut_crlf = body.index(b"connected\r\n") + len("connected\r")
    cut_utf8 = body.index("\U0001f389".encode()) + 2
    pieces = [body[:cut_crlf], 0.02, body[cut_crlf:cut_utf8], 0.02, body[cut_utf8:]]
    wire.route("GET", "/stream", sse(*pieces, chunked=True, end="hang"))
    async with client.stream(SESSION) as stream:
        items = await collect(stream, lambda i: isinstance(i, ev.Content) and i.content == "two lines")
    assert names(items) == ["connected", "content", "content"]
    assert isinstance(items[1], ev.Content) and items[1].content == "h\u00e9llo \U0001f389"
    assert stream.last_event_id == "3"


async def test_closing_wakes_a_waiting_consumer(wire: WireServer, client: MixClient) -> None:
    wire.route("GET", "/stream", sse(frame("connected", {"sessionId": SESSION}), end="hang"))
    stream = client.stream(SESSION)
    await stream.wait_connected(timeout=5)
    received: list[StreamItem] = []

    async def consume() -> None:
        async for item in stream:
            received.append(item)

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    await stream.aclose()
    async with asyncio.timeout(2):
        await consumer
    assert names(received) == ["connected"]
    assert stream.state == "closed" and not stream.connected.is_set()


async def test_closing_the_client_closes_its_streams(wire: WireServer) -> None:
    wire.route("GET", "/stream", sse(frame("connected", {"sessionId": SESSION}), end="hang"))
    mix = MixClient(wire.url)
    stream = mix.stream(SESSION)
    await stream.wait_connected(timeout=5)
    await mix.aclose()
    assert stream.state == "closed"
    with pytest.raises(MixConnectionError, match="closed"):
        await stream.wait_connected(timeout=5)


async def test_go_ids_restart_at_one_on_each_connection(wire: WireServer, client: MixClient) -> None:
    go = encode(GO_TURN, go_retries=True)
    wire.route("GET", "/stream", sse(*go[:4]), sse(*go[:2], end="hang"))
    async with client.stream(SESSION) as stream:
        items = await collect(
            stream, lambda i: isinstance(i, ev.UserMessageCreated) and len(wire.requests) == 2
        )
    # Go ignores Last-Event-ID; sending it is harmless, and the id then follows the new connection.
    # Its `connected` names no epoch, so the SDK says what the gap means: re-read history.
    assert [r.headers.get("last-event-id") for r in wire.hits("GET", "/stream")] == [None, "4"]
    assert stream.last_event_id == "2"
    assert names(items)[-5:] == ["ConnectionLost", "connected", "Reconnected", "Resync", "user_message_created"]
    assert items[-2] == Resync(NO_REPLAY)
