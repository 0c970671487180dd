"""Helpers of the time-travel tests (selection, fork, rewind, export, copy, cost, find, search)."""

from __future__ import annotations

from textual.pilot import Pilot

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.session.items import NoteItem
from tests.tui.conftest import send, turn_over, wait_for
from tests.tui.scripted import ScriptedTurn

CODE_ANSWER = (
    "Two blocks:\n\n```python\nprint('a')\n```\n\nand a longer one:\n\n```sh\nls -la\necho done\n```\n\nThat is all."
)


async def with_code(turn: ScriptedTurn) -> None:
    """Answers every prompt with a short thinking and two code blocks."""
    await turn.think("Two blocks will do.")
    await turn.say(CODE_ANSWER)
    turn.complete()


async def turns(pilot: Pilot[object], chat: ChatScreen, *prompts: str) -> None:
    """Send each prompt and wait until its turn is over and shown."""
    done = sum(1 for m in chat.open_model().history if m.role == "user") if chat.open_model() else 0
    for number, prompt in enumerate(prompts, done + 1):
        await send(pilot, chat, prompt)
        await wait_for(pilot, lambda n=number: turn_over(chat, n), what=f"turn {number}")  # type: ignore[misc]


def notes(chat: ChatScreen) -> list[str]:
    """The notes the transcript shows, as data (title, newline, text)."""
    return [f"{i.title}\n{i.text}" for i in chat.transcript.items if isinstance(i, NoteItem)]


def last_note(chat: ChatScreen) -> str:
    found = notes(chat)
    assert found, "no note yet"
    return found[-1]
