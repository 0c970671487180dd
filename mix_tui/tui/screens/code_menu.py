"""Pick one code block of a message: a short numbered menu (language, first line, size); a digit or
Enter picks, Esc cancels. Dismisses with the block's index or None. Code is data: cleaned."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mix_tui.tui.session.code_blocks import CodeBlock
from mix_tui.tui.widgets.safe_text import clean

FIRST_LINE = 60


def block_label(number: int, block: CodeBlock) -> Text:
    text = Text()
    text.append(f"{number:>2}  ", "bold")
    text.append(f"{clean(block.language) or 'text':<10} ", "cyan")
    first = clean(block.first_line.strip())
    text.append(first[:FIRST_LINE] + ("…" if len(first) > FIRST_LINE else ""))
    lines = block.line_count
    text.append(f"  ({lines} line{'s' if lines != 1 else ''})", "dim")
    return text


class CodeMenuScreen(ModalScreen[int | None]):
    CSS_PATH = Path(__file__).with_name("code_menu.tcss")
    AUTO_FOCUS = "#code-blocks"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, blocks: list[CodeBlock]) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self) -> ComposeResult:
        with Vertical(id="code-box") as box:
            box.border_title = "Copy a code block"
            box.border_subtitle = "1-9 or Enter copies · Esc cancels"
            options = [Option(block_label(n, b), id=str(n - 1)) for n, b in enumerate(self.blocks, 1)]
            yield OptionList(*options, id="code-blocks")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = len(self.blocks) - 1  # the last block: usually the one wanted

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.blocks):
                event.stop()
                self.dismiss(index)

    def action_cancel(self) -> None:
        self.dismiss(None)
