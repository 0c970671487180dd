"""Text deltas merged in a short window (issue 12): a fast model makes few events, a slow one loses
no latency, and neither order nor a character of text changes."""

from __future__ import annotations

import asyncio

from mix_tui.protocol.events import Content, MixEvent, Thinking, ToolUseStart
from mix_tui.server.coalesce import DeltaCoalescer
from mix_tui.server.providers.demo import tokens
from mix_tui.server.providers.demo_text import long_answer
from tests.server.conftest import ServerFactory


def texts(events: list[MixEvent]) -> list[str]:
    return [e.content for e in events if isinstance(e, Content | Thinking)]


async def test_a_delta_after_a_quiet_window_goes_out_at_once() -> None:
    published: list[MixEvent] = []
    out = DeltaCoalescer(published.append, window=0.05)
    out.delta(Content, "first", "m")
    assert texts(published) == ["first"]  # synchronously: no timer stands between model and client
    await asyncio.sleep(0.06)
    out.delta(Content, " second", "m")
    assert texts(published) == ["first", " second"]


async def test_a_burst_is_merged_in_order_and_flushed_when_the_window_ends() -> None:
    published: list[MixEvent] = []
    out = DeltaCoalescer(published.append, window=0.05, max_chars=100)
    words = [f"w{n} " for n in range(200)]
    for word in words:
        out.delta(Content, word, "m")
    # the first went at once; every 100 characters made one more; the tail waits for the window
    assert len(published) < 20 and "".join(texts(published)) != "".join(words)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while "".join(texts(published)) != "".join(words):
        assert loop.time() < deadline, "the buffered tail was never flushed"
        await asyncio.sleep(0.01)
    assert all(len(t) <= 100 + 5 for t in texts(published))


async def test_other_events_and_a_change_of_kind_flush_first() -> None:
    published: list[MixEvent] = []
    out = DeltaCoalescer(published.append, window=10.0)
    out.delta(Thinking, "think ", "m")  # at once
    out.delta(Thinking, "more", "m")  # held
    out.delta(Content, "answer", "m")  # a new kind: the thinking goes first
    out.event(ToolUseStart(id="t", name="Bash", assistant_message_id="m"))
    out.delta(Content, "after", "m2")
    out.flush()
    assert [(type(e).__name__, getattr(e, "content", None)) for e in published] == [
        ("Thinking", "think "), ("Thinking", "more"), ("Content", "answer"), ("ToolUseStart", None),
        ("Content", "after"),
    ]


async def test_a_fast_answer_streams_in_far_fewer_events_with_every_character(make_server: ServerFactory) -> None:
    mix = await make_server()  # the demo at its maximum rate
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 30")
    frames = await stream.turn()
    content = [f.data["content"] for f in frames if f.event == "content"]
    expected = long_answer(30)
    assert "".join(content) == expected
    assert len(content) * 10 < len(list(tokens(expected))), (len(content), len(list(tokens(expected))))
    stored = (await mix.messages(sid))[-1]["assistantResponse"]
    assert stored == expected


async def test_window_zero_keeps_one_event_per_delta(make_server: ServerFactory) -> None:
    mix = await make_server(delta_window=0.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 2")
    frames = await stream.turn()
    content = [f.data["content"] for f in frames if f.event == "content"]
    assert content == list(tokens(long_answer(2)))
