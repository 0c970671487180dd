"""The notification dialog: what the agent wants the user to know or answer, with its countdown.

Answered as the notification asks: OK (acknowledge), a line of text, or one of its choices (number
keys or the list). Esc closes it unanswered ("not now": the agent hears nothing until its timeout).
Every text comes from the model or the server: plain `Text`, cleaned of control characters. As with
permission prompts, the dialog can open while the user types, so keys that answer are ignored for a
moment after it opens.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from mix_tui.protocol.events import Notification
from mix_tui.tui.session.notifications import Reply
from mix_tui.tui.widgets.safe_text import clean

KEY_GRACE_SECONDS = 0.4  # answer keys this soon after opening were meant for the composer
RESOLVED_NOTE_SECONDS = 1.5
_KINDS = {"info": "Notification", "warning": "Warning", "error": "Error", "question": "Question"}
MAX_CHOICES = 9  # number keys 1-9


class NotificationScreen(ModalScreen[Reply | None]):
    CSS_PATH = Path(__file__).with_name("notification.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Not now")]

    @staticmethod
    def clock() -> float:
        """The clock `received_at` was read from; snapshot tests freeze it in a subclass."""
        return time.monotonic()

    def __init__(self, notification: Notification, *, deadline: float) -> None:
        super().__init__(classes=f"-{notification.notification_type}")
        self.notification = notification
        self.deadline = deadline
        self.kind = notification.response_type if notification.response_type in ("text", "choice") else "acknowledge"
        self.choices = [clean(c) for c in (notification.choices or [])][:MAX_CHOICES]
        if self.kind == "choice" and not self.choices:
            self.kind = "acknowledge"  # a choice with nothing to choose: it can only be seen
        self._answered = False
        self._ticker: Timer | None = None
        self._opened_at = time.monotonic()
        self._pending: tuple[Reply | None] | None = None  # an answer waiting for a covering screen to go

    def compose(self) -> ComposeResult:
        n = self.notification
        with Vertical(id="notification-box") as box:
            box.border_title = _KINDS.get(n.notification_type, "Notification")
            if n.is_subagent:
                box.border_subtitle = "from a sub-agent"
            with VerticalScroll(id="notification-body"):
                if n.title.strip():
                    yield Static(Text(clean(n.title.strip()), "bold"), id="notification-title")
                yield Static(Text(clean(n.message.strip())), id="notification-message")
            if self.kind == "text":
                yield Input(placeholder="your answer — Enter sends", id="notification-input")
            elif self.kind == "choice":
                options = [Option(Text(f"{i}. ") + Text(choice), id=str(i - 1)) for i, choice in enumerate(self.choices, 1)]
                yield OptionList(*options, id="notification-choices")
            yield Static(id="notification-note")
            with Horizontal(id="notification-actions"):
                if self.kind == "acknowledge":
                    yield Button(Text("OK (Enter)"), id="ok", variant="primary")
                elif self.kind == "text":
                    yield Button(Text("Send (Enter)"), id="send", variant="primary")
                yield Button(Text("Not now (Esc)"), id="skip")
                yield Static(self._countdown_text(), id="notification-countdown")

    def on_mount(self) -> None:
        self._opened_at = time.monotonic()
        self.app.bell()
        focus = {"text": "#notification-input", "choice": "#notification-choices"}.get(self.kind, "#ok")
        self.query_one(focus).focus()
        self._ticker = self.set_interval(0.25, self._tick)
        self._tick()

    # ---- countdown ----------------------------------------------------------------------------

    def _countdown_text(self) -> Text:
        left = max(0, math.ceil(self.deadline - self.clock()))
        return Text(f"expires in {left}s", style="bold red" if left <= 5 else "dim")

    def _tick(self) -> None:
        if self._answered:
            return
        if self.clock() >= self.deadline:
            self.resolve_elsewhere("no answer in time")
            return
        self.query_one("#notification-countdown", Static).update(self._countdown_text())

    # ---- answers ------------------------------------------------------------------------------

    @property
    def accepting_keys(self) -> bool:
        return time.monotonic() - self._opened_at >= KEY_GRACE_SECONDS

    def on_key(self, event: events.Key) -> None:
        if self._answered:
            return
        answering = event.key in ("enter", "escape") or (self.kind == "choice" and event.key.isdigit())
        if answering and not self.accepting_keys:
            event.stop()
            event.prevent_default()
            return
        if self.kind == "choice" and event.key.isdigit() and event.key != "0":
            index = int(event.key) - 1
            if index < len(self.choices):
                event.stop()
                self._close(Reply("choice", self.notification.choices[index]))  # type: ignore[index]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._close(Reply("acknowledge"))
        elif event.button.id == "send":
            self._send_text()
        elif event.button.id == "skip":
            self.action_skip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._send_text()

    def _send_text(self) -> None:
        value = self.query_one("#notification-input", Input).value
        if not value.strip():
            self._say("type an answer first (Esc: not now)")
            return
        self._close(Reply("text", value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        self._close(Reply("choice", (self.notification.choices or [])[index]))

    def action_skip(self) -> None:
        self._close(None)

    def _say(self, note: str) -> None:
        label = self.query_one("#notification-note", Static)
        label.update(Text(clean(note)))
        label.display = True

    def resolve_elsewhere(self, note: str) -> None:
        """It stopped mattering (the turn ended, the countdown ran out): say why, then close."""
        if self._answered:
            return
        self._answered = True
        if self._ticker is not None:
            self._ticker.stop()
        self._say(note)
        for widget in self.query("Button, Input, OptionList"):
            widget.disabled = True
        self.set_timer(RESOLVED_NOTE_SECONDS, lambda: self._finish(None))

    def _close(self, reply: Reply | None) -> None:
        if self._answered:
            return
        self._answered = True
        if self._ticker is not None:
            self._ticker.stop()
        self._finish(reply)

    def _finish(self, reply: Reply | None) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss(reply)
        else:
            self._pending = (reply,)

    def on_screen_resume(self) -> None:
        pending = self._pending
        if pending is not None:
            self._pending = None
            self.dismiss(pending[0])
