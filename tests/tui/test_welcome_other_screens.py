"""The small screens around the chat: connect error, confirm, help."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static, TextArea

from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.screens.connect_error import ConnectErrorScreen
from mix_tui.tui.screens.help import HelpScreen, humanize
from mix_tui.tui.widgets.sidebar import Sidebar
from tests.tui.conftest import wait_for


class ScreenApp(App[None]):
    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.modal = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


async def opened(pilot: Pilot[None], app: ScreenApp) -> None:
    await wait_for(pilot, lambda: app.screen is app.modal and app.modal.is_mounted, what="the screen")


def shown(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).visual)


# ---- connect error -------------------------------------------------------------------------------


async def test_connect_error_explains_and_offers_retry() -> None:
    app = ScreenApp(ConnectErrorScreen("http://127.0.0.1:8088", "Connection refused [errno 111]"))
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, app)
        assert "http://127.0.0.1:8088" in shown(app, "#connect-title")
        assert "Connection refused [errno 111]" in shown(app, "#connect-error")
        assert "MIX_SERVER_URL" in shown(app, "#connect-help") and "--server" in shown(app, "#connect-help")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.results == [True], what="the answer")


@pytest.mark.parametrize("key", ["q", "escape"])
async def test_connect_error_quit(key: str) -> None:
    app = ScreenApp(ConnectErrorScreen("http://example.invalid", "name not known"))
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: app.results == [False], what="the answer")


async def test_connect_error_buttons() -> None:
    app = ScreenApp(ConnectErrorScreen("http://x", "boom"))
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot, app)
        await pilot.click("#connect-quit")
        await wait_for(pilot, lambda: app.results == [False], what="the answer")


# ---- confirm -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [("y", True), ("enter", True), ("n", False), ("escape", False)])
async def test_confirm_keys(key: str, expected: bool) -> None:
    app = ScreenApp(ConfirmScreen("Delete “[b]x[/b]”?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        assert shown(app, "#confirm-question") == "Delete “[b]x[/b]”?"
        await pilot.press(key)
        await wait_for(pilot, lambda: app.results == [expected], what="the answer")


async def test_confirm_label_and_enter_on_cancel_cancels() -> None:
    app = ScreenApp(ConfirmScreen("Rewind here?", confirm_label="Rewind"))
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        assert "Rewind (y)" in str(app.screen.query_one("#confirm-yes").label)  # type: ignore[attr-defined]
        app.screen.query_one("#confirm-no").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results == [False], what="the answer")


# ---- help ----------------------------------------------------------------------------------------


class Editor(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "send", "Send the prompt")]


class Main(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+b", "toggle", "Sessions")]

    def compose(self) -> ComposeResult:
        yield Sidebar()
        yield Editor()


class HelpApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f1", "help", "Help"), Binding("ctrl+q", "quit", "Quit")]

    def on_mount(self) -> None:
        self.push_screen(Main())

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


Editor.__module__ = "mix_tui.tests_editor"  # counts as "ours": its own bindings are listed


async def test_help_lists_the_live_bindings() -> None:
    app = HelpApp()
    async with app.run_test(size=(100, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, Main) and app.screen.query(Editor), what="the main screen")
        app.screen.query_one(Editor).focus()
        await pilot.press("f1")
        await wait_for(
            pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen.query("#help-text"), what="the help"
        )
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        text = screen.plain_text()
        assert "Editor" in text and "Send the prompt" in text  # the focused widget's own keys
        assert "Cursor up" not in text  # ...not the dozens it inherits from TextArea
        assert "Main" in text and "Sessions" in text  # the screen's
        assert "Sidebar" in text and "New session" in text  # our widgets on screen, unfocused
        assert "Session list" in text and "Delete session" in text
        assert "Everywhere" in text and "Help" in text and "Quit" in text  # the app's
        assert "^q" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="the help to close")


def test_humanize() -> None:
    assert humanize("SessionList") == "Session list"
    assert humanize("ChatScreen") == "Chat"
    assert humanize("HTTPPanel") == "HTTP panel"
