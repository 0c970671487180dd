"""A session reopened after a restart of the app AND the server renders exactly what it rendered live:
thinking with its duration, a tool allowed for the session and one auto-approved by that rule, a denied
call, a prompt that timed out, a cancelled turn. End to end: real server processes on one data dir."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.widgets.message import AnswerMarkdown, AssistantMessage, UserMessage
from mix_tui.tui.widgets.thinking import ThinkingHeader
from mix_tui.tui.widgets.tool_call import ToolHeader
from tests.tui.conftest import make_server, opened, ready_chat, send, turn_over, wait_for

ALLOWED = "$ echo allowed && echo for-the-session"  # `&&`: never allowlisted, so it always asks
DENIED = "$ echo denied && echo never"
EXPIRES = "$ echo nobody && echo answers"
CANCELLED = "$ echo cancelled && echo before"


def rendered(chat: ChatScreen) -> list[str]:
    """What the transcript shows, widget by widget: prompts, answers, panel headers, turn endings."""
    lines: list[str] = []
    for widget in chat.transcript.query("UserMessage, AnswerMarkdown, ThinkingHeader, ToolHeader, .turn-status"):
        if isinstance(widget, UserMessage):
            lines.append(f"> {widget.text}")
        elif isinstance(widget, AnswerMarkdown):
            lines.append(widget.written)
        elif isinstance(widget, ThinkingHeader | ToolHeader | Static) and widget.display:
            visual = widget.render()
            lines.append(visual.plain if isinstance(visual, Text) else str(visual))
    return [line for line in lines if line]


def prompt_up(chat: ChatScreen) -> bool:
    return isinstance(chat.app.screen, PermissionScreen)


async def test_a_reopened_session_renders_exactly_as_it_did_live(tmp_path: Path) -> None:
    server = make_server(tmp_path, rate="3000", extra=["--permission-timeout", "6"])
    try:
        app = server.app(permission_timeout=6.0)
        async with app.run_test(size=(120, 80)) as pilot:
            chat = await ready_chat(pilot)
            await send(pilot, chat, ALLOWED)
            await wait_for(pilot, lambda: prompt_up(chat), what="the first prompt")
            await pilot.press("s")  # allow for the session
            await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
            await send(pilot, chat, ALLOWED)  # auto-approved by the rule
            await wait_for(pilot, lambda: turn_over(chat, 2), what="the second turn")
            await send(pilot, chat, DENIED)
            await wait_for(pilot, lambda: prompt_up(chat), what="the prompt to deny")
            await pilot.press("d")
            await wait_for(pilot, lambda: turn_over(chat, 3), what="the denied turn")
            await send(pilot, chat, EXPIRES)
            await wait_for(pilot, lambda: turn_over(chat, 4), what="the timed-out turn")
            await wait_for(pilot, lambda: not prompt_up(chat), what="the expired prompt to close")
            await send(pilot, chat, CANCELLED)
            await wait_for(pilot, lambda: prompt_up(chat), what="a prompt in the turn to cancel")
            await opened(chat).cancel()  # Esc on the chat; the prompt on top is denied with it
            # the end, and the stored history that replaced the live turn (what a reload reads too)
            await wait_for(pilot, lambda: turn_over(chat, 5) and opened(chat).timeline.live is None)
            await pilot.pause()
            live = rendered(chat)
            session_id = opened(chat).session_id
            assert len(chat.transcript.query(AssistantMessage)) == 5
        server.stop()

        server.start()  # the same data dir: a new process that knows only what it stored
        again = server.app(session_id=session_id)
        async with again.run_test(size=(120, 80)) as pilot:
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: chat.current == session_id and opened(chat).timeline.loaded)
            await wait_for(pilot, lambda: len(chat.transcript.query(AssistantMessage)) == 5)
            await pilot.pause()
            reopened = rendered(chat)
    finally:
        server.stop()
    text = "\n".join(live)
    for expected in ("Thought for", "approved for the session", "auto-approved", "denied", "timed out",
                     "request cancelled by user"):  # fmt: skip
        assert expected in text, expected
    assert reopened == live
