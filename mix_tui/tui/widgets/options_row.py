"""The small row above the composer that says what the next prompt is sent with (thinking level,
plan mode, max steps); hidden while nothing is set, so small terminals keep their lines."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mix_tui.tui.session.options import SendOptions

HINT = "/think /plan /steps change it"


class OptionsRow(Static):
    DEFAULT_CSS = """
    OptionsRow {
        height: 1;
        padding: 0 2;
        color: $text-muted;
    }
    OptionsRow.-plan {
        color: $warning;
    }
    """

    def __init__(self, *, id: str | None = "prompt-options") -> None:
        super().__init__(id=id)
        self.options = SendOptions()

    def on_mount(self) -> None:
        self.show(self.options)

    def show(self, options: SendOptions) -> None:
        self.options = options
        described = options.describe()
        self.display = bool(described)
        self.set_class(options.plan, "-plan")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("next prompt: ", "dim")
        text.append(described, "bold")
        text.append(f"   {HINT}", "dim italic")
        self.update(text)
