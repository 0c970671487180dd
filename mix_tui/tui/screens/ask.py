"""One line of text in a small modal (a file path, a session title): Enter accepts, Esc cancels.

Dismisses with the text (stripped) or None. The question is plain text, never markup; an empty
answer is not accepted (the box says so and stays).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class AskScreen(ModalScreen[str | None]):
    CSS_PATH = Path(__file__).with_name("ask.tcss")
    AUTO_FOCUS = "#ask-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, question: str, value: str = "", *, hint: str = "Enter accepts · Esc cancels") -> None:
        super().__init__()
        self.box_title = title
        self.question = question
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box") as box:
            box.border_title = self.box_title
            box.border_subtitle = self.hint
            yield Static(Text(self.question), id="ask-question")
            yield Input(self.value, id="ask-input")
            yield Static(id="ask-problem")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if not answer:
            self.query_one("#ask-problem", Static).update(Text("Type something first (Esc cancels).", "yellow"))
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
