"""The model's reasoning: a collapsed one-liner ("Thinking… 3s", then "Thought for 4.2s").

Enter or a click shows the text. The live counter ticks once a second while thinking lasts; the
body is only filled while expanded, so a long hidden reasoning costs one line.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from mix_tui.tui.session.items import ThinkingView
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.tool_render import format_duration


class ThinkingHeader(Static):
    pass


class ThinkingPanel(Vertical, can_focus=True):
    DEFAULT_CSS = """
    ThinkingPanel {
        height: auto;
        padding: 0 1 0 2;
    }
    ThinkingPanel > .thinking-header { height: 1; }
    ThinkingPanel:focus > .thinking-header { background: $accent 25%; }
    ThinkingPanel > .thinking-body {
        height: auto;
        margin: 0 0 0 2;
        padding: 0 1;
        color: $text-muted;
        border-left: tall $secondary 30%;
    }
    """

    BINDINGS = [Binding("enter", "toggle_panel", "Expand", show=False)]

    def __init__(self, view: ThinkingView, *, expanded: bool = False) -> None:
        super().__init__(classes="thinking")
        self.view = view
        self.expanded = expanded
        self._ticker: Timer | None = None
        # made here, not in compose: an update may come before the panel has composed its children
        self._head = ThinkingHeader(self._header(), classes="thinking-header")
        self._body = Static(classes="thinking-body")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._body

    def on_mount(self) -> None:
        self._render_body()
        self._sync_ticker()

    def update_view(self, view: ThinkingView) -> None:
        if view == self.view:
            return
        self.view = view
        self._head.update(self._header())
        if self.expanded:
            self._render_body()
        self._sync_ticker()

    def _header(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▾ " if self.expanded else "▸ ", "dim")
        if self.view.started_at is not None:
            elapsed = max(0.0, time.monotonic() - self.view.started_at)
            text.append(f"Thinking… {elapsed:.0f}s", "italic yellow")
        elif self.view.duration is not None:
            text.append(f"Thought for {format_duration(self.view.duration)}", "italic dim")
        else:
            text.append("Thought", "italic dim")
        return text

    def _sync_ticker(self) -> None:
        live = self.view.started_at is not None
        if live and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        elif not live and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        self._head.update(self._header())

    def _render_body(self) -> None:
        body = self._body
        body.display = self.expanded
        if self.expanded:
            body.update(Text(clean(self.view.text), "italic"))

    def action_toggle_panel(self) -> None:
        self.expanded = not self.expanded
        self._head.update(self._header())
        self._render_body()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_toggle_panel()
