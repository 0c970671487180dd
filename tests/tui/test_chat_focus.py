"""Keyboard focus on the chat screen against a real server: typing anywhere reaches the composer, Tab
does not walk the transcript's panels, Ctrl+Up / Ctrl+Down (or [ / ] in the transcript) move between
panels without moving the view, and Esc brings the focus back to the composer."""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot
from textual.widget import Widget

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel
from tests.tui.conftest import ServerProcess, ready_chat, send, turn_over, wait_for

Panel = ThinkingPanel | ToolCallPanel


async def chat_with_panels(pilot: Pilot[object]) -> ChatScreen:
    """A session whose turns hold thinking and tool panels, enough to scroll."""
    chat = await ready_chat(pilot)
    await send(pilot, chat, "long 3")
    await wait_for(pilot, lambda: turn_over(chat), what="the first answer")
    await send(pilot, chat, "read one.txt\nread two.txt")  # reading needs no permission
    await wait_for(pilot, lambda: turn_over(chat, 2), what="the tool turn")
    await pilot.pause()
    await wait_for(pilot, lambda: chat.transcript.following, what="the view at the bottom")
    return chat


def panels(chat: ChatScreen) -> list[Widget]:
    return list(chat.transcript.query("ThinkingPanel, ToolCallPanel"))


async def test_keys_typed_outside_the_composer_and_esc_go_back_to_it(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await chat_with_panels(pilot)
        chat.composer.text = ""
        chat.transcript.focus()
        await pilot.press("h", "i")
        assert chat.composer.has_focus
        assert chat.composer.text == "hi"

        panels(chat)[-1].focus()
        await pilot.press("space", "x")  # not a key a panel binds
        assert chat.composer.has_focus and chat.composer.text == "hi x"

        tool = list(chat.transcript.query(ToolCallPanel))[-1]
        tool.focus()
        await pilot.press("m")  # a panel's own key stays the panel's: it opens
        assert tool.has_focus and tool.expanded and chat.composer.text == "hi x"

        # a burst ("ok" typed faster than a frame): every key lands in the composer, in order
        chat.sidebar.option_list.focus()
        await pilot.pause()
        chat.composer.text = ""
        driver = app._driver  # the keys arrive together, as from a terminal, not one per pilot step
        assert driver is not None
        for key in ("o", "k", "!"):
            driver.send_message(events.Key(key if key.isalnum() else "exclamation_mark", key))
        await wait_for(pilot, lambda: chat.composer.text == "ok!", what="the whole burst in the composer")
        assert chat.composer.has_focus
        chat.composer.text = "hi x"
        chat.composer.move_cursor(chat.composer.document.end)

        chat.set_focus(None)  # nothing focused (after a click on the status line, say)
        await pilot.press("!")
        assert chat.composer.has_focus and chat.composer.text == "hi x!"

        # Esc with no turn to cancel is the way back to typing
        chat.transcript.focus()
        await pilot.press("escape")
        assert chat.composer.has_focus
        panels(chat)[0].focus()
        await pilot.press("escape")
        assert chat.composer.has_focus


async def test_panels_are_reached_with_ctrl_up_and_down_not_tab(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await chat_with_panels(pilot)
        transcript = chat.transcript
        all_panels = panels(chat)
        assert len(all_panels) >= 4
        bottom = transcript.scroll_y
        assert bottom == transcript.max_scroll_y > 0
        chat.composer.focus()

        await pilot.press("ctrl+up")  # the panel nearest the bottom of the view
        assert chat.focused is all_panels[-1]
        await pilot.pause()
        assert transcript.scroll_y == bottom and transcript.following

        await pilot.press("ctrl+up")
        assert chat.focused is all_panels[-2]
        await pilot.press("enter")  # Enter opens the focused panel
        assert getattr(all_panels[-2], "expanded", False)
        await pilot.press("ctrl+down")
        assert chat.focused is all_panels[-1]
        await pilot.press("bracketleft")  # [ and ] do the same while the transcript has the focus
        assert chat.focused is all_panels[-2]
        await pilot.press("bracketright")
        assert chat.focused is all_panels[-1]
        await pilot.press("ctrl+down")  # past the last panel: back to typing
        assert chat.composer.has_focus

        # walking up to the first panel scrolls just enough to show each one, never to the top
        chat.composer.focus()
        for _ in all_panels:
            await pilot.press("ctrl+up")
            await pilot.pause()
            focused = chat.focused
            assert isinstance(focused, Panel)
            assert transcript.region.overlaps(focused.region), "the focused panel is on screen"
        assert chat.focused is all_panels[0]

        await pilot.press("tab")  # Tab from a panel leaves the transcript
        assert chat.composer.has_focus

        # and Tab from the composer does not walk the panels: the transcript is one stop
        seen: list[Widget | None] = []
        for _ in range(8):
            await pilot.press("tab")
            seen.append(chat.focused)
        assert not any(isinstance(widget, Panel) for widget in seen)
        assert transcript in seen and chat.composer in seen
        assert len({id(widget) for widget in seen}) <= 4  # sidebar filter, list, transcript, composer


async def test_page_up_and_down_in_the_composer_page_the_transcript(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(80, 24)) as pilot:
        chat = await chat_with_panels(pilot)
        chat.composer.focus()
        chat.composer.text = "a draft that fits"
        bottom = chat.transcript.scroll_y
        assert bottom > 0
        await pilot.press("pageup")
        await wait_for(pilot, lambda: chat.transcript.scroll_y < bottom, what="a page up")
        assert chat.composer.has_focus and chat.composer.text == "a draft that fits"
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: chat.transcript.scroll_y == bottom, what="back down")
        # a draft taller than its box keeps its own Page keys
        chat.composer.text = "\n".join(f"line {n}" for n in range(40))
        await wait_for(pilot, lambda: chat.composer.max_scroll_y > 0, what="a tall draft")
        chat.composer.move_cursor((39, 0))
        transcript = chat.transcript
        await wait_for(  # the taller box has been laid out, the view kept to the bottom
            pilot, lambda: chat.composer.size.height > 3 and transcript.scroll_y == transcript.max_scroll_y, what="the taller box"
        )
        before = transcript.scroll_y
        await pilot.press("pageup")
        await wait_for(pilot, lambda: chat.composer.cursor_location[0] < 39, what="the cursor a page up")
        assert chat.transcript.scroll_y >= before  # the transcript did not page
