"""Keyboard focus on the chat screen (the base of `ChatEvents` / `ChatScreen`).

Typing must never be lost: a printable key that reaches the screen while no text box has the focus
(the transcript, a panel, the session list, nothing at all) goes to the composer, unless the
focused widget binds that key itself (a panel's `m`, the session list's `/`). The transcript is ONE
stop in the Tab order; its thinking and tool panels are reached with Ctrl+Up / Ctrl+Down (from
anywhere) or [ / ] (in the transcript), which move the focus from panel to panel and scroll only as
far as needed to show the panel's header.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen
from textual.widgets import Input, TextArea

from mix_tui.tui.widgets.composer import Composer
from mix_tui.tui.widgets.status import StatusLine
from mix_tui.tui.widgets.transcript import Transcript


class ChatKeys(Screen[None]):
    """Ctrl+Up / Ctrl+Down are bound by `ChatScreen` (its footer order); the actions live here."""

    # ---- the widgets ChatScreen composes -----------------------------------------------------

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def sidebar(self) -> Any:  # B's Sidebar, imported lazily by ChatScreen
        return self.query_one("#sidebar")

    # ---- keys --------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A printable key outside a text box is typed into the composer."""
        if not event.is_printable or not event.character:
            return
        composer = self.composer
        # a key that reaches the screen while the composer has the focus was sent to the widget that
        # had it before (keys in one burst are queued to the same widget): it is still the composer's
        if isinstance(self.focused, Input | TextArea) and self.focused is not composer:
            return
        if event.key in self.active_bindings:
            return  # the focused widget's own key (bindings run after this handler)
        event.stop()
        event.prevent_default()
        # at once, not `composer.focus()` (deferred): a burst like "hi⏎" (a paste, a fast typist)
        # would otherwise deliver its Enter to the widget that had the focus before
        self.set_focus(composer)
        composer.insert(event.character)

    def action_panel(self, step: int) -> None:
        """Focus the previous (-1) or next (+1) thinking / tool panel; past the last: the composer."""
        transcript = self.transcript
        panels = transcript.panels()
        if not panels:
            return
        focused = self.focused
        if focused in panels:
            index = panels.index(focused) + step
            if index >= len(panels):
                self.composer.focus()
                return
            target = panels[max(0, index)]
        else:
            target = transcript.panel_near(panels, step)
        transcript.focus_panel(target)

    def focus_composer(self) -> None:
        if not self.composer.has_focus:
            self.composer.focus()
