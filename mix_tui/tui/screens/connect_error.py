"""Shown when the server cannot be reached: which URL, what failed, what to try. r retries, q quits."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from mix_tui.tui.widgets.safe_text import clean


class ConnectErrorScreen(Screen[bool]):
    """Dismisses with True (retry) or False (quit: the caller exits the app)."""

    CSS_PATH = Path(__file__).with_name("connect_error.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#connect-retry"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"),
        Binding("q", "quit_app", "Quit"),
        Binding("escape", "quit_app", "Quit", show=False),
    ]

    def __init__(self, url: str, error: str) -> None:
        super().__init__()
        self.url = url
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="connect-box"):
            title = Text("Cannot reach the Mix server at ", style="bold")
            title.append(clean(self.url), style="bold underline")
            yield Static(title, id="connect-title")
            yield Static(Text(clean(self.error) or "no answer"), id="connect-error")
            yield Static(
                Text(
                    "Is the server running? Check the address given with --server or MIX_SERVER_URL "
                    "(and the token in --token / MIX_TOKEN). Run mix-tui without --server to start a "
                    "local server, or mix-tui --demo to try the offline demo model."
                ),
                id="connect-help",
            )
            with Horizontal(id="connect-actions"):
                yield Button(Text("Retry (r)"), id="connect-retry", variant="primary")
                yield Button(Text("Quit (q)"), id="connect-quit")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "connect-retry")

    def action_retry(self) -> None:
        self.dismiss(True)

    def action_quit_app(self) -> None:
        self.dismiss(False)
