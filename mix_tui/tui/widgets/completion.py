"""A completion list that opens above the composer while a token is typed (`/` commands; other
sources can feed it too). It never takes the focus: the composer hands it the keys it wants first
(`take_key`): ↑/↓ pick, Tab or Enter take the pick, Esc closes. A click takes a pick as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mix_tui.tui.widgets.safe_text import clean

Via = Literal["tab", "enter", "click"]


@dataclass(frozen=True, slots=True)
class Candidate:
    insert: str  # what replaces the typed token ("/model ")
    label: str  # what the list shows first ("/model")
    help: str = ""  # one line after it


class CompletionList(OptionList, can_focus=False):
    DEFAULT_CSS = """
    CompletionList {
        height: auto;
        max-height: 8;
        margin: 0 1;
        border: round $accent 60%;
        background: $surface;
        padding: 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    @dataclass
    class Chosen(Message):
        candidate: Candidate
        via: Via

    def __init__(self, *, id: str | None = "completion") -> None:
        super().__init__(id=id)
        self.candidates: list[Candidate] = []

    def on_mount(self) -> None:
        self.display = False

    @property
    def is_open(self) -> bool:
        return self.display and bool(self.candidates)

    def show(self, candidates: Sequence[Candidate]) -> None:
        if not candidates:
            self.hide()
            return
        picked = self.picked
        self.candidates = list(candidates)
        width = max(len(c.label) for c in self.candidates)
        self.set_options(Option(_row(c, width)) for c in self.candidates)
        keep = next((i for i, c in enumerate(self.candidates) if picked is not None and c == picked), 0)
        self.highlighted = keep
        self.display = True

    def hide(self) -> None:
        self.display = False
        self.candidates = []
        self.clear_options()

    @property
    def picked(self) -> Candidate | None:
        index = self.highlighted
        if not self.candidates or index is None or not 0 <= index < len(self.candidates):
            return None
        return self.candidates[index]

    def take_key(self, key: str) -> bool:
        """The composer's keys while the list is open; True when the list took the key."""
        if not self.is_open:
            return False
        if key in ("up", "down"):
            count = len(self.candidates)
            step = -1 if key == "up" else 1
            self.highlighted = ((self.highlighted or 0) + step) % count
            return True
        if key in ("tab", "enter"):
            picked = self.picked
            if picked is not None:
                self.post_message(self.Chosen(picked, "tab" if key == "tab" else "enter"))
            return True
        if key == "escape":
            self.hide()
            return True
        return False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.candidates):
            self.post_message(self.Chosen(self.candidates[event.option_index], "click"))


def _row(candidate: Candidate, width: int) -> Text:
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(clean(candidate.label).ljust(width), "bold")
    if candidate.help:
        row.append("  ")
        row.append(clean(candidate.help), "dim")
    return row
