"""The notification dialog: what the agent wants the user to know or answer, with its countdown.

Answered as the notification asks: OK (acknowledge), a line of text, or one of its choices (number
keys or the list). Esc closes it unanswered ("not now": the agent hears nothing until its timeout).
Every text comes from the model or the server: plain `Text`, cleaned of control characters. As with
permission prompts, the dialog can open while the user types, so keys that answer are ignored for a
moment after it opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from mix_tui.protocol.events import Notification
from mix_tui.tui.screens.countdown_modal import CountdownModal
from mix_tui.tui.session.notifications import Reply
from mix_tui.tui.widgets.safe_text import clean

_KINDS = {"info": "Notification", "warning": "Warning", "error": "Error", "question": "Question"}
MAX_CHOICES = 9  # number keys 1-9


class NotificationScreen(CountdownModal[Reply]):
    CSS_PATH = Path(__file__).with_name("notification.tcss")
    COUNTDOWN_ID = "notification-countdown"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Not now")]

    def __init__(self, notification: Notification, *, deadline: float) -> None:
        super().__init__(deadline=deadline, classes=f"-{notification.notification_type}")
        self.notification = notification
        self.kind = notification.response_type if notification.response_type in ("text", "choice") else "acknowledge"
        self.choices = [clean(c) for c in (notification.choices or [])][:MAX_CHOICES]
        if self.kind == "choice" and not self.choices:
            self.kind = "acknowledge"  # a choice with nothing to choose: it can only be seen

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
                yield Static(self.countdown_text(self.seconds_left()), id="notification-countdown")

    def on_mount(self) -> None:
        focus = {"text": "#notification-input", "choice": "#notification-choices"}.get(self.kind, "#ok")
        self.query_one(focus).focus()
        self.start_countdown()

    # ---- countdown ----------------------------------------------------------------------------

    def countdown_text(self, seconds_left: int) -> Text:
        return Text(f"expires in {seconds_left}s", style="bold red" if seconds_left <= 5 else "dim")

    def expired(self) -> None:
        self.resolve_elsewhere("no answer in time")

    # ---- answers ------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if self.answered:
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
                self.answer_with(Reply("choice", self.notification.choices[index]))  # type: ignore[index]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.answer_with(Reply("acknowledge"))
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
        self.answer_with(Reply("text", value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        self.answer_with(Reply("choice", (self.notification.choices or [])[index]))

    def action_skip(self) -> None:
        self.answer_with(None)

    def _say(self, note: str) -> None:
        label = self.query_one("#notification-note", Static)
        label.update(Text(clean(note)))
        label.display = True

    def show_resolved(self, note: str) -> None:
        self._say(note)
        for widget in self.query("Button, Input, OptionList"):
            widget.disabled = True
