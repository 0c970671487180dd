"""The prompts waiting above the composer: typed while a turn runs, sent in order once it ends.

It can take the focus (Up in an empty composer): a cursor picks one prompt, Enter takes it back into
the composer to edit, Delete removes it, Esc (or Down past the last) goes back to typing. Prompts the
server holds for us (queued behind another client's turn) are shown but not editable here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from mix_tui.tui.widgets.safe_text import clean

SHOWN = 3  # prompt lines shown at most (a window around the cursor)


class QueuedPrompts(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Previous queued prompt", show=False),
        Binding("down", "move(1)", "Next queued prompt", show=False),
        Binding("enter,e", "edit", "Edit the queued prompt", id="queue_edit"),
        Binding("delete,backspace,d", "remove", "Remove the queued prompt", id="queue_remove"),
        Binding("escape", "leave", "Back to the composer", show=False),
    ]

    @dataclass
    class EditWanted(Message):
        index: int

    @dataclass
    class RemoveWanted(Message):
        index: int

    class Left(Message):
        """The focus should go back to the composer."""

    def __init__(self, *, id: str | None = "queued") -> None:
        super().__init__(id=id)
        self.prompts: list[str] = []
        self.held: list[str] = []
        self.cursor = 0
        self.waiting_for_server = False

    def on_mount(self) -> None:
        self.display = False

    def set_prompts(
        self, prompts: list[str], *, waiting_for_server: bool = False, on_server: list[str] | None = None
    ) -> None:
        """`waiting_for_server`: the session is not connected, so they wait for the reconnect;
        `on_server`: prompts the server accepted behind another client's turn (they run by themselves)."""
        self.prompts = list(prompts)
        self.held = list(on_server or [])
        self.waiting_for_server = waiting_for_server
        self.cursor = min(self.cursor, max(0, len(self.prompts) - 1))
        self.display = bool(self.prompts or self.held)
        if not self.prompts and self.has_focus:
            self.post_message(self.Left())
        self.update(self._text())

    def pick_last(self) -> None:
        self.cursor = max(0, len(self.prompts) - 1)
        self.update(self._text())

    # ---- drawing -----------------------------------------------------------------------------

    def _text(self) -> Text:
        label = "queued — will send when reconnected: " if self.waiting_for_server else "queued: "
        lines = [("queued on the server: ", "dim", p, False) for p in self.held]
        start = max(0, min(self.cursor - SHOWN + 1, len(self.prompts) - SHOWN)) if self.has_focus else 0
        shown = self.prompts[start : start + SHOWN]
        for offset, prompt in enumerate(shown):
            lines.append((label, "yellow" if self.waiting_for_server else "dim", prompt, start + offset == self.cursor))
        text = Text()
        for index, (prefix, style, prompt, picked) in enumerate(lines):
            if index:
                text.append("\n")
            first = prompt.strip().splitlines()[0] if prompt.strip() else ""
            mark = "▶ " if picked and self.has_focus else ""
            text.append(mark + prefix, style)
            text.append(clean(first), "reverse" if picked and self.has_focus else "")
        hidden = len(self.prompts) - len(shown)
        if hidden:
            text.append(f"\n… {hidden} more", "dim")
        if self.prompts:
            hint = "Enter edits · Del removes · Esc back" if self.has_focus else "↑ edits · Esc Esc clears"
            text.append(f"   {hint}", "dim italic")
        return text

    def watch_has_focus(self, focused: bool) -> None:
        super().watch_has_focus(focused)
        self.update(self._text())  # the cursor and the hint show only while focused

    # ---- keys --------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if step > 0 and self.cursor >= len(self.prompts) - 1:
            self.post_message(self.Left())
            return
        self.cursor = max(0, min(len(self.prompts) - 1, self.cursor + step))
        self.update(self._text())

    def action_edit(self) -> None:
        if self.prompts:
            self.post_message(self.EditWanted(self.cursor))

    def action_remove(self) -> None:
        if self.prompts:
            self.post_message(self.RemoveWanted(self.cursor))

    def action_leave(self) -> None:
        self.post_message(self.Left())
