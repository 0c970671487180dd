"""The broker's numbering, replay and back-pressure rules, alone and through a real slow socket."""

from __future__ import annotations

import asyncio
import re
import socket

from mix_tui.protocol.events import Content, SessionCreated
from mix_tui.server.broker import Broker, Closed, Frame
from tests.server.conftest import ServerFactory


def drain(queue: asyncio.Queue[Frame | Closed]) -> list[Frame | Closed]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_ids_are_per_session_and_replay_follows_last_event_id() -> None:
    broker = Broker(replay_size=5, queue_size=100)
    for n in range(3):
        broker.publish("a", Content(content=f"a{n}"))
    broker.publish("b", Content(content="b0"))
    assert broker.head("a") == 3 and broker.head("b") == 1
    _, replay = broker.subscribe("a", None)
    assert replay == []  # a fresh client starts at the head
    _, replay = broker.subscribe("a", 1)
    assert [f.id for f in replay] == [2, 3]
    assert replay[0].data.startswith(b"id: 2\nevent: content\n")
    for n in range(3, 10):
        broker.publish("a", Content(content=f"a{n}"))
    sub, replay = broker.subscribe("a", 5)  # just before the ring's oldest: all of it, no gap
    assert [f.id for f in replay] == [6, 7, 8, 9, 10] and sub.resync_reason is None
    # a gap the ring cannot fill, or ids from before a restart: no replay, a resync, start at the head
    for stale in (1, 4, 999):
        sub, replay = broker.subscribe("a", stale)
        assert replay == [] and sub.last_id == 10 and sub.oldest_id == 6
        assert sub.resync_reason is not None and ("no longer kept" in sub.resync_reason) == (stale < 5)


async def test_session_events_get_an_id_in_every_sequence() -> None:
    broker = Broker()
    sub_a, _ = broker.subscribe("a", None)
    broker.publish("b", Content(content="x"))
    sub_b, _ = broker.subscribe("b", None)
    broker.publish_everywhere(SessionCreated(session_id="c", title="C", created_at=1))
    [frame_a] = drain(sub_a.queue)
    [frame_b] = drain(sub_b.queue)
    assert isinstance(frame_a, Frame) and isinstance(frame_b, Frame)
    assert (frame_a.id, frame_b.id) == (1, 2)


async def test_a_full_queue_closes_the_subscriber_instead_of_dropping_frames() -> None:
    broker = Broker(queue_size=3)
    sub, _ = broker.subscribe("a", None)
    for n in range(5):
        broker.publish("a", Content(content=str(n)))
    items = drain(sub.queue)
    assert len(items) == 1 and isinstance(items[0], Closed) and items[0].reason == "overflow"
    assert broker.subscriber_count("a") == 0
    # resuming from what it had read replays everything
    _, replay = broker.subscribe("a", sub.last_id)
    assert [f.id for f in replay] == [1, 2, 3, 4, 5]


async def test_slow_client_is_cut_with_a_final_error_and_resumes(make_server: ServerFactory) -> None:
    mix = await make_server(subscriber_queue=16)
    sid = await mix.create_session()
    broker = mix.srv.runtime.broker
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", mix.srv.port))
    raw.setblocking(False)
    loop = asyncio.get_running_loop()
    request = (
        f"GET /stream?sessionId={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {mix.srv.config.token}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    )
    await loop.sock_sendall(raw, request.encode())
    for _ in range(200):
        if broker.subscriber_count(sid) == 1:
            break
        await asyncio.sleep(0.01)
    chunk = "x" * 16_000
    published = 0
    while broker.subscriber_count(sid) and published < 3000:  # never reading: the queue must overflow
        broker.publish(sid, Content(content=chunk, assistant_message_id="m"))
        published += 1
        await asyncio.sleep(0)
    assert broker.subscriber_count(sid) == 0, "the slow subscriber was never cut"

    received = bytearray()
    while True:
        try:
            data = await asyncio.wait_for(loop.sock_recv(raw, 1 << 20), 5)
        except TimeoutError:
            break
        if not data:
            break
        received += data
        if received.endswith(b"0\r\n\r\n"):
            break
    raw.close()
    notice = re.search(rb'id: (\d+)\nevent: error\ndata: (\{[^\n]*stream_overflow[^\n]*\})', bytes(received))
    assert notice is not None, received[-500:]
    resume_from = notice.group(1).decode()
    seen_ids = [int(i) for i in re.findall(rb"id: (\d+)\nevent: content", bytes(received))]
    assert seen_ids == list(range(1, len(seen_ids) + 1))
    assert int(resume_from) == (seen_ids[-1] if seen_ids else 0)

    resumed = await mix.connected(sid, last_event_id=resume_from)
    rest = [await resumed.next() for _ in range(published - int(resume_from))]
    assert [f.num for f in rest if f is not None] == list(range(int(resume_from) + 1, published + 1))


async def test_heartbeats_keep_a_quiet_stream_alive(make_server: ServerFactory) -> None:
    mix = await make_server(heartbeat_interval=0.1)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    beat = await stream.next(within=2)
    assert beat is not None and beat.event == "heartbeat" and beat.data == {"type": "ping"}
    assert beat.id == "0"  # the connection's position: resuming from it replays nothing twice
    assert stream.headers is not None and stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["cache-control"] == "no-cache"
