"""The client's queue: Esc twice clears it (even right after the first Esc cancelled the turn), a
queued prompt can be taken back to edit or removed (Up in an empty composer reaches the queue), and
one Esc alone still lets the queue go on after the cancelled turn."""

from __future__ import annotations

from mix_tui.tui.widgets.queue import QueuedPrompts
from tests.tui.conftest import live_text, opened, ready_chat, scripted_app, send, settled, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


async def running_with_queue(pilot, chat, *queued: str) -> QueuedPrompts:  # type: ignore[no-untyped-def]
    await send(pilot, chat, "hold on")
    await wait_for(pilot, lambda: "Part 1" in live_text(chat), what="the running turn")
    for text in queued:
        await send(pilot, chat, text)
    queue = chat.query_one(QueuedPrompts)
    await wait_for(pilot, lambda: queue.prompts == list(queued), what="the queue")
    return queue


async def test_escape_twice_cancels_the_turn_and_clears_the_queue() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        queue = await running_with_queue(pilot, chat, "first queued", "second queued")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: settled(chat) and not queue.display, what="cancel and clear")
        assert opened(chat).queue == []
        assert [t.text for t in mix.turns] == ["hold on"]  # nothing queued was sent
        await send(pilot, chat, "afterwards")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the next prompt")
        assert [t.text for t in mix.turns] == ["hold on", "afterwards"]


async def test_one_escape_cancels_and_the_queue_goes_on() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await running_with_queue(pilot, chat, "next one")
        await pilot.press("escape")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the queued prompt after the cancel")
        assert [t.text for t in mix.turns] == ["hold on", "next one"]


async def test_a_queued_prompt_can_be_taken_back_to_edit_or_removed() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        queue = await running_with_queue(pilot, chat, "one", "two", "three")
        await pilot.press("up")  # an empty composer: Up goes to the queue, the last prompt picked
        await wait_for(pilot, lambda: "Enter edits" in str(queue.render()), what="the queue to take the focus")
        assert queue.has_focus and queue.cursor == 2 and "▶ queued: three" in str(queue.render())
        await pilot.press("up", "delete")  # "two" goes
        await wait_for(pilot, lambda: opened(chat).queue == ["one", "three"], what="the removal")
        await pilot.press("up", "enter")  # "one" comes back to the composer
        await wait_for(pilot, lambda: chat.composer.has_focus and chat.composer.text == "one", what="the edit")
        assert opened(chat).queue == ["three"]
        await pilot.press(*" more", "enter")  # queued again, edited, behind "three"
        await wait_for(pilot, lambda: opened(chat).queue == ["three", "one more"], what="the requeue")
        mix.release()
        await wait_for(pilot, lambda: turn_over(chat, 3), what="the queued turns")
        assert [t.text for t in mix.turns] == ["hold on", "three", "one more"]


async def test_up_in_a_composer_with_text_still_recalls_history() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        queue = await running_with_queue(pilot, chat, "queued")
        await pilot.press(*"draft", "up")
        assert not queue.has_focus and chat.composer.text in ("hold on", "queued")
