"""Sending while the server is away: the prompt is queued (and says so), goes out exactly once after
the reconnect, and the status line tells reconnecting (with the next retry) from offline; a POST that
breaks on the wire is queued, and not sent again if the server got it after all. Against the
scripted in-process server taken away and brought back (tests/e2e does it with a real process)."""

from __future__ import annotations

import httpx
import pytest

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.widgets.queue import QueuedPrompts
from mix_tui.tui.widgets.status import status_text
from tests.tui.conftest import opened, ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


@pytest.fixture(autouse=True)
def quick_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # "offline" after 1 s of failed reconnects (5 s in the app), the health poll every 0.3 s
    monkeypatch.setattr("mix_tui.tui.session.connection.OFFLINE_AFTER", 1.0)
    monkeypatch.setattr("mix_tui.tui.screens.health_watch.HEALTH_EVERY", 0.3)


def prompts_stored(mix: ScriptedMix, chat: ChatScreen) -> list[str]:
    return [m.text for m in mix.messages[opened(chat).session_id] if m.role == "user"]


def take_down(mix: ScriptedMix) -> None:
    mix.down = True
    mix.cut_streams()


async def test_a_prompt_sent_while_offline_waits_in_the_queue_and_goes_out_once() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "before the drop")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")

        take_down(mix)
        status = chat.status
        await wait_for(pilot, lambda: status.info.connection == "reconnecting", what="the drop")
        assert "retry in" in status_text(status.info).plain or "retrying" in status_text(status.info).plain
        await wait_for(pilot, lambda: status.info.connection == "offline", what="offline")

        await send(pilot, chat, "sent while away")
        queued = chat.query_one(QueuedPrompts)
        await wait_for(pilot, lambda: queued.prompts == ["sent while away"], what="the queued prompt")
        assert queued.display and "will send when reconnected" in str(queued.render())
        assert chat.composer.text == ""  # it is in the queue, not lost and not back in the box

        mix.down = False
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the queued turn")
        assert prompts_stored(mix, chat) == ["before the drop", "sent while away"]
        assert status.info.connection == "connected"
        assert not queued.display


@pytest.mark.parametrize("arrived", [False, True], ids=["never-arrived", "stored-before-the-drop"])
async def test_a_send_that_breaks_on_the_wire_is_queued_and_sent_exactly_once(arrived: bool) -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        model = opened(chat)
        assert model.connection.state == "connected"

        # the server dies while the POST is on the wire: before reading it, or after storing it
        original = mix.handle

        async def dying(request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("/messages"):
                mix.handle = original  # type: ignore[method-assign]
                if arrived:
                    mix._send(model.session_id, "lost on the wire?")
                take_down(mix)
                raise httpx.ReadError("connection reset", request=request)
            return await original(request)

        mix.handle = dying  # type: ignore[method-assign]
        await model.submit("lost on the wire?")
        await wait_for(pilot, lambda: model.queue == ["lost on the wire?"], what="the prompt queued")
        assert model.connection.state != "connected"

        mix.down = False
        await wait_for(pilot, lambda: turn_over(chat, 2) and model.connection.state == "connected")
        assert prompts_stored(mix, chat) == ["first", "lost on the wire?"]  # exactly once
        assert not model.queue


async def test_a_post_that_fails_while_the_stream_stays_up_goes_back_to_the_composer() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        mix.refuse[("POST", f"/api/sessions/{opened(chat).session_id}/messages")] = (400, "no such model")
        await send(pilot, chat, "refused one")
        await wait_for(pilot, lambda: chat.composer.text == "refused one", what="the text back in the box")
        assert chat.composer.cursor_location == (0, len("refused one"))  # typing goes after it
        assert not opened(chat).queue


async def test_a_fresh_chat_polls_the_server_for_its_state() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        assert chat.current is None  # no session, so no stream to tell the state
        status = chat.status
        assert status.info.connection == "connected"
        mix.down = True
        await wait_for(pilot, lambda: status.info.connection == "offline", what="offline")
        await send(pilot, chat, "typed while it is down")  # no session can be made: the text stays
        await wait_for(pilot, lambda: chat.composer.text == "typed while it is down", what="the text back")
        assert chat.current is None
        mix.down = False
        await wait_for(pilot, lambda: status.info.connection == "connected", what="back")


async def test_a_refused_token_says_so_and_queues_nothing_into_a_dead_stream() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        mix.refuse[("GET", "/stream")] = (401, "invalid token")  # the token was rotated
        mix.refuse[("POST", f"/api/sessions/{opened(chat).session_id}/messages")] = (401, "invalid token")
        mix.cut_streams()
        status = chat.status
        await wait_for(pilot, lambda: opened(chat).connection.final, what="the stream to end")
        await wait_for(pilot, lambda: "rejected the token" in status_text(status.info).plain)
        assert status.info.connection == "offline"
        # a health check that answers (the server is up) must not turn it back to "connected"
        health = sum(1 for r in mix.requests if r.url.path == "/health")
        await chat.health.check()
        assert sum(1 for r in mix.requests if r.url.path == "/health") == health + 1
        assert status.info.connection == "offline"
        await send(pilot, chat, "into the void?")
        await wait_for(pilot, lambda: chat.composer.text == "into the void?", what="the prompt back in the box")
        assert not opened(chat).queue
