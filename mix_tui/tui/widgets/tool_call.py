"""A tool call: a one-line header (tool, key argument, state, duration) that expands to the details.

Collapsed by default and cheap: two `Static`s, and the body is only built when expanded. Enter or a
click toggles it; long diffs and output are cut to a few lines with "N more lines", which `m` or a
click on that line expands.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from mix_tui.tui.session.items import ToolView
from mix_tui.tui.widgets import tool_render as render
from mix_tui.tui.widgets.safe_text import clean


class ToolHeader(Static):
    """The clickable header line."""


class MoreLines(Static):
    """ "… N more lines" — clicking it shows everything."""


class ToolCallPanel(Vertical, can_focus=True):
    DEFAULT_CSS = """
    ToolCallPanel {
        height: auto;
        padding: 0 1 0 2;
    }
    ToolCallPanel > .tool-header { height: 1; }
    ToolCallPanel.-expanded { margin: 0 0 1 0; }
    ToolCallPanel:focus > .tool-header { background: $accent 25%; }
    ToolCallPanel.-waiting > .tool-header { background: $warning 15%; }
    ToolCallPanel > .tool-body {
        height: auto;
        margin: 0 0 0 2;
        padding: 0 1;
        border-left: tall $primary 30%;
    }
    ToolCallPanel.-failed > .tool-body { border-left: tall $error 50%; }
    ToolCallPanel > .tool-more { height: 1; margin: 0 0 0 3; }
    """

    BINDINGS = [
        Binding("enter", "toggle_panel", "Expand", show=False),
        Binding("m", "more", "More lines", show=False),
    ]

    LIST_CHILDREN = True  # a subagent's steps as one-liners in the body (SubagentPanel nests them)

    def __init__(self, view: ToolView, *, expanded: bool = False) -> None:
        super().__init__(classes="tool-call")
        self.view = view
        self.expanded = expanded
        self.show_all = False
        self.body_text = Text()  # what the expanded body shows (plain Text: data, never markup)
        self._ticker: Timer | None = None
        # made here, not in compose: an update may come before the panel has composed its children
        self._head = ToolHeader(self.header_text(), classes="tool-header")
        self._body = Static(classes="tool-body")
        self._more = MoreLines(classes="tool-more")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._body
        yield self._more

    def on_mount(self) -> None:
        self._render_body()
        self._sync_ticker()

    # ---- updates -----------------------------------------------------------------------------

    def update_view(self, view: ToolView) -> None:
        changed = view != self.view
        self.view = view
        if changed:
            self._head.update(self.header_text())
            if self.expanded:
                self._render_body()
            self._sync_ticker()

    def header_text(self) -> Text:
        elapsed = None
        if self.view.status == "running" and self.view.started_at is not None:
            elapsed = max(0.0, time.monotonic() - self.view.started_at)
        self.set_class(self.view.status == "awaiting_permission", "-waiting")
        self.set_class(self.view.status in ("failed", "denied", "timed_out"), "-failed")
        return render.header_text(self.view, expanded=self.expanded, elapsed=elapsed)

    def _sync_ticker(self) -> None:
        # the running duration ticks once a second, and only while the tool runs
        if self.view.status == "running" and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        elif self.view.status != "running" and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        self._head.update(self.header_text())

    def _render_body(self) -> None:
        body, more = self._body, self._more
        body.display = self.expanded
        if not self.expanded:
            more.display = False
            return
        parts: list[Text] = [render.arguments_text(self.view)]
        hidden = 0
        if render.is_file_change(self.view):
            lines, cut = render.preview(render.diff_lines(self.view), self.show_all)
            hidden += cut
            if lines:
                parts.append(render.diff_text(lines))
        if self.view.children and self.LIST_CHILDREN:
            parts.append(_children_text(self.view))
        if self.view.result is not None and self._shows_result():
            lines, cut = render.preview(clean(self.view.result).splitlines(), self.show_all)
            hidden += cut
            parts.append(
                render.result_text(lines, self.view.is_error) if lines else Text("(no output)", "dim")
            )
        elif not self.view.finished:
            parts.append(Text("waiting for the result…", "dim"))
        self.body_text = Text("\n\n").join(parts)
        body.update(self.body_text)
        more.display = hidden > 0
        if hidden:
            more.update(Text(f"… {hidden} more lines (m)", "dim italic"))

    def _shows_result(self) -> bool:
        return True

    # ---- actions -----------------------------------------------------------------------------

    def action_toggle_panel(self) -> None:
        self.expanded = not self.expanded
        self.set_class(self.expanded, "-expanded")
        self._head.update(self.header_text())
        self._render_body()

    def action_more(self) -> None:
        if not self.expanded:
            self.expanded = True
            self.add_class("-expanded")
        self.show_all = not self.show_all
        self._head.update(self.header_text())
        self._render_body()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if isinstance(event.widget, MoreLines):
            self.action_more()
        elif isinstance(event.widget, ToolHeader):
            self.action_toggle_panel()


def _children_text(view: ToolView) -> Text:
    """A subagent's steps, one line each."""
    from mix_tui.tui.session.items import TextView, ThinkingView

    text = Text()
    for index, child in enumerate(view.children):
        if index:
            text.append("\n")
        text.append("↳ ", "dim")
        if isinstance(child, ToolView):
            text.append_text(render.header_text(child, expanded=False, elapsed=None)[2:])
        elif isinstance(child, TextView):
            first = clean(child.text.strip().splitlines()[0]) if child.text.strip() else ""
            text.append(first)
        elif isinstance(child, ThinkingView):
            text.append("thinking", "dim italic")
    return text
