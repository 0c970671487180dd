"""Pictures in the transcript: attached images, `Show` outputs and session files, via textual-image.

`MediaPreview` stands for one session file; when mounted it asks for its bytes (`Wanted`, answered by
the screen, which fetches a thumbnail from the files API off the UI loop) and then shows the picture
with the terminal's best graphics: Sixel or Kitty's protocol where the terminal answered that it
speaks them (asked once, before the app starts: graphics.py), coloured half blocks elsewhere,
and always in tests and headless runs. `ShowPanel` is a `Show` call: its outputs are listed, images
shown, under the header. Names and titles are data: cleaned, never markup.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from PIL import Image as PILImage
from rich.text import Text
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from mix_tui.tui.session.items import ToolView
from mix_tui.tui.widgets.graphics import image_class
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.tool_call import ToolCallPanel

THUMB = "w640"  # the files API's thumbnail size asked for (`?thumb=w640`)
SHOW_TOOLS = frozenset({"show", "showmedia"})
def decode(data: bytes) -> PILImage.Image:
    """Blocking (run it in a thread); raises on bytes that are no picture."""
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


@dataclass(frozen=True, slots=True)
class MediaRef:
    session_id: str
    name: str  # the session file
    title: str = ""


def file_ref(url: str, title: str = "") -> MediaRef | None:
    """A files-API path (`/api/sessions/ID/files/NAME`, relative or absolute) as a ref; None for
    anything else (a web URL is not fetched)."""
    parts = [unquote(p) for p in urlparse(url).path.split("/") if p]
    if len(parts) >= 5 and parts[-5:-3] == ["api", "sessions"] and parts[-2] == "files":
        return MediaRef(parts[-3], parts[-1], title)
    return None


class MediaPreview(Vertical):
    DEFAULT_CSS = """
    MediaPreview { height: auto; width: 1fr; margin: 0 0 0 2; }
    MediaPreview > .media-caption { height: 1; color: $text-muted; }
    MediaPreview > .media-picture { width: auto; height: 10; max-width: 80; }
    """

    @dataclass
    class Wanted(Message):
        """The preview needs its picture: the screen fetches it and calls `show` or `failed`."""

        preview: MediaPreview

    def __init__(self, ref: MediaRef) -> None:
        super().__init__(classes="media-preview")
        self.ref = ref
        self.state = "loading"  # loading | shown | failed
        self._caption = Static(self._caption_text("loading…"), classes="media-caption")

    def _caption_text(self, status: str = "") -> Text:
        text = Text("▣ ", "dim")
        text.append(clean(self.ref.title or self.ref.name), "bold")
        if status:
            text.append(f" · {clean(status)}", "dim")
        return text

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._caption

    def on_mount(self) -> None:
        self.post_message(self.Wanted(self))

    async def show(self, image: PILImage.Image) -> None:
        self.state = "shown"
        self._caption.update(self._caption_text(f"{image.width}×{image.height}"))
        await self.mount(image_class()(image, classes="media-picture"))

    def failed(self, reason: str) -> None:
        self.state = "failed"
        self._caption.update(self._caption_text(f"not shown: {reason}"))


def _outputs(view: ToolView) -> list[dict[str, Any]]:
    outputs: Any = (view.metadata or {}).get("outputs")
    if not isinstance(outputs, list):
        outputs = view.arguments.get("outputs")
    return [o for o in outputs if isinstance(o, dict)] if isinstance(outputs, list) else []


def is_show_call(view: ToolView) -> bool:
    return view.name.lower() in SHOW_TOOLS


class ShowPanel(ToolCallPanel):
    """A `Show` call: what it shows, under the header, once it ran (images as pictures)."""

    DEFAULT_CSS = """
    ShowPanel > .show-outputs { height: auto; margin: 0 0 0 2; }
    ShowPanel > .show-outputs > .show-line { height: 1; margin: 0 0 0 2; }
    """

    def __init__(self, view: ToolView) -> None:
        self._outputs_box = Vertical(classes="show-outputs")
        self._shown_for: tuple[str, ...] | None = None
        super().__init__(view)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._outputs_box
        yield self._body
        yield self._more

    def on_mount(self) -> None:
        self.call_later(self._sync_outputs)  # (not mounted yet while this handler runs)

    def update_view(self, view: ToolView) -> None:
        super().update_view(view)
        self._sync_outputs()

    def _sync_outputs(self) -> None:
        if not self.is_mounted or self.view.status != "ok":
            return
        outputs = _outputs(self.view)
        key = tuple(str(o.get("url") or o.get("path") or "") for o in outputs)
        if key == self._shown_for:
            return
        self._shown_for = key
        widgets: list[Widget] = []
        for output in outputs:
            title = str(output.get("title") or output.get("name") or "")
            ref = file_ref(str(output.get("url") or ""), title)
            if output.get("type") == "image" and ref is not None:
                widgets.append(MediaPreview(ref))
            else:
                line = Text("▣ ", "dim")
                line.append(clean(str(output.get("type") or "file")), "dim")
                line.append(" ")
                line.append(clean(title), "bold")
                where = output.get("name") or output.get("url") or output.get("path")
                if where:
                    line.append(f" · {clean(str(where))}", "dim")
                widgets.append(Static(line, classes="show-line"))
        self._outputs_box.remove_children()
        self._outputs_box.mount_all(widgets)
