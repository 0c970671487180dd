"""Turn control: Esc cancels a turn mid-stream, prompts typed while a turn runs are queued, shown and
sent in order, and the session list counts a new session's prompt while its first turn still
streams. Against the scripted in-process server; one end-to-end cancel against a real one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.session.items import AssistantItem, UserItem
from mix_tui.tui.widgets.queue import QueuedPrompts
from tests.tui.conftest import (
    ServerProcess,
    live_text,
    make_server,
    opened,
    ready_chat,
    scripted_app,
    send,
    settled,
    turn_over,
    wait_for,
)
from tests.tui.scripted import ScriptedMix, ScriptedTurn


async def test_escape_cancels_the_running_turn_and_keeps_its_partial_answer() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hold on")
        await wait_for(pilot, lambda: "Part 1" in live_text(chat), what="the first part")
        assert chat.status.info.running
        await pilot.press("escape")
        await wait_for(pilot, lambda: settled(chat), what="the cancel")
        assert chat.status.info.running is False
        last = chat.transcript.items[-1]
        assert isinstance(last, AssistantItem)
        assert last.error == "request cancelled by user"
        assert "Part 1" in last.parts[-1].text  # type: ignore[union-attr]
        # the session accepts the next prompt at once
        await send(pilot, chat, "hello after the cancel")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the next turn")
        assert chat.transcript.items[-2].text == "hello after the cancel"  # type: ignore[union-attr]


async def test_prompts_typed_during_a_turn_are_queued_shown_and_sent_in_order() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        held = "$ echo held && echo open"  # the turn waits for a permission answer meanwhile
        await send(pilot, chat, held)
        await wait_for(pilot, lambda: isinstance(chat.app.screen, PermissionScreen), what="the prompt")
        await opened(chat).submit("first queued")
        await opened(chat).submit("second queued")
        queued = chat.query_one(QueuedPrompts)
        await wait_for(pilot, lambda: queued.prompts == ["first queued", "second queued"], what="the queue")
        assert queued.display
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat, 3), what="all three turns")
        prompts = [m.text for m in opened(chat).history if m.role == "user"]
        assert prompts == [held, "first queued", "second queued"]
        assert [t.text for t in mix.turns] == prompts  # one send each, in order
        assert not queued.display


async def test_enter_during_a_turn_queues_the_prompt_and_it_goes_out_after() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hold it")
        await wait_for(pilot, lambda: opened(chat).running, what="the turn to start")
        await send(pilot, chat, "typed meanwhile")
        await wait_for(pilot, lambda: opened(chat).queue == ["typed meanwhile"], what="the queue")
        assert chat.query_one(QueuedPrompts).prompts == ["typed meanwhile"]
        assert chat.composer.text == ""
        mix.release()
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the queued prompt to be sent")
        assert [t.text for t in mix.turns] == ["hold it", "typed meanwhile"]


async def test_the_session_list_counts_the_prompt_while_the_first_turn_streams() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hold this one")
        await wait_for(pilot, lambda: "Part 1" in live_text(chat), what="the stored prompt")
        session_id = opened(chat).session_id

        def listed_count() -> int:
            listed = [s for s in chat.sidebar.sessions() if s.id == session_id]
            return listed[0].message_count if listed else 0

        await wait_for(pilot, lambda: listed_count() >= 1, what="the prompt counted in the list")
        assert opened(chat).running  # still the first turn: nobody re-read the session after it
        mix.release()
        await wait_for(pilot, lambda: turn_over(chat))


async def test_a_slash_command_in_a_fresh_chat_creates_no_session_and_stays_editable() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "/frobnicate")
        await wait_for(pilot, lambda: chat.composer.text == "/frobnicate", what="the command back in the box")
        assert chat.current is None and not mix.sessions
        assert chat.composer.cursor_location == (0, len("/frobnicate"))
        await pilot.press("x")  # typing goes after it, never in front
        assert chat.composer.text == "/frobnicatex"


# ---- end to end ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = make_server(tmp_path_factory.mktemp("mix-slow"), rate="60")
    yield proc
    proc.stop()


async def test_e2e_escape_cancels_a_streaming_answer_on_the_real_server(slow_server: ServerProcess) -> None:
    app = slow_server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "long 6")  # six sections: several seconds at 60 tokens/s
        await wait_for(pilot, lambda: "Part 1" in live_text(chat), what="text")
        await pilot.press("escape")
        await wait_for(pilot, lambda: settled(chat), what="the cancel")
        last = chat.transcript.items[-1]
        assert isinstance(last, AssistantItem) and last.error and "cancel" in last.error.lower()
        assert opened(chat).history and opened(chat).history[0].role == "user"


async def test_a_prompt_our_server_queues_behind_another_clients_turn_runs_after_it_as_ours() -> None:
    mix = ScriptedMix()
    mix.queue_sends = True
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat))
        model = opened(chat)
        mix._send(model.session_id, "hold: another client's turn")
        await wait_for(pilot, lambda: model.running, what="the other client's turn")
        model.timeline.live = None  # as if this client had not seen it start (it joined late)
        await model.submit("mine, sent meanwhile")
        queued = chat.query_one(QueuedPrompts)
        await wait_for(pilot, lambda: "queued on the server" in str(queued.render()), what="the server queue")
        mix.release()
        await wait_for(pilot, lambda: turn_over(chat, 3) and not model.server_queued, what="both turns")
        prompts = [m.text for m in model.history if m.role == "user"]
        assert prompts == ["first", "hold: another client's turn", "mine, sent meanwhile"]
        shown = [i.text for i in chat.transcript.items if isinstance(i, UserItem)]
        assert shown == prompts
        assert not queued.display


async def test_a_rate_limit_notice_says_when_the_server_retries() -> None:
    from mix_tui.protocol.events import Error

    async def limited(turn: ScriptedTurn) -> None:
        await turn.say("Starting.")
        turn.emit(Error(error="rate limited by the provider", type="rate_limit_error", retry_after=7,
                        attempt=1, max_attempts=3))  # fmt: skip
        await turn.mix.held.wait()
        await turn.say(" Done.")

    mix = ScriptedMix(limited)
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "go")
        expected = "rate limited by the provider (retry in 7 s, attempt 1/3)"
        await wait_for(pilot, lambda: getattr(chat.transcript.items[-1], "notice", None) == expected)
        mix.release()
        await wait_for(pilot, lambda: turn_over(chat))
        assert chat.transcript.items[-1].notice is None  # type: ignore[union-attr]
