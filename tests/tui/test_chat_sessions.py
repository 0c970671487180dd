"""Several sessions: switching through the sidebar re-renders from the kept data, a background session
keeps streaming and loses nothing, and other clients' session_created / session_deleted reach the
sidebar."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import OptionList

from mix_tui.sdk.client import MixClient
from mix_tui.tui.screens.chat import ChatScreen
from tests.tui.conftest import ServerProcess, opened, ready_chat, send, shown_text, turn_over, wait_for


async def pick(pilot: Pilot[object], chat: ChatScreen, session_id: str) -> None:
    """Select a session in the sidebar with the keyboard, as a user would."""
    rows = chat.query_one("#sidebar-list", OptionList)
    rows.focus()
    await pilot.pause()
    rows.highlighted = chat.sidebar.visible_ids.index(session_id)
    await pilot.press("enter")
    await wait_for(pilot, lambda: chat.current == session_id, what="the switch")


async def test_a_background_session_keeps_streaming_and_shows_it_all_on_return(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot, MixClient(server.url, server.token) as other:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "the first session")
        await wait_for(pilot, lambda: turn_over(chat))
        first = opened(chat).session_id
        first_text = shown_text(chat)

        await pilot.press("ctrl+n")
        await send(pilot, chat, "the second session")
        await wait_for(pilot, lambda: turn_over(chat))
        second = opened(chat).session_id
        assert "> the first session" not in shown_text(chat)

        # while the user reads the second session, a long turn runs in the first one
        background = chat.hub.model(first)
        await other.messages.send(first, "long 6")
        await wait_for(pilot, lambda: not background.running and len(background.history) == 4, what="its end")
        assert chat.current == second
        assert "> long 6" not in shown_text(chat)

        await pick(pilot, chat, first)
        await wait_for(pilot, lambda: "> long 6" in shown_text(chat), what="the background turn on screen")
        text = shown_text(chat)
        assert text.startswith(first_text)
        assert "## 6." in text  # the whole long answer, not a part of it
        assert text.count("> long 6") == 1

        await pick(pilot, chat, second)
        assert "> the second session" in shown_text(chat)
        assert "> long 6" not in shown_text(chat)


async def test_other_clients_sessions_appear_and_disappear_in_the_sidebar(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot, MixClient(server.url, server.token) as other:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "keep a stream open")  # lifecycle events travel on session streams
        await wait_for(pilot, lambda: turn_over(chat))
        mine = opened(chat).session_id

        created = await other.sessions.create("made elsewhere")
        await wait_for(pilot, lambda: created.id in chat.sidebar.visible_ids, what="session_created")
        await other.sessions.delete(created.id)
        await wait_for(pilot, lambda: created.id not in chat.sidebar.visible_ids, what="session_deleted")

        # deleting the open session elsewhere leaves the user on a fresh chat
        await other.sessions.delete(mine)
        await wait_for(pilot, lambda: chat.current is None, what="the fresh chat")
        assert mine not in chat.sidebar.visible_ids
        assert not chat.transcript.items
