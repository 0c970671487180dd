"""The composer: Enter sends, Shift+Enter / Ctrl+J add a line, Up/Down at the edges recall prompts
(loaded from the server's prompt history in the real app)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from mix_tui.tui.widgets.composer import Composer
from tests.tui.conftest import ServerProcess, ready_chat, send, turn_over, wait_for


class ComposerApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield Composer()

    def on_composer_submitted(self, message: Composer.Submitted) -> None:
        self.sent.append(message.text)


async def test_enter_sends_and_clears() -> None:
    app = ComposerApp()
    async with app.run_test() as pilot:
        await pilot.press(*"hi there", "enter")
        assert app.sent == ["hi there"]
        assert app.query_one(Composer).text == ""
        await pilot.press("enter")  # nothing to send
        assert app.sent == ["hi there"]


async def test_shift_enter_and_ctrl_j_add_lines() -> None:
    app = ComposerApp()
    async with app.run_test() as pilot:
        await pilot.press("a", "shift+enter", "b", "ctrl+j", "c")
        assert app.query_one(Composer).text == "a\nb\nc"
        await pilot.press("enter")
        assert app.sent == ["a\nb\nc"]


async def test_up_and_down_recall_prompts_and_keep_the_draft() -> None:
    app = ComposerApp()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        composer.set_history(["newest", "older", "oldest"])
        await pilot.press(*"draft")
        await pilot.press("up")
        assert composer.text == "newest"
        await pilot.press("up", "up")
        assert composer.text == "oldest"
        await pilot.press("up")  # stays at the oldest
        assert composer.text == "oldest"
        await pilot.press("down")
        assert composer.text == "older"
        await pilot.press("down", "down")
        assert composer.text == "draft"


async def test_up_moves_inside_a_multi_line_draft_first() -> None:
    app = ComposerApp()
    async with app.run_test() as pilot:
        composer = app.query_one(Composer)
        composer.set_history(["earlier"])
        await pilot.press("a", "ctrl+j", "b")
        await pilot.press("up")  # from line 2 to line 1: no recall yet
        assert composer.text == "a\nb"
        await pilot.press("up")
        assert composer.text == "earlier"


async def test_sent_prompts_are_recalled_in_the_app(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "a prompt worth recalling")
        await wait_for(pilot, lambda: turn_over(chat))
        chat.composer.focus()
        await pilot.press("up")
        assert chat.composer.text == "a prompt worth recalling"

    again = server.app()  # a new run loads the recall list from the server
    async with again.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(pilot, lambda: "a prompt worth recalling" in chat.composer.prompt_history)
        chat.composer.focus()
        await pilot.press("up")
        assert chat.composer.text == "a prompt worth recalling"
