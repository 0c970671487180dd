"""A hostile server must not kill or starve the client (issue 8 item 10).

Raw bytes from a real asyncio server on 127.0.0.1 (`tests.sdk.sdk_wire`), in both dialects: ours
(per-session ids, `streamEpoch`, `retry:` once) and Go's (ids restart at 1 on every connection, a
`retry:` line on every frame, no epoch; mix-contract.md §4.2). Every case ends with an ordinary
frame that must still arrive: no input ends the stream for good, and the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from mix_tui.protocol import events as ev
from mix_tui.sdk import ConnectionLost, MalformedFrame, MixClient, SessionStream, StreamItem, Turn
from mix_tui.sdk.turn import MAX_NESTING
from tests.sdk.sdk_wire import WireServer, sse

SESSION = "5e55i0n-0000-4000-8000-000000000001"
ALIVE = "still alive"


@dataclass(frozen=True)
class Dialect:
    name: str
    epoch: str | None
    retry_every_frame: bool

    def frame(self, event: str, data: object, id: int | str | None) -> bytes:
        """One frame; `data` as raw bytes, a string, or anything JSON."""
        if isinstance(data, bytes):
            raw = data
        else:
            raw = (data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))).encode()
        head = f"id: {id}\n".encode() if id is not None else b""
        tail = b"retry: 30000\n" if self.retry_every_frame else b""
        return head + f"event: {event}\n".encode() + b"data: " + raw + b"\n" + tail + b"\n"

    def connected(self, id: int) -> bytes:
        payload: dict[str, object] = {"sessionId": SESSION}
        if self.epoch is not None:
            payload["streamEpoch"] = self.epoch
        return self.frame("connected", payload, id)

    def alive(self, id: int) -> bytes:
        return self.frame("content", {"type": "content", "content": ALIVE, "assistantMessageId": "m"}, id)


OURS = Dialect("ours", epoch="e0f1a2b3c4d5e6f7", retry_every_frame=False)
GO = Dialect("go", epoch=None, retry_every_frame=True)
DIALECTS = pytest.mark.parametrize("dialect", [OURS, GO], ids=lambda d: d.name)


@pytest.fixture
async def wire() -> AsyncIterator[WireServer]:
    server = WireServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(wire: WireServer) -> AsyncIterator[MixClient]:
    async with MixClient(wire.url, backoff_initial=0.02, backoff_max=0.1, silence_timeout=2.0) as mix:
        yield mix


async def read_until_alive(stream: SessionStream, *, within: float = 20) -> tuple[list[StreamItem], float]:
    """Items up to the ALIVE content; also the longest the event loop was blocked meanwhile."""
    worst = 0.0
    running = True

    async def ticker() -> None:
        nonlocal worst
        last = time.monotonic()
        while running:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            worst = max(worst, now - last)
            last = now

    tick = asyncio.create_task(ticker())
    items: list[StreamItem] = []
    try:
        async with asyncio.timeout(within):
            async for item in stream:
                items.append(item)
                if isinstance(item, ev.Content) and item.content == ALIVE:
                    break
    finally:
        running = False
        await tick
    assert stream.state != "closed"
    return items, worst


def kinds(items: list[StreamItem]) -> list[str]:
    return [type(i).__name__ for i in items]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@DIALECTS
@pytest.mark.parametrize(
    ("payload", "expect"),
    [
        pytest.param(("brand_new_event", nested(100_000)), "Unknown", id="unknown-event-100k-deep"),
        pytest.param(
            ("permission", '{"type":"permission","id":"p1","params":{"a":' + nested(50_000) + "}}"),
            "MalformedFrame",
            id="permission-params-50k-deep",
        ),
        pytest.param(("content", '{"type":"content","content":' + nested(5_000) + "}"), "MalformedFrame", id="content-deep"),
        pytest.param(("content", b'{"content":"\xff\xfe not utf-8 \xc3("}'), "Content", id="bad-utf8"),
        pytest.param(("tool", nested(20_000)), "MalformedFrame", id="legacy-tool-deep"),
    ],
)
async def test_hostile_payloads_are_skipped_and_the_stream_goes_on(
    wire: WireServer, client: MixClient, dialect: Dialect, payload: tuple[str, str | bytes], expect: str
) -> None:
    name, data = payload
    wire.route(
        "GET",
        "/stream",
        sse(dialect.connected(1), dialect.frame(name, data, 2), dialect.alive(3), end="hang"),
    )
    async with client.stream(SESSION) as stream:
        items, _ = await read_until_alive(stream)
    assert kinds(items) == ["Connected", expect, "Content"]
    if expect == "Unknown":
        unknown = items[1]
        assert isinstance(unknown, ev.Unknown) and unknown.name == name
        assert isinstance(unknown.data, str)  # too deep to be parsed: kept as text, never recursed into
    elif expect == "Content":  # undecodable bytes are replaced, the rest of the frame is kept
        odd = items[1]
        assert isinstance(odd, ev.Content) and odd.content == "\ufffd\ufffd not utf-8 \ufffd("
    else:
        bad = items[1]
        assert isinstance(bad, MalformedFrame) and len(bad.raw) < 3000  # the caller gets a bounded copy
    assert stream.last_event_id == "3"


@DIALECTS
async def test_a_40_mb_line_is_skipped_in_linear_time_without_blocking_the_loop(
    wire: WireServer, client: MixClient, dialect: Dialect
) -> None:
    huge = b"id: 2\nevent: content\ndata: " + b"x" * (40 * 1024 * 1024) + b"\n\n"
    wire.route("GET", "/stream", sse(dialect.connected(1), huge, dialect.alive(3), end="hang"))
    started = time.monotonic()
    async with client.stream(SESSION) as stream:
        items, worst = await read_until_alive(stream)
    elapsed = time.monotonic() - started
    assert kinds(items) == ["Connected", "MalformedFrame", "Content"]
    skipped = items[1]
    assert isinstance(skipped, MalformedFrame) and "longer than" in skipped.reason and "'data'" in skipped.reason
    # the old decoder re-copied the whole line for every chunk: 8.4 s for this line, the loop frozen
    assert worst < 1.0, f"the event loop was blocked for {worst:.2f}s"
    assert elapsed < 15


@DIALECTS
async def test_a_line_that_never_ends_is_bounded_and_the_stream_reconnects(
    wire: WireServer, dialect: Dialect
) -> None:
    junk = b"z" * (1 << 20)
    # 24 MiB of one unterminated line, then the connection ends; the next connection is ordinary
    endless = sse(dialect.connected(1), b"data: ", *([junk] * 24))
    wire.route("GET", "/stream", endless, sse(dialect.connected(1), dialect.alive(2), end="hang"))
    async with MixClient(wire.url, backoff_initial=0.02, backoff_max=0.1, silence_timeout=2.0) as mix:
        async with mix.stream(SESSION, max_line_bytes=4 << 20) as stream:
            items, worst = await read_until_alive(stream)
    assert "ConnectionLost" in kinds(items) and kinds(items)[-1] == "Content"
    assert worst < 1.0
    assert len(wire.hits("GET", "/stream")) == 2  # (the decoder's memory bound: test_sdk_sse_decoder)


@DIALECTS
async def test_odd_ids_never_break_the_reconnect(wire: WireServer, client: MixClient, dialect: Dialect) -> None:
    odd = "\u00e9t\u00e9-\u2713-7"
    first = sse(
        dialect.connected(1),
        dialect.frame("heartbeat", {"type": "ping"}, odd),
        dialect.frame("heartbeat", {"type": "ping"}, "bad\x01id"),  # a control character: ignored
        dialect.frame("heartbeat", {"type": "ping"}, "9" * 5000),  # too long to send back: ignored
        b"retry: " + b"9" * 10_000 + b"\n\n",  # more digits than int() takes: ignored
    )
    wire.route("GET", "/stream", first, sse(dialect.connected(1), dialect.alive(2), end="hang"))
    async with client.stream(SESSION) as stream:
        items, _ = await read_until_alive(stream)
    assert "ConnectionLost" in kinds(items)
    resumed = wire.hits("GET", "/stream")[1]
    # sent back as UTF-8 (the test server reads header bytes as latin-1)
    assert resumed.headers["last-event-id"].encode("latin-1").decode("utf-8") == odd


@DIALECTS
async def test_a_1000_deep_subagent_chain_is_folded_with_bounded_nesting(
    wire: WireServer, client: MixClient, dialect: Dialect
) -> None:
    frames = [dialect.connected(1)]
    n = 2

    def add(event: str, data: dict[str, object]) -> None:
        nonlocal n
        frames.append(dialect.frame(event, {"type": event, **data}, n))
        n += 1

    add("tool_use_start", {"id": "call-0", "name": "Task"})
    for depth in range(1, 1001):  # each subagent starts a Task of its own, 1,000 levels down
        parent = {"parentToolCallId": f"call-{depth - 1}"}
        add("tool_use_start", {"id": f"call-{depth}", "name": "Task", **parent})
        add("content", {"content": f"level {depth} ", **parent})
    for depth in range(1000, 0, -1):  # then they end, innermost first
        add("complete", {"content": "", "done": True, "parentToolCallId": f"call-{depth - 1}"})
    add("complete", {"content": "", "done": True})
    frames.append(dialect.alive(n))
    wire.route("GET", "/stream", sse(*frames, end="hang"))
    turn = Turn()
    started = time.perf_counter()
    async with client.stream(SESSION) as stream:
        items, _ = await read_until_alive(stream)
        for index, item in enumerate(items):
            turn.apply(item, float(index))
    assert time.perf_counter() - started < 10
    assert turn.done and turn.error is None
    deepest = turn.find_call("call-1000")
    assert deepest is not None and deepest.depth == MAX_NESTING
    level, walked = turn, 0
    while True:
        holders = [c for c in level.tool_calls.values() if c.children is not None]
        if not holders:
            break
        level, walked = holders[0].children, walked + 1  # type: ignore[assignment]
    assert walked == MAX_NESTING  # no deeper than that, however deep the server nests
    assert f"level {MAX_NESTING + 1} " in level.text and "level 1000 " in level.text  # folded, not lost


@DIALECTS
async def test_servers_that_stall_or_flood_an_error_are_retried(wire: WireServer, dialect: Dialect) -> None:
    async def never_answers(request: object, writer: asyncio.StreamWriter) -> None:
        await asyncio.Event().wait()

    async def endless_503(request: object, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 0\r\n\r\n")
        while True:  # a body that never ends: the client reads a bounded prefix only
            writer.write(b"overloaded " * 10_000)
            await writer.drain()

    wire.route(
        "GET",
        "/stream",
        never_answers,
        endless_503,
        sse(dialect.frame("error", {"error": "hiccup before connecting"}, 1)),  # not a rejection
        sse(dialect.connected(1), dialect.alive(2), end="hang"),
    )
    async with MixClient(wire.url, backoff_initial=0.02, backoff_max=0.1, silence_timeout=0.5) as mix:
        async with mix.stream(SESSION) as stream:
            items, _ = await read_until_alive(stream)
    lost = [i.reason for i in items if isinstance(i, ConnectionLost)]
    assert lost[0] == "no response for 0.5s"
    assert lost[1].startswith("HTTP 503: overloaded") and len(lost[1]) < 1000
    assert len(lost) == 3 and "Connected" in kinds(items) and kinds(items)[-1] == "Content"
    assert any(isinstance(i, ev.Error) and i.error == "hiccup before connecting" for i in items)


@DIALECTS
async def test_comment_floods_and_nul_bytes_do_not_starve_the_loop(
    wire: WireServer, client: MixClient, dialect: Dialect
) -> None:
    flood = b":\n" * 2_000_000 + b"\n" * 1_000_000
    nul = dialect.frame("content", {"type": "content", "content": "a\x00b"}, 2).replace(b"\\u0000", b"\x00")
    wire.route("GET", "/stream", sse(dialect.connected(1), flood, nul, dialect.alive(3), end="hang"))
    async with client.stream(SESSION) as stream:
        items, worst = await read_until_alive(stream)
    assert worst < 1.0
    assert kinds(items) == ["Connected", "MalformedFrame", "Content"]  # raw NUL is not JSON
