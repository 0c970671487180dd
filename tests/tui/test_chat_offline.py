"""Sending while the server is away: the prompt is queued (and says so), goes out exactly once after
the reconnect, and the status line tells reconnecting (with the next retry) from offline. The server
is a real subprocess, stopped and started again on the same port and data dir."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mix_tui.tui.bridge import Bridge
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.widgets.status import QueuedPrompts, status_text
from tests.tui.conftest import ServerProcess, conv, make_server, ready_chat, send, turn_over, wait_for


@pytest.fixture
def restartable() -> Iterator[ServerProcess]:
    server = make_server(Path(tempfile.mkdtemp(prefix="mix-offline-")))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def quick_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # "offline" after 1 s of failed reconnects (5 s in the app), the health poll every 0.3 s
    monkeypatch.setattr(Bridge, "OFFLINE_AFTER", 1.0)
    monkeypatch.setattr(ChatScreen, "HEALTH_EVERY", 0.3)


def prompts_stored(chat: ChatScreen) -> list[str]:
    return [m.text for m in conv(chat).history if m.role == "user"]


async def test_a_prompt_sent_while_offline_waits_in_the_queue_and_goes_out_once(
    restartable: ServerProcess,
) -> None:
    app = restartable.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "before the drop")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")

        restartable.stop()
        status = chat.status
        await wait_for(pilot, lambda: status.info.connection == "reconnecting", what="the drop")
        assert "retry in" in status_text(status.info).plain
        await wait_for(pilot, lambda: status.info.connection == "offline", what="offline", within=20)

        await send(pilot, chat, "sent while away")
        queued = chat.query_one(QueuedPrompts)
        await wait_for(pilot, lambda: queued.prompts == ["sent while away"], what="the queued prompt")
        assert queued.display and "will send when reconnected" in str(queued.render())
        assert chat.composer.text == ""  # it is in the queue, not lost and not back in the box

        restartable.start()
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the queued turn", within=20)
        assert prompts_stored(chat) == ["before the drop", "sent while away"]
        assert status.info.connection == "connected"
        assert not queued.display


async def test_a_send_that_fails_on_the_wire_is_queued_not_lost(restartable: ServerProcess) -> None:
    app = restartable.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        session_id = conv(chat).session_id
        assert conv(chat).connection == "connected"

        # the server dies, and the app sends before its stream has noticed: the POST fails
        restartable.stop()
        await chat.bridge.submit(session_id, "lost on the wire?")
        assert conv(chat).queue == ["lost on the wire?"]
        await wait_for(pilot, lambda: conv(chat).connection != "connected", what="the drop")

        restartable.start()
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the resent turn", within=20)
        await pilot.pause(0.5)
        assert prompts_stored(chat) == ["first", "lost on the wire?"]  # exactly once
        assert not conv(chat).queue


async def test_a_fresh_chat_polls_the_server_for_its_state(restartable: ServerProcess) -> None:
    app = restartable.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        assert chat.current is None  # no session, so no stream to tell the state
        status = chat.status
        assert status.info.connection == "connected"
        restartable.stop()
        await wait_for(pilot, lambda: status.info.connection == "offline", what="offline", within=20)
        await send(pilot, chat, "typed while it is down")  # no session can be made: the text stays
        await wait_for(pilot, lambda: chat.composer.text == "typed while it is down", what="the text back")
        assert chat.current is None
        restartable.start()
        await wait_for(pilot, lambda: status.info.connection == "connected", what="back", within=20)
