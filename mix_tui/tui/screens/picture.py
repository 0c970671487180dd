"""A session file's picture, large, in a dialog (`/files NAME`); any key or a click closes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from mix_tui.tui.widgets.media import MediaPreview, MediaRef
from mix_tui.tui.widgets.safe_text import clean

BIG_THUMB = "w1280"


class PictureScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    PictureScreen { align: center middle; background: $background 60%; }
    PictureScreen > #picture-box {
        width: 90%; height: 90%; padding: 0 1; border: thick $primary; background: $surface;
    }
    PictureScreen MediaPreview > .media-picture { height: 1fr; max-width: 100%; }
    PictureScreen MediaPreview { height: 1fr; margin: 0; }
    PictureScreen #picture-hint { height: 1; color: $text-muted; }
    """

    def __init__(self, ref: MediaRef, load: Callable[[MediaPreview, str], Awaitable[None]]) -> None:
        super().__init__()
        self.ref = ref
        self._load = load  # fetches the picture into the preview (the chat's MediaFlow)

    def on_media_preview_wanted(self, message: MediaPreview.Wanted) -> None:
        message.stop()
        self.run_worker(self._load(message.preview, BIG_THUMB), exit_on_error=False)

    def compose(self) -> ComposeResult:
        with Vertical(id="picture-box") as box:
            box.border_title = clean(self.ref.title or self.ref.name)
            yield MediaPreview(self.ref)
            yield Static(Text("any key closes"), id="picture-hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        self.dismiss(None)
