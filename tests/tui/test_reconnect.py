"""Reconnecting: the server subprocess is restarted on the same port and data dir; what happened while
the app was away (another client's turn) shows up after the resync, exactly once. A turn the
restarted server no longer runs ends as interrupted, its partial answer kept (scripted server)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from mix_tui.tui.session.items import AssistantItem, UserItem
from mix_tui.tui.widgets.status import StatusLine
from tests.tui.conftest import (
    live_text,
    make_server,
    opened,
    ready_chat,
    run_turn_elsewhere,
    scripted_app,
    send,
    settled,
    shown_text,
    turn_over,
    wait_for,
)
from tests.tui.scripted import ScriptedMix


async def test_a_restarted_server_is_resynced_without_duplicates() -> None:
    server = make_server(Path(tempfile.mkdtemp(prefix="mix-reconnect-")))
    try:
        app = server.app()
        async with app.run_test(size=(120, 40)) as pilot:
            chat = await ready_chat(pilot)
            await send(pilot, chat, "before the restart")
            await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
            session_id = opened(chat).session_id
            status = chat.query_one(StatusLine)

            server.stop()
            await wait_for(pilot, lambda: status.info.connection == "reconnecting", what="the drop")
            server.start()  # same port, same data dir, same token
            # while the app is still backing off, another client adds a turn it never sees live
            await asyncio.wait_for(run_turn_elsewhere(server.url, server.token, session_id, "while away"), 20)

            await wait_for(pilot, lambda: status.info.connection == "connected", what="the reconnect")
            await wait_for(pilot, lambda: "> while away" in shown_text(chat), what="the resync")
            await wait_for(pilot, lambda: not opened(chat).running and len(chat.transcript.items) == 4)
            prompts = [item.text for item in chat.transcript.items if isinstance(item, UserItem)]
            assert prompts == ["before the restart", "while away"]
            keys = [item.key for item in chat.transcript.items]
            assert len(keys) == len(set(keys))
            assert shown_text(chat).count("> before the restart") == 1
            assert shown_text(chat).count("> while away") == 1

            # and the app carries on normally afterwards
            await send(pilot, chat, "after the restart")
            await wait_for(pilot, lambda: turn_over(chat, 3), what="a turn after the restart")
            prompts = [item.text for item in chat.transcript.items if isinstance(item, UserItem)]
            assert prompts == ["before the restart", "while away", "after the restart"]
    finally:
        server.stop()


async def test_a_turn_the_restarted_server_no_longer_runs_ends_as_interrupted_with_its_text() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hold until the crash")
        await wait_for(pilot, lambda: "Part 1" in live_text(chat), what="the first part")
        mix.crash()
        await wait_for(pilot, lambda: settled(chat), what="the dead turn to end")
        last = chat.transcript.items[-1]
        assert isinstance(last, AssistantItem)
        assert last.interrupted and last.error and last.error.startswith("interrupted")
        assert "Part 1" in shown_text(chat)  # the partial answer stays
        await wait_for(
            pilot,
            lambda: "interrupted" in str(chat.transcript.widget_for(last.key).query_one(".turn-status").render()),
            what="the marker on screen",
        )
        # nothing waits behind it: the next prompt goes out at once
        await send(pilot, chat, "after the crash")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the next turn")
