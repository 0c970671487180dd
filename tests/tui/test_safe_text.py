"""Text from models, tools, files and servers never carries a control character to the terminal: it is
shown with a visible stand-in, in answers (plain text, inline code, fenced code, live and whole) and in
toasts. The terminal's own bytes are checked in tests/e2e/test_terminal_escapes.py."""

from __future__ import annotations

import unicodedata

from textual.app import App, ComposeResult

from mix_tui.tui.widgets.message import AnswerMarkdown
from mix_tui.tui.widgets.safe_text import clean
from tests.tui.conftest import ready_chat, scripted_app, send, wait_for
from tests.tui.scripted import ScriptedMix

HOSTILE = "A\x1b]52;c;aGk=\x07B\x1b]0;title\x07C\x9b2JD\x1b[6nE\x7fF\r\nG\u202eH\x00I\tJ"


def controls(text: str) -> list[str]:
    return [c for c in text if c not in "\n" and unicodedata.category(c) == "Cc"]


def test_clean_shows_every_control_character_and_keeps_newlines() -> None:
    shown = clean(HOSTILE)
    assert controls(shown) == []
    assert "\u202e" not in shown
    assert shown == "A␛]52;c;aGk=␇B␛]0;title␇C\\x9b2JD␛[6nE␡F\nG⟨U+202E⟩H␀I    J"
    assert clean("plain text\nstays") == "plain text\nstays"


class AnswerApp(App[None]):
    def __init__(self, text: str, *, live: bool) -> None:
        super().__init__()
        self.text, self.live = text, live

    def compose(self) -> ComposeResult:
        yield AnswerMarkdown("" if self.live else self.text, live=self.live)


MARKDOWN = f"Plain {HOSTILE} text, `inline {HOSTILE}` code.\n\n```\nfenced {HOSTILE}\n```\n"


async def test_answers_show_control_characters_visibly_whole_and_streamed() -> None:
    for live in (False, True):
        app = AnswerApp(MARKDOWN, live=live)
        async with app.run_test(size=(100, 20)) as pilot:
            answer = app.query_one(AnswerMarkdown)
            if live:
                for piece in (MARKDOWN[:30], MARKDOWN[:70], MARKDOWN):
                    await answer.set_text(piece, live=True)
                await answer.set_text(MARKDOWN, live=False)
            await pilot.pause()
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x9b" not in screen and "\x07" not in screen
            assert screen.count("␛]52;c;aGk=") == 3  # plain, inline code and the fence
            assert answer.written == MARKDOWN  # the raw source is kept (copy, export), only the display is cleaned


async def test_toasts_are_cleaned_and_never_markup() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: chat.open_model() is not None and not chat.open_model().running)
        session = chat.open_model()
        assert session is not None
        mix.refuse[("POST", f"/api/sessions/{session.session_id}/messages")] = (400, f"[bold]no[/] {HOSTILE}")
        await send(pilot, chat, "second")
        await wait_for(pilot, lambda: bool(list(chat.app._notifications)), what="the toast")
        (toast,) = list(chat.app._notifications)
        assert controls(toast.message) == [] and "␛]52;c;aGk=" in toast.message
        assert not toast.markup and "[bold]no[/]" in toast.message
