"""The find bar over the composer: find in this transcript as you type, with a match counter.

Enter or ↓ goes to the next match, ↑ to the previous one, Esc closes. The bar only posts intents;
the screen finds (session/find.py) and tells the transcript what to mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class FindBar(Horizontal):
    DEFAULT_CSS = """
    FindBar {
        height: 1;
        margin: 0 1;
        display: none;
    }
    FindBar.-open {
        display: block;
    }
    FindBar > #find-label {
        width: auto;
        color: $text-muted;
        padding: 0 1 0 0;
    }
    FindBar > #find-input {
        width: 1fr;
    }
    FindBar > #find-counter {
        width: auto;
        min-width: 12;
        padding: 0 1;
        color: $text-muted;
    }
    FindBar > #find-counter.-none {
        color: $warning;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", "Next match", show=False),
        Binding("up", "step(-1)", "Previous match", show=False),
        Binding("escape", "close", "Close find", show=False),
    ]

    @dataclass(eq=False)
    class Changed(Message):
        query: str

    @dataclass(eq=False)
    class Step(Message):
        direction: int

    class Closed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Static(Text("find:"), id="find-label")
        yield Input(placeholder="text in this transcript — Enter/↓ next, ↑ previous, Esc closes", id="find-input", compact=True)
        yield Static(id="find-counter")

    @property
    def input(self) -> Input:
        return self.query_one("#find-input", Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, query: str | None = None) -> None:
        self.add_class("-open")
        if query is not None:
            self.input.value = query  # posts Changed through on_input_changed
        self.input.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    def show_counter(self, text: str, *, none: bool) -> None:
        counter = self.query_one("#find-counter", Static)
        counter.update(Text(text))
        counter.set_class(none, "-none")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))

    def action_step(self, direction: int) -> None:
        self.post_message(self.Step(direction))

    def action_close(self) -> None:
        self.close()
