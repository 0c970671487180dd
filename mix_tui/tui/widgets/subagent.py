"""A Task call's panel: the sub-agent's own run nested inside it, with a live status line.

Collapsed, it is the tool header plus one line saying what the sub-agent is doing now (thinking,
which tool runs, a prompt waiting for the user) and how far it got. Expanded, the sub-agent's parts
are real panels below the prompt — its thinking, its tool calls (each expandable, nested Task calls
nested again) and its answer — kept in step with the live run part by part, like a message. The
part widgets come from the caller (`PartWidgets`), so this module needs no import of the message
module that uses it. Children are only mounted while expanded: a collapsed panel stays cheap.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from mix_tui.tui.session.items import Part, TextView, ThinkingView, ToolView
from mix_tui.tui.widgets import tool_render as render
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.tool_call import ToolCallPanel

SUBAGENT_TOOLS = frozenset({"task"})  # CoreToolName "Task"; Go's older servers spell it "task"


def is_subagent_call(view: ToolView) -> bool:
    return view.name.lower() in SUBAGENT_TOOLS or bool(view.children)


class PartWidgets(Protocol):
    """How the transcript builds and updates the widget of one part (text, thinking, tool call)."""

    def make(self, part: Part, *, live: bool) -> Widget: ...

    def matches(self, widget: Widget, part: Part) -> bool: ...

    async def update(self, widget: Widget, part: Part, *, live: bool) -> None: ...


def _walk(parts: list[Part]) -> list[Part]:
    """Every part of a run, nested sub-agent parts included, in order."""
    found: list[Part] = []
    for part in parts:
        found.append(part)
        if isinstance(part, ToolView) and part.children:
            found.extend(_walk(part.children))
    return found


def waiting_child(view: ToolView) -> ToolView | None:
    """A tool of the sub-agent (at any depth) waiting for a permission answer."""
    return next(
        (p for p in _walk(view.children) if isinstance(p, ToolView) and p.status == "awaiting_permission"), None
    )


def activity_text(view: ToolView) -> Text:
    """`↳ 3 tools · now: ● Bash · ls` — what the sub-agent is doing, or how it ended."""
    parts = _walk(view.children)
    tools = [p for p in parts if isinstance(p, ToolView)]
    text = Text("↳ ", "dim", no_wrap=True, overflow="ellipsis")
    if not parts:
        text.append("sub-agent starting…" if not view.finished else "no sub-agent steps were reported", "dim italic")
        return text
    counts = f"{len(tools)} tool{'s' if len(tools) != 1 else ''}"
    text.append(counts, "dim")
    waiting = waiting_child(view)
    if waiting is not None:
        text.append(" · ", "dim")
        text.append("? ", "bold magenta")
        text.append(clean(waiting.name) or "tool", "bold")
        text.append(" awaiting permission", "bold magenta")
        return text
    if view.finished:
        text.append(" · ", "dim")
        text.append("finished" if view.status == "ok" else render.header_text(view, expanded=False, elapsed=None)
                    .plain.split(" · ")[1], "dim")  # fmt: skip
        return text
    last = parts[-1]
    text.append(" · now: ", "dim")
    if isinstance(last, ToolView) and not last.finished:
        text.append_text(render.header_text(last, expanded=False, elapsed=None)[4:])
    elif isinstance(last, ThinkingView) and last.started_at is not None:
        text.append("thinking…", "italic")
    elif isinstance(last, TextView):
        line = clean(last.text.strip().splitlines()[-1]) if last.text.strip() else ""
        text.append("writing: ", "dim")
        text.append(line)
    else:
        text.append("working…", "dim italic")
    return text


class SubagentPanel(ToolCallPanel):
    DEFAULT_CSS = """
    SubagentPanel > .subagent-activity { height: 1; margin: 0 0 0 4; }
    SubagentPanel > .subagent-parts {
        height: auto;
        margin: 0 0 0 2;
        padding: 0 0 0 1;
        border-left: tall $accent 40%;
    }
    SubagentPanel.-waiting > .subagent-activity { background: $warning 15%; }
    """

    def __init__(self, view: ToolView, *, parts: PartWidgets, expanded: bool = False) -> None:
        self._factory = parts
        self._activity = Static(activity_text(view), classes="subagent-activity")
        self._children_box = Vertical(classes="subagent-parts")
        self._child_widgets: list[Widget] = []
        self._syncing = asyncio.Lock()  # an update and an expand may sync at once: one at a time
        super().__init__(view, expanded=expanded)

    LIST_CHILDREN = False  # nested as panels, not listed

    def _shows_result(self) -> bool:
        # the sub-agent's answer is the result: shown nested when its parts are, else here
        return not any(isinstance(p, TextView) for p in self.view.children)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._activity
        yield self._body
        yield self._children_box
        yield self._more

    def on_mount(self) -> None:
        # (Textual runs ToolCallPanel.on_mount too: every class's handler in the MRO)
        self.set_class(self.expanded, "-expanded")
        self.call_later(self.sync_children)

    def header_text(self) -> Text:
        text = super().header_text()
        self.set_class(self.view.status == "awaiting_permission" or waiting_child(self.view) is not None, "-waiting")
        return text

    def update_view(self, view: ToolView) -> None:
        super().update_view(view)
        self._activity.update(activity_text(view))
        self.set_class(waiting_child(view) is not None or view.status == "awaiting_permission", "-waiting")

    def _render_body(self) -> None:
        super()._render_body()
        self._children_box.display = self.expanded and bool(self.view.children)

    @property
    def child_widgets(self) -> list[Widget]:
        return list(self._child_widgets)

    async def sync_children(self) -> None:
        """Bring the nested parts in line with the view (only while expanded)."""
        async with self._syncing:
            await self._sync_children()

    async def _sync_children(self) -> None:
        if not self.expanded or not self.is_mounted:
            self._children_box.display = False
            return
        parts = self.view.children
        live = not self.view.finished
        keep = 0
        for widget, part in zip(self._child_widgets, parts, strict=False):
            if not self._factory.matches(widget, part):
                break
            await self._factory.update(widget, part, live=live)
            keep += 1
        stale = self._child_widgets[keep:]
        if stale:
            await self._children_box.remove_children(stale)
        fresh = [self._factory.make(part, live=live) for part in parts[keep:]]
        self._child_widgets = self._child_widgets[:keep] + fresh
        if fresh:
            await self._children_box.mount_all(fresh)
        self._children_box.display = bool(parts)

    def action_toggle_panel(self) -> None:
        super().action_toggle_panel()
        self.call_later(self.sync_children)

    def action_more(self) -> None:
        super().action_more()
        self.call_later(self.sync_children)
