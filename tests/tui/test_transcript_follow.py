"""Following the bottom (against the scripted in-process server): sending (now or from the queue)
jumps back to the bottom; while the user reads above, new content shows a "new messages" marker
that Ctrl+End, End (in the transcript) or reaching the bottom clears."""

from __future__ import annotations

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.widgets.message import AssistantMessage, UserMessage
from mix_tui.tui.widgets.transcript import NewMessages, Transcript
from tests.tui.conftest import opened, ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


def at_bottom(transcript: Transcript) -> bool:
    return transcript.following and transcript.scroll_y == transcript.max_scroll_y


def turn_on_screen(chat: ChatScreen, text: str) -> bool:
    """The prompt or the answer after it shows in the transcript's visible region (a long answer
    may have pushed the prompt itself above the view)."""
    transcript = chat.transcript
    prompts = [w for w in transcript.query(UserMessage) if w.text == text]
    if not prompts:
        return False
    answers = [w for w in transcript.query(AssistantMessage) if w.key == f"a:{prompts[0].key}"]
    return any(w.region.height and transcript.region.overlaps(w.region) for w in [*prompts, *answers])


async def scroll_up(chat: ChatScreen) -> None:
    transcript = chat.transcript
    transcript.scroll_to(y=2, animate=False, immediate=True)
    assert not transcript.following


async def test_sending_while_scrolled_up_jumps_to_the_bottom() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "long 4")
        await wait_for(pilot, lambda: turn_over(chat), what="a long answer")
        await wait_for(pilot, lambda: chat.transcript.max_scroll_y > 30, what="a tall transcript")
        await scroll_up(chat)
        await pilot.pause()

        await send(pilot, chat, "and now a short one")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the second answer")
        await pilot.pause()
        await wait_for(pilot, lambda: at_bottom(chat.transcript), what="the view at the bottom")
        assert turn_on_screen(chat, "and now a short one")
        assert not chat.transcript.query_one(NewMessages).display


async def test_a_queued_prompt_going_out_jumps_to_the_bottom() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "long 4")
        await wait_for(pilot, lambda: turn_over(chat), what="a long answer")
        await send(pilot, chat, "$ echo held")  # the turn waits for a permission answer meanwhile
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the prompt")
        await opened(chat).submit("queued behind it")
        await wait_for(pilot, lambda: opened(chat).queue == ["queued behind it"], what="the queue")
        await scroll_up(chat)  # the user reads back while waiting
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat, 3), what="the queued turn")
        await pilot.pause()
        await wait_for(pilot, lambda: at_bottom(chat.transcript), what="the view at the bottom")
        assert turn_on_screen(chat, "queued behind it")


async def test_new_content_while_reading_above_shows_a_marker() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        transcript = chat.transcript
        marker = transcript.query_one(NewMessages)
        assert not marker.display
        await send(pilot, chat, "long 4")
        await wait_for(pilot, lambda: turn_over(chat), what="a long answer")
        assert not marker.display  # it followed: nothing to point at
        session_id = opened(chat).session_id

        async def turn_elsewhere(text: str, answers: int) -> None:
            """Another client's turn streams in while the user reads above."""
            await scroll_up(chat)
            mix._send(session_id, text)
            await wait_for(pilot, lambda: turn_over(chat, answers), what=f"the turn {text!r}")
            await wait_for(pilot, lambda: marker.display, what="the new-messages marker")
            assert "new messages" in str(marker.render())
            assert transcript.scroll_y == 2  # the view stays where the user put it

        await turn_elsewhere("long 2", 2)
        await pilot.press("ctrl+end")  # from the composer: jump to the bottom
        await wait_for(pilot, lambda: at_bottom(transcript), what="the jump")
        assert not marker.display

        await turn_elsewhere("one more", 3)
        transcript.scroll_end(animate=False, immediate=True)  # scrolling down by hand clears it too
        await wait_for(pilot, lambda: at_bottom(transcript) and not marker.display, what="the marker to go")

        await turn_elsewhere("and another", 4)
        transcript.focus()
        await pilot.press("end")  # End in the transcript jumps as well
        await wait_for(pilot, lambda: at_bottom(transcript) and not marker.display, what="End")
