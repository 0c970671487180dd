"""A yes/no question in a small modal: y or Enter confirms, n or Esc cancels."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (confirmed) or False. The question is shown as plain text, never markup."""

    CSS_PATH = Path(__file__).with_name("confirm.tcss")  # absolute: subclasses live elsewhere
    AUTO_FOCUS = "#confirm-yes"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n", "cancel", "No"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, question: str | Text, *, confirm_label: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        question = self.question if isinstance(self.question, Text) else Text(self.question)
        with Vertical(id="confirm-box"):
            yield Static(question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(Text(f"{self.confirm_label} (y)"), id="confirm-yes", variant="error")
                yield Button(Text("Cancel (n)"), id="confirm-no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
