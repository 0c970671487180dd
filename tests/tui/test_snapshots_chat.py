"""SVG snapshots of the chat: the main screen, a streamed answer with code, an expanded tool panel
with a diff. Deterministic: a fixed terminal size, a frozen sidebar clock, no server (the transcript
is built from a recorded event list fed through the SDK's `Turn` and the same widgets the session model
drives), fixed timestamps for every event."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from textual.app import App
from textual.pilot import Pilot

from mix_tui.protocol.events import (
    Complete,
    Content,
    MixEvent,
    Thinking,
    ToolExecutionComplete,
    ToolExecutionStart,
    ToolUseParameterStreamingComplete,
    ToolUseStart,
    UserMessageCreated,
)
from mix_tui.protocol.models import SessionData
from mix_tui.sdk.client import MixClient
from mix_tui.sdk.turn import Turn
from mix_tui.tui.screens.chat import ChatOptions, ChatScreen
from mix_tui.tui.session.items import UserItem, assistant_item
from mix_tui.tui.widgets.tool_call import ToolCallPanel

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SIZE = (120, 36)

GREETING = [
    UserMessageCreated(message_id="u1", content="Write a greeting function in Python"),
    Thinking(content="The user wants a small, typed function. ", assistant_message_id="a1"),
    Thinking(content="Show it with a usage line.", assistant_message_id="a1"),
    Content(content="Here is a small greeting function:\n\n", assistant_message_id="a1"),
    Content(content="```python\ndef greet(name: str) -> str:\n", assistant_message_id="a1"),
    Content(content='    """Say hello."""\n    return f"Hello, {name}!"\n```\n\n', assistant_message_id="a1"),
    Content(content='Call it with `greet("world")`; it returns **a new string**.', assistant_message_id="a1"),
    Complete(message_id="a1"),
]

EDIT_ARGS = {
    "file_path": "src/greet.py",
    "old_string": 'def greet(name):\n    return "Hello, " + name',
    "new_string": 'def greet(name: str) -> str:\n    """Say hello."""\n    return f"Hello, {name}!"',
}
EDIT = [
    UserMessageCreated(message_id="u2", content="Add type hints to greet"),
    Content(content="I'll update the function in place.", assistant_message_id="a2"),
    ToolUseStart(id="call_edit", name="Edit", assistant_message_id="a2"),
    ToolUseParameterStreamingComplete(
        id="call_edit", name="Edit", input=json.dumps(EDIT_ARGS), assistant_message_id="a2"
    ),
    ToolExecutionStart(tool_call_id="call_edit", tool_name="Edit", progress="Executing Edit tool"),
    ToolExecutionComplete(
        tool_call_id="call_edit",
        tool_name="Edit",
        progress="Completed Edit tool in 12ms",
        success=True,
        result="Edited src/greet.py (1 replacement)",
    ),
    ToolUseStart(id="call_bash", name="Bash", assistant_message_id="a2"),
    ToolUseParameterStreamingComplete(
        id="call_bash",
        name="Bash",
        input=json.dumps({"command": "python -m pytest -q"}),
        assistant_message_id="a2",
    ),
    ToolExecutionStart(tool_call_id="call_bash", tool_name="Bash", progress="Executing Bash tool"),
    ToolExecutionComplete(
        tool_call_id="call_bash",
        tool_name="Bash",
        progress="Completed Bash tool in 1.2s",
        success=True,
        result="\n".join(f"tests/test_greet.py::test_case_{n} PASSED" for n in range(14))
        + "\n14 passed in 0.31s",
    ),
    Content(content="Done: `greet` is typed now and the tests pass.", assistant_message_id="a3"),
    Complete(message_id="a3"),
]


def session(n: int, title: str, minutes_ago: float, cost: float) -> SessionData:
    return SessionData.model_validate(
        {
            "id": f"s{n}", "title": title, "createdAt": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
            "userMessageCount": n + 1, "assistantMessageCount": n + 2, "cost": cost,
        }
    )  # fmt: skip


SESSIONS = [
    session(1, "Greeting function", 2, 0.0042),
    session(2, "Refactor the parser", 95, 0.3117),
    session(3, "Why is CI slow?", 60 * 26, 1.05),
]


class ChatSnapshotApp(App[None]):
    """The chat screen with no server behind it; tests fill it in `run_before`."""

    def __init__(self) -> None:
        super().__init__()
        self.client = MixClient("http://127.0.0.1:9")  # never called: nothing is loaded

    async def on_mount(self) -> None:
        options = ChatOptions(
            server_label="127.0.0.1:8765", provider="demo", model="demo", load_lists=False,
            poll_health=False, clock=lambda: NOW,
        )  # fmt: skip
        await self.push_screen(ChatScreen(self.client, options))

    async def on_unmount(self) -> None:
        await self.client.aclose()


async def stream(chat: ChatScreen, key: str, events: list[MixEvent], start: float) -> None:
    """Feed events through a Turn into the transcript, one update per event, as the session model does."""
    turn = Turn()
    for step, event in enumerate(events):
        turn.apply(event, start + step * 0.8)
        prompt = turn.user_text or ""
        await chat.transcript.update_tail(
            [UserItem(key, prompt), assistant_item(f"a:{key}", turn)]
        )


def prepare(build: Callable[[ChatScreen], Awaitable[None]]) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        chat = pilot.app.screen
        assert isinstance(chat, ChatScreen)
        chat.composer.cursor_blink = False
        chat.sidebar.set_sessions(SESSIONS)
        chat.sidebar.set_current("s1")
        chat.status.set(title="Greeting function", cost=0.0042, context_tokens=1834)
        await build(chat)
        chat.composer.focus()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


async def main_screen(chat: ChatScreen) -> None:
    await stream(chat, "u1", GREETING, 100.0)
    chat.composer.load_text("Now add a docstring test")


async def streaming_answer(chat: ChatScreen) -> None:
    await stream(chat, "u1", GREETING[:5], 100.0)  # mid-stream: the code fence is still open
    chat.status.set(running=True)


async def expanded_diff(chat: ChatScreen) -> None:
    await stream(chat, "u2", EDIT, 200.0)
    panels = list(chat.transcript.query(ToolCallPanel))
    panels[0].action_toggle_panel()  # the Edit: arguments and a coloured diff
    panels[1].action_toggle_panel()  # the Bash run: output cut to a few lines


def test_main_screen(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=SIZE, run_before=prepare(main_screen))


def test_streamed_answer_with_code(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=SIZE, run_before=prepare(streaming_answer))


def test_expanded_tool_panel_with_a_diff(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=(120, 44), run_before=prepare(expanded_diff))
