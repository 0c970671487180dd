"""Turn control against real servers: Esc cancels a turn mid-stream (a slow demo model), and prompts
typed while a turn runs (held open by a permission prompt) are queued, shown and sent in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mix_tui.tui.items import AssistantItem
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.widgets.status import QueuedPrompts
from tests.tui.conftest import ServerProcess, conv, make_server, ready_chat, send, turn_over, wait_for

LONG = "long 6"  # six sections: several seconds at 60 tokens/s


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = make_server(tmp_path_factory.mktemp("mix-slow"), rate="60")
    yield proc
    proc.stop()


async def test_escape_cancels_the_running_turn(slow_server: ServerProcess) -> None:
    app = slow_server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, LONG)
        await wait_for(
            pilot, lambda: chat.conv() is not None and conv(chat).running, what="the turn to start"
        )
        await wait_for(
            pilot, lambda: "Part 1" in (conv(chat).turn.text if conv(chat).turn else ""), what="text"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not conv(chat).running, what="the cancel", within=20)
        assert chat.status.info.running is False
        last = chat.transcript.items[-1]
        assert isinstance(last, AssistantItem)
        assert last.error and "cancel" in last.error.lower()
        stored = conv(chat).history
        assert stored and stored[0].role == "user"
        # the session accepts the next prompt at once (no 409 from a run still going)
        await send(pilot, chat, "hello after the cancel")
        await wait_for(
            pilot, lambda: conv(chat).turn is not None and conv(chat).turn.user_message_id is not None
        )
        assert conv(chat).running
        await pilot.press("escape")
        await wait_for(pilot, lambda: not conv(chat).running, what="the second cancel", within=20)


async def test_prompts_typed_during_a_turn_are_queued_shown_and_sent_in_order(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        held = "$ echo held && echo open"  # the turn waits for a permission answer meanwhile
        await send(pilot, chat, held)
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the prompt")
        chat.composer.focus()  # the prompt is modal; type under it the way a test can
        await chat.bridge.submit(conv(chat).session_id, "first queued")
        await chat.bridge.submit(conv(chat).session_id, "second queued")
        queued = chat.query_one(QueuedPrompts)
        await wait_for(pilot, lambda: queued.prompts == ["first queued", "second queued"], what="the queue")
        assert queued.display
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat, 3), what="all three turns")
        prompts = [m.text for m in conv(chat).history if m.role == "user"]
        assert prompts == [held, "first queued", "second queued"]
        assert not queued.display


async def test_enter_during_a_turn_queues_the_prompt(slow_server: ServerProcess) -> None:
    app = slow_server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, LONG)
        await wait_for(
            pilot, lambda: chat.conv() is not None and conv(chat).running, what="the turn to start"
        )
        await send(pilot, chat, "typed meanwhile")
        await wait_for(pilot, lambda: conv(chat).queue == ["typed meanwhile"], what="the queue")
        assert chat.query_one(QueuedPrompts).prompts == ["typed meanwhile"]
        assert chat.composer.text == ""
        await pilot.press("escape")  # the queued prompt goes out once the cancelled turn has ended
        await wait_for(pilot, lambda: not conv(chat).queue, what="the queued prompt to be sent", within=20)
        await pilot.press("escape")


async def test_the_session_list_counts_the_prompt_while_the_first_turn_streams(
    slow_server: ServerProcess,
) -> None:
    app = slow_server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, LONG)
        await wait_for(
            pilot,
            lambda: (
                chat.conv() is not None and conv(chat).turn is not None and conv(chat).turn.user_message_id
            ),
            what="the stored prompt",
        )
        session_id = conv(chat).session_id

        def listed_count() -> int:
            listed = [s for s in chat.sidebar.sessions() if s.id == session_id]
            return listed[0].message_count if listed else 0

        await wait_for(pilot, lambda: listed_count() >= 1, what="the prompt counted in the list", within=20)
        assert conv(chat).running  # still the first turn: nobody re-read the session after it
        await pilot.press("escape")
        await wait_for(pilot, lambda: not conv(chat).running, what="the cancel", within=20)
