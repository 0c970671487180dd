"""The dim line under a finished answer: model · tokens in/out/cache · cost · duration.

Shown once the turn is stored with its usage; the chat screen hides every footer at once with its
CSS class `-hide-usage` (a toggle; the rule is in chat.tcss, as widget CSS is scoped to the widget). Model names come from the server: they are cleaned like any data.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mix_tui.tui.session.items import AssistantItem
from mix_tui.tui.session.usage import summary
from mix_tui.tui.widgets.safe_text import clean


def footer_text(item: AssistantItem) -> Text:
    if item.live or item.usage is None:
        return Text("")
    line = summary(item.usage)
    return Text(clean(line), "dim") if line else Text("")


class UsageFooter(Static):
    DEFAULT_CSS = """
    UsageFooter {
        height: auto;
        padding: 0 1 0 2;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    UsageFooter.-empty {
        display: none;
    }
    """

    def __init__(self, item: AssistantItem) -> None:
        text = footer_text(item)
        super().__init__(text, classes="usage-footer")
        self._shown = text.plain
        self.set_class(not text.plain, "-empty")

    def show(self, item: AssistantItem) -> None:
        text = footer_text(item)
        if text.plain != self._shown:
            self._shown = text.plain
            self.update(text)
        self.set_class(not text.plain, "-empty")
