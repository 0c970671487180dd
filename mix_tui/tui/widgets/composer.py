"""The prompt box: Enter sends, Shift+Enter or Ctrl+J adds a line, Up/Down recall earlier prompts.

Recall only kicks in when the cursor is on the first (Up) or last (Down) visual line, so moving
around a multi-line draft still works; the draft being typed is kept and comes back after the
newest recalled prompt. Up in an empty box while prompts wait in the queue goes to them instead.
Page Up / Page Down page the transcript while the draft fits in the box.

Send and new line are bindings with ids (a keymap can move them, F1 lists them): a key bound to them
is not typed but left to the binding; with send moved elsewhere, Enter types a new line. While a
completion list is open (`/` commands, `@path`), it sees the keys first (its arrows, Tab, Enter, Esc).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

from mix_tui.tui.widgets.typing import typing_priority

PLACEHOLDER = "Ask anything — Enter sends, Shift+Enter or Ctrl+J adds a line, ↑ recalls"
_OWN_ACTIONS = frozenset({"submit", "newline"})


class KeyTaker(Protocol):
    """A list that takes the composer's keys while it shows (`/` commands, `@path` completion)."""

    def take_key(self, key: str) -> bool: ...


class Composer(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Send", show=False, id="send"),
        Binding("shift+enter,ctrl+j", "newline", "New line", show=False, id="newline"),
        Binding("up", "cursor_up", "Earlier prompt (on the first line) · the queue (when empty)", show=False),
        Binding("down", "cursor_down", "Later prompt (on the last line)", show=False),
    ]

    @dataclass(eq=False)
    class Submitted(Message):
        text: str

    @dataclass(eq=False)
    class PageWanted(Message):
        """Page Up / Page Down while the draft fits in the box: the transcript pages instead."""

        direction: int  # -1 up, +1 down

    @dataclass(eq=False)
    class QueueWanted(Message):
        """Up in an empty box while prompts are queued: the screen moves the focus to them."""

    def __init__(self, *, id: str | None = "composer") -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            compact=True,
            placeholder=PLACEHOLDER,
        )
        self._history: list[str] = []  # oldest first
        self._recall_index: int | None = None  # position in _history while recalling
        self._saved_draft = ""
        self.completer: KeyTaker | None = None  # the `@path` list: gets the keys first while it shows
        self.commands: KeyTaker | None = None  # the `/` command list, likewise
        self.queue_waiting: Callable[[], bool] = lambda: False  # prompts queued in the open session?

    # ---- prompt history ----------------------------------------------------------------------

    def set_history(self, newest_first: list[str]) -> None:
        """Prompts from the server (`messages.history()`), newest first."""
        prompts: list[str] = []
        for text in reversed(newest_first):
            if text.strip() and (not prompts or prompts[-1] != text):
                prompts.append(text)
        # keep prompts typed in this run that the server list may not have yet
        for text in self._history:
            if text not in prompts:
                prompts.append(text)
        self._history = prompts
        self._recall_index = None

    def remember(self, text: str) -> None:
        if text.strip() and (not self._history or self._history[-1] != text):
            self._history.append(text)
        self._recall_index = None

    @property
    def recalling(self) -> bool:
        """An earlier prompt is shown (Up/Down walk the history, not a completion list)."""
        return self._recall_index is not None

    @property
    def prompt_history(self) -> list[str]:
        return list(self._history)

    def show_text(self, text: str) -> None:
        """Replace the text, the cursor at its end (so typing goes after it, never in front)."""
        self.load_text(text)
        last = self.document.line_count - 1
        self.move_cursor((last, len(self.document.get_line(last))))

    def put_back(self, text: str) -> None:
        """Text given back (a refused prompt or command): ahead of whatever is typed now, editable,
        with the cursor at the end."""
        current = self.text
        self.show_text(text if not current.strip() else f"{text}\n{current}")

    def recall_older(self) -> bool:
        if not self._history:
            return False
        if self._recall_index is None:
            self._saved_draft = self.text
            self._recall_index = len(self._history)
        if self._recall_index == 0:
            return True  # already at the oldest: stay
        self._recall_index -= 1
        self.show_text(self._history[self._recall_index])
        return True

    def recall_newer(self) -> bool:
        if self._recall_index is None:
            return False
        self._recall_index += 1
        if self._recall_index >= len(self._history):
            self._recall_index = None
            self.show_text(self._saved_draft)
        else:
            self.show_text(self._history[self._recall_index])
        return True

    # ---- keys --------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        if any(taker is not None and taker.take_key(event.key) for taker in (self.completer, self.commands)):
            event.stop()
            event.prevent_default()
            return
        if not event.is_printable and self._bound_here(event.key):
            # not typed: the binding runs when the key reaches the app (bindings are checked there)
            event.prevent_default()
            return
        await super()._on_key(event)
        typing_priority(self.app).typed(self)

    def _bound_here(self, key: str) -> bool:
        """`key` is bound (keymap applied) to this box's send or new line."""
        active = self.screen.active_bindings.get(key)
        return active is not None and active.node is self and active.binding.action in _OWN_ACTIONS

    def action_submit(self) -> None:
        self.submit()

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)

    def submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.remember(text)
        self.clear()
        self.post_message(self.Submitted(text))

    def action_cursor_page_up(self) -> None:
        if self.max_scroll_y == 0:  # nothing of the draft to page to: the transcript pages
            self.post_message(self.PageWanted(-1))
        else:
            super().action_cursor_page_up()

    def action_cursor_page_down(self) -> None:
        if self.max_scroll_y == 0:
            self.post_message(self.PageWanted(1))
        else:
            super().action_cursor_page_down()

    def action_cursor_up(self, select: bool = False) -> None:
        if not select and not self.text and self._recall_index is None and self.queue_waiting():
            self.post_message(self.QueueWanted())
            return
        if not select and self.navigator.is_first_wrapped_line(self.cursor_location) and self.recall_older():
            return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if not select and self.navigator.is_last_wrapped_line(self.cursor_location) and self.recall_newer():
            return
        super().action_cursor_down(select)
