"""One prompt or one assistant turn in the transcript.

`AssistantMessage.sync(item)` brings the widget up to date with an `AssistantItem` incrementally:
parts that did not change are left alone, answer text only ever appends to the part's own
`MarkdownStream` (one per stored assistant message), and a part whose text was rewritten (history
differs from the live preview) is re-rendered alone. So a token never re-renders a whole message.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from mix_tui.tui.session.attachments import Attachment, split_attachments
from mix_tui.tui.session.items import (
    AssistantItem,
    NoteItem,
    Part,
    TextView,
    ThinkingView,
    ToolView,
    UserItem,
)
from mix_tui.tui.widgets.answer import AnswerMarkdown
from mix_tui.tui.widgets.media import MediaPreview, MediaRef, ShowPanel, is_show_call
from mix_tui.tui.widgets.plan import PlanPanel, is_plan_call
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.subagent import SubagentPanel, is_subagent_call
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel
from mix_tui.tui.widgets.usage_footer import UsageFooter


class UserMessage(Vertical):
    """A prompt: the text as typed, then what was attached (`@path`: images shown as pictures)."""

    DEFAULT_CSS = """
    UserMessage {
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        background: $boost;
        border-left: tall $primary;
    }
    UserMessage > .user-text { height: auto; }
    UserMessage > .user-attachment { height: 1; color: $text-muted; }
    """

    def __init__(self, item: UserItem) -> None:
        super().__init__(classes="user-message")
        self.key = item.key
        self.text = item.text
        self.session_id = item.session_id
        typed, self.attachments = split_attachments(item.text)
        self._text = Static(self._render_text(typed), classes="user-text")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._text
        for attachment in self.attachments:
            yield Static(_attachment_line(attachment), classes="user-attachment")
            if attachment.is_image and self.session_id:
                yield MediaPreview(MediaRef(self.session_id, attachment.name, attachment.path))

    @staticmethod
    def _render_text(text: str) -> Text:
        # a user's text is data, never markup
        rendered = Text("› ", "bold")
        rendered.append(clean(text).replace("\n", "\n  "))  # continuation lines under the text
        return rendered

    async def sync(self, item: UserItem) -> None:
        if item.text != self.text:
            self.text = item.text
            typed, attachments = split_attachments(item.text)
            self._text.update(self._render_text(typed))
            if attachments != self.attachments or item.session_id != self.session_id:
                self.attachments, self.session_id = attachments, item.session_id
                await self.remove_children([w for w in self.children if w is not self._text])
                await self.recompose_attachments()

    async def recompose_attachments(self) -> None:
        widgets: list[Widget] = []
        for attachment in self.attachments:
            widgets.append(Static(_attachment_line(attachment), classes="user-attachment"))
            if attachment.is_image and self.session_id:
                widgets.append(MediaPreview(MediaRef(self.session_id, attachment.name, attachment.path)))
        if widgets:
            await self.mount_all(widgets)


def _attachment_line(attachment: Attachment) -> Text:
    text = Text("📎 ", "dim")
    text.append(clean(attachment.path))
    text.append(f" · {_size(attachment.size)}", "dim")
    return text


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


class NoteMessage(Static):
    """A note of this client in the transcript: a command's answer, in a quiet box."""

    DEFAULT_CSS = """
    NoteMessage {
        height: auto;
        margin: 1 2 0 2;
        padding: 0 1;
        color: $text-muted;
        border-left: outer $secondary 60%;
    }
    """

    def __init__(self, item: NoteItem) -> None:
        super().__init__(self._render_note(item), classes="note")
        self.key = item.key
        self.text = item.text

    @staticmethod
    def _render_note(item: NoteItem) -> Text:
        text = Text()
        if item.title:
            text.append(clean(item.title), "bold")
            text.append("\n")
        text.append(clean(item.text))
        return text

    async def sync(self, item: NoteItem) -> None:
        if item.text != self.text:
            self.text = item.text
            self.update(self._render_note(item))


class AssistantMessage(Vertical):
    DEFAULT_CSS = """
    AssistantMessage {
        height: auto;
        margin: 1 0 0 0;
    }
    AssistantMessage > .turn-status {
        height: auto;
        padding: 0 1 0 2;
    }
    """

    def __init__(self, item: AssistantItem) -> None:
        super().__init__(classes="assistant-message")
        self.key = item.key
        self._initial = item
        self.live = item.live
        self._parts: list[Widget] = []
        self._status: Static | None = None
        self._footer: UsageFooter | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        self._parts = [_part_widget(part, live=self._initial.live) for part in self._initial.parts]
        yield from self._parts
        status = _status_text(self._initial)
        self._status = Static(status, classes="turn-status")
        self._status.display = bool(status.plain)
        yield self._status
        self._footer = UsageFooter(self._initial)
        yield self._footer

    async def sync(self, item: AssistantItem) -> None:
        self.live = item.live
        if not self.is_mounted:
            # not composed yet (or just let go): compose builds from the newest item
            self._initial = item
            return
        keep = 0
        for widget, part in zip(self._parts, item.parts, strict=False):
            if not _matches(widget, part):
                break
            await _update_part(widget, part, live=item.live)
            keep += 1
        stale = self._parts[keep:]
        if stale:
            await self.remove_children(stale)
        fresh = [_part_widget(part, live=item.live) for part in item.parts[keep:]]
        self._parts = self._parts[:keep] + fresh
        if fresh:
            await self.mount_all(fresh, before=self._status)
        if self._status is not None:
            status = _status_text(item)
            if status != self._status.content:  # an update lays the whole screen out again
                self._status.update(status)
                self._status.display = bool(status.plain)
        if self._footer is not None:
            self._footer.show(item)

    async def finish(self) -> None:
        for widget in self._parts:
            if isinstance(widget, AnswerMarkdown):
                await widget.finish()

    def markdown_source(self) -> str:
        """The answer as raw markdown (all text parts)."""
        return "\n\n".join(w.written for w in self._parts if isinstance(w, AnswerMarkdown))


def _part_widget(part: Part, *, live: bool) -> Widget:
    if isinstance(part, TextView):
        return AnswerMarkdown(part.text, live=live)
    if isinstance(part, ThinkingView):
        return ThinkingPanel(part)
    panel = _part_class(part)
    if panel is SubagentPanel:
        return SubagentPanel(part, parts=_PARTS)
    return panel(part)


def _matches(widget: Widget, part: Part) -> bool:
    if isinstance(part, TextView):
        return isinstance(widget, AnswerMarkdown)
    if isinstance(part, ThinkingView):
        return isinstance(widget, ThinkingPanel)
    if not isinstance(widget, ToolCallPanel) or widget.view.id != part.id:
        return False
    # (children may come later; a name may too)
    return type(widget) is _part_class(part)


def _part_class(part: ToolView) -> type[ToolCallPanel]:
    if is_subagent_call(part):
        return SubagentPanel
    if is_plan_call(part):
        return PlanPanel
    return ShowPanel if is_show_call(part) else ToolCallPanel


async def _update_part(widget: Widget, part: Part, *, live: bool) -> None:
    if isinstance(widget, AnswerMarkdown) and isinstance(part, TextView):
        await widget.set_text(part.text, live=live)
    elif isinstance(widget, ThinkingPanel) and isinstance(part, ThinkingView):
        widget.update_view(part)
    elif isinstance(widget, ToolCallPanel) and isinstance(part, ToolView):
        widget.update_view(part)
        if isinstance(widget, SubagentPanel):
            await widget.sync_children()


class _Parts:
    """The part widgets of a message, handed to sub-agent panels for their nested parts."""

    def make(self, part: Part, *, live: bool) -> Widget:
        return _part_widget(part, live=live)

    def matches(self, widget: Widget, part: Part) -> bool:
        return _matches(widget, part)

    async def update(self, widget: Widget, part: Part, *, live: bool) -> None:
        await _update_part(widget, part, live=live)


_PARTS = _Parts()


def _status_text(item: AssistantItem) -> Text:
    if item.interrupted:
        return Text(f"⚠ {clean(item.error or 'interrupted')}", "yellow")
    if item.error:
        return Text(f"✗ {clean(item.error)}", "red")
    if item.notice:
        return Text(f"↻ {clean(item.notice)}", "yellow")
    if item.live and not item.parts:
        return Text("● working…", "dim italic")
    return Text("")
