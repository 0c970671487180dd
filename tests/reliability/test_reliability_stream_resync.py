"""Zero silent loss (issue 8 item 9): a client resuming from any id gets every event after it, or a
`Resync` that tells it to re-read history. A real server process with a small queue (and a small or a
large replay ring), a real slow subscriber whose socket stops being read, and a restart whose ids start
over."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from mix_tui.protocol.events import Complete, Connected, Heartbeat, MixEvent
from mix_tui.sdk import ConnectionLost, MixClient, Reconnected, Resync, SessionStream, StreamItem, Turn
from tests.reliability.stream_process import ServerProcess

SECTIONS = 700  # `long 700` from the demo model: about 46,000 events (6 MB) in one turn, one per token
# (--delta-window 0: merged deltas would make a few hundred events, too few to overrun a ring)
QUEUE = "100"  # frames a subscriber may lag behind before it is cut (the paced demo yields per token)
# the kernel keeps up to ~4 MB of a stalled socket's data on the server side (tcp_wmem), so the turn
# must be larger than that for the stalled subscriber to fall behind at all


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def fast_client(server: ServerProcess) -> MixClient:
    return MixClient(server.url, server.token, backoff_initial=0.02, backoff_max=0.2, silence_timeout=10)


def slow_client(server: ServerProcess) -> MixClient:
    """A client whose socket holds little (the kernel would otherwise buffer megabytes for it)."""
    tiny = httpx.AsyncHTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)])
    return MixClient(
        server.url, server.token, backoff_initial=0.02, backoff_max=0.2, silence_timeout=10, transport=tiny
    )


async def collect(stream: SessionStream, until: Callable[[StreamItem, list[StreamItem]], bool]) -> list[StreamItem]:
    items: list[StreamItem] = []
    async with asyncio.timeout(60):
        async for item in stream:
            items.append(item)
            if until(item, items):
                return items
    return items


def turn_events(items: list[StreamItem]) -> list[MixEvent]:
    """The events a transcript is built from (connection chatter left out: its timing varies)."""
    return [i for i in items if isinstance(i, MixEvent) and not isinstance(i, Connected | Heartbeat)]


def is_end(item: StreamItem, _: list[StreamItem]) -> bool:
    return isinstance(item, Complete) and not item.parent_tool_call_id


@pytest.mark.parametrize(
    ("ring", "gap_filled"),
    [("100000", True), ("32", False)],
    ids=["ring-fills-the-gap", "ring-too-small-resync"],
)
async def test_a_slow_subscriber_gets_every_event_or_a_resync(
    tmp_path: Path, servers: list[ServerProcess], ring: str, gap_filled: bool
) -> None:
    server = ServerProcess(
        tmp_path, "--demo-rate", "100000", "--subscriber-queue", QUEUE, "--replay-size", ring, "--heartbeat-interval", "0.3",
        "--delta-window", "0",
    ).start()
    servers.append(server)
    async with fast_client(server) as fast, slow_client(server) as slow:
        sid = (await fast.sessions.create("slow subscriber")).id
        reference_stream = fast.stream(sid)
        await reference_stream.wait_connected()
        slow_stream = slow.stream(sid, max_buffered_batches=1)
        await slow_stream.wait_connected()  # connected; from now on nobody reads it
        reference = asyncio.create_task(collect(reference_stream, is_end))
        await fast.messages.send(sid, f"long {SECTIONS}")
        expected = turn_events(await reference)
        assert len(expected) > 40_000
        assert not any(isinstance(i, ConnectionLost | Resync) for i in reference.result()), [(i, reference.result().index(i)) for i in reference.result() if isinstance(i, ConnectionLost)]

        # the slow one reads everything now: what it had, the server's notice, then the resume
        def resumed(item: StreamItem, items: list[StreamItem]) -> bool:
            if is_end(item, items):
                return True
            # after a resync the stream goes on live: the turn is over, so a heartbeat means "all in"
            return isinstance(item, Heartbeat) and any(isinstance(i, Resync) for i in items)

        got = await collect(slow_stream, resumed)
        history = await fast.messages.list(sid)

    lost = [i for i in got if isinstance(i, ConnectionLost)]
    assert lost and "fell too far behind" in lost[0].reason, "the slow subscriber was never cut"
    assert any(isinstance(i, Reconnected) for i in got)
    resyncs = [i for i in got if isinstance(i, Resync)]
    if gap_filled:
        assert resyncs == []
        assert turn_events(got) == expected  # the ring replayed exactly what was missed
        return
    # zero silent loss: what came before the resync is the start of the turn, what came after its end
    assert len(resyncs) == 1 and "no longer kept" in resyncs[0].reason
    assert resyncs[0].oldest_event_id is not None and int(resyncs[0].oldest_event_id) > 1
    cut = got.index(resyncs[0])
    before, after = turn_events(got[:cut]), turn_events(got[cut + 1 :])
    assert before == expected[: len(before)]
    if after:
        assert after == expected[len(expected) - len(after) :]
    assert len(before) + len(after) < len(expected)  # there really was a gap, and it was announced
    # the resync's promise: history has the whole answer
    turn = Turn()
    for event in expected:
        turn.apply(event, 0.0)
    assert history[-1].role == "assistant" and history[-1].text == turn.text


async def test_a_restarted_server_whose_ids_start_over_is_detected(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    server = ServerProcess(tmp_path, "--demo-rate", "max", "--heartbeat-interval", "0.3", "--delta-window", "0").start()
    servers.append(server)
    async with fast_client(server) as client:
        sid = (await client.sessions.create("restart")).id
        stream = client.stream(sid)
        await stream.wait_connected()
        await client.messages.send(sid, "hello")
        first = await collect(stream, is_end)
        before_restart = stream.last_event_id
        epoch = stream.epoch
        assert before_restart is not None and int(before_restart) > 5 and epoch
        server.restart()

        def back(item: StreamItem, items: list[StreamItem]) -> bool:
            return isinstance(item, Resync)

        again = await collect(stream, back)
        assert stream.epoch and stream.epoch != epoch
        # the new process's ids start over; the resync moved the position to its head
        assert stream.last_event_id is not None and int(stream.last_event_id) < int(before_restart)
        await client.messages.send(sid, "after the restart")
        second = await collect(stream, is_end)
    assert turn_events(first)[-1] != turn_events(second)[-1]
    names = [type(i).__name__ for i in again]
    assert names[-3:] == ["Connected", "Reconnected", "Resync"]
    resync = again[-1]
    assert isinstance(resync, Resync) and "restarted" in resync.reason
    assert any(isinstance(i, Complete) for i in second)


async def test_resuming_from_any_id_replays_everything_after_it_or_says_resync(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    ring = 64
    server = ServerProcess(
        tmp_path, "--demo-rate", "max", "--replay-size", str(ring), "--heartbeat-interval", "0.2", "--delta-window", "0"
    )
    servers.append(server.start())
    async with fast_client(server) as client:
        sid = (await client.sessions.create("resume")).id
        live = client.stream(sid)
        await live.wait_connected()
        await client.messages.send(sid, "long 3")
        await collect(live, is_end)
        head = int(live.last_event_id or 0)
        assert head > 3 * ring

        async def resume(last: str) -> list[StreamItem]:
            """Everything a resume from `last` brings before the live part (a heartbeat) begins."""
            stream = client.stream(sid, last_event_id=last)
            try:
                return await collect(stream, lambda item, _: isinstance(item, Heartbeat))
            finally:
                await stream.aclose()

        whole_ring = turn_events(await resume(str(head - ring)))  # just before the oldest kept frame
        assert len(whole_ring) == ring
        outcomes: dict[str, str] = {}
        for last in ["0", "1", str(head - ring - 1), str(head - ring + 1), str(head - 5), str(head),
                     str(head + 1), str(head + 10_000), "not-an-id", "-3", "été"]:  # fmt: skip
            items = await resume(last)
            resyncs = [i for i in items if isinstance(i, Resync)]
            replayed = turn_events(items)
            if resyncs:  # nothing replayed, the gap announced once
                assert len(resyncs) == 1 and replayed == [], last
                outcomes[last] = "resync"
            else:  # exactly the events after `last`
                skip = int(last) - (head - ring)
                assert replayed == whole_ring[skip:], last
                outcomes[last] = f"replayed {len(replayed)}"
    assert outcomes == {
        "0": "resync",
        "1": "resync",
        str(head - ring - 1): "resync",
        str(head - ring + 1): f"replayed {ring - 1}",
        str(head - 5): "replayed 5",
        str(head): "replayed 0",
        str(head + 1): "resync",
        str(head + 10_000): "resync",
        "not-an-id": "resync",
        "-3": "resync",
        "été": "resync",
    }


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--replay-size", "0"], "--replay-size and --subscriber-queue must be at least 1"),
        (["--subscriber-queue", "-4"], "--replay-size and --subscriber-queue must be at least 1"),
        (["--heartbeat-interval", "0"], "--heartbeat-interval must be positive"),
    ],
)
def test_stream_flags_are_checked(tmp_path: Path, flags: list[str], message: str) -> None:
    server = ServerProcess(tmp_path, *flags)
    with pytest.raises(RuntimeError, match=message):
        server.start()
