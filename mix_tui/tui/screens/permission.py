"""The permission prompt: what a tool wants to do, answered with one key before the server gives up.

Shows the tool, its description, the exact command / path / URL, a coloured diff for file edits and
any other parameters, counts down the server's timeout, and rings the bell when it appears. Every
value comes from the model or the server: it enters `Text` objects as plain strings, cleaned of
control characters, never as markup.

The prompt can pop up while the user is typing in the composer, so for a moment after it opens the
answer keys are ignored (a stray "a" must not allow a command nobody has read); a swallowed key
brings a one-line hint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Static

from mix_tui.protocol.events import Permission
from mix_tui.tui.screens.countdown_modal import CountdownModal
from mix_tui.tui.session.permissions import Decision, Rule
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.tool_render import diff_text

# button ids -> the answer they give
_BUTTONS: dict[str, Decision] = {"allow_once": "once", "allow_session": "session", "deny": "deny"}
GRACE_HINT = "keys are ignored for a moment — press again"
GRACE_HINT_SECONDS = 2.5
# a, s, d and Esc answer; Enter answers through a focused button
_ANSWER_KEYS = frozenset({"a", "s", "d", "escape", "enter"})
MAX_PARAM_CHARS = 400
BOX_SHARE = 0.9  # of the screen's height (permission.tcss: max-height 90%)
MIN_BODY_ROWS, MAX_BODY_ROWS = 3, 24
# parameters shown in their own block, so not repeated in the key: value list
_SHOWN = {"command", "diff", "file_path", "path", "url"}


def format_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = clean(text)
    return text if len(text) <= MAX_PARAM_CHARS else text[: MAX_PARAM_CHARS - 1] + "…"


class PermissionScreen(CountdownModal[Decision]):
    """Dismisses with "once", "session", "deny", or None (expired / answered elsewhere).

    `rule` is what "allow for this session" would cover; without one (a path outside the working
    directory) the prompt offers "allow once" only."""

    CSS_PATH = Path(__file__).with_name("permission.tcss")  # absolute: subclasses live elsewhere
    COUNTDOWN_ID = "permission-countdown"
    AUTO_FOCUS = "#permission-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "answer('once')", "Allow once"),
        Binding("s", "answer('session')", "Allow for this session"),
        Binding("d", "answer('deny')", "Deny"),
        Binding("escape", "answer('deny')", "Deny", show=False),
    ]

    def __init__(
        self, permission: Permission, *, timeout: float, received_at: float, rule: Rule | None
    ) -> None:
        super().__init__(deadline=received_at + timeout)
        self.permission = permission
        self.rule = rule
        self.timeout = timeout
        self.received_at = received_at
        self._hint_timer: Timer | None = None

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        permission = self.permission
        params = permission.params or {}
        with Vertical(id="permission-box") as box:
            box.border_title = "Permission needed"
            yield Static(self._headline(), id="permission-headline")
            with VerticalScroll(id="permission-body"):
                command = params.get("command")
                if isinstance(command, str) and command:
                    yield Static(Text("$ ") + Text(clean(command)), id="permission-command")
                target = self._target(params)
                if target is not None:
                    yield Static(target, id="permission-target")
                diff = params.get("diff")
                if isinstance(diff, str) and diff.strip():
                    yield Static(diff_text(clean(diff).splitlines()), id="permission-diff")
                others = self._other_params(params)
                if others.plain:
                    yield Static(others, id="permission-params")
            yield Static(self._scope_text(self.rule), id="permission-scope")
            yield Static(id="permission-note")
            yield Static(Text(GRACE_HINT), id="permission-hint")
            with Horizontal(id="permission-actions"):
                yield Button(Text("Allow once (a)"), id="allow_once", variant="success")
                if self.rule is not None:
                    yield Button(Text("Allow session (s)"), id="allow_session", variant="primary")
                yield Button(Text("Deny (d)"), id="deny", variant="error")
                yield Static(self.countdown_text(self.seconds_left()), id="permission-countdown")

    def _headline(self) -> Text:
        permission = self.permission
        text = Text()
        text.append(clean(permission.tool_name) or "A tool", style="bold")
        text.append(" wants permission")
        if permission.is_subagent:
            text.append(" (asked by a subagent)", style="dim")
        description = clean(permission.description.strip())
        if description:
            text.append("\n")
            text.append(description)
        action = clean(permission.action.strip())
        # an action the description already says ("edit" for "Edit file: …") adds nothing
        if action and action.lower() not in description.lower():
            text.append("\naction: ", style="dim")
            text.append(action)
        return text

    def _target(self, params: dict[str, Any]) -> Text | None:
        text = Text()
        for key, label in (("file_path", "file"), ("path", "path"), ("url", "url")):
            value = params.get(key)
            if isinstance(value, str) and value:
                if text:
                    text.append("\n")
                text.append(f"{label}: ", style="dim")
                text.append(clean(value), style="bold")
        directory = (self.permission.path or "").strip()
        if directory and directory not in {params.get("file_path"), params.get("path")}:
            if text:
                text.append("\n")
            text.append("in: ", style="dim")
            text.append(clean(directory))
        return text if text else None

    @staticmethod
    def _scope_text(rule: Rule | None) -> Text:
        """Say exactly what "allow for this session" covers (a Bash rule: this command line only);
        on its own line, so the buttons fit in 80 columns."""
        if rule is None:
            return Text("Outside the working directory: this can only be allowed once.", "dim italic")
        text = Text("s allows for this session: ", "dim")
        text.append(clean(rule.label))
        return text

    def _other_params(self, params: dict[str, Any]) -> Text:
        text = Text()
        for key, value in params.items():
            if key in _SHOWN or value is None or value == "":
                continue
            if text:
                text.append("\n")
            if key == "timeout" and isinstance(value, int | float) and "command" in params:
                # Bash's own run limit, in ms: not to be confused with the prompt's countdown
                text.append("command time limit: ", style="dim")
                text.append(f"{value / 1000:g} s")
                continue
            text.append(f"{clean(str(key))}: ", style="dim")
            text.append(format_value(value))
        return text

    # ---- countdown ----------------------------------------------------------------------------

    def countdown_text(self, seconds_left: int) -> Text:
        return Text(f"denies in {seconds_left}s", style="bold red" if seconds_left <= 5 else "dim")

    def on_mount(self) -> None:
        self.start_countdown()
        self.call_after_refresh(self._fit_body)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fit_body)

    def _fit_body(self) -> None:
        """The command, diff and parameters scroll; the answer buttons and the countdown always stay
        on screen (an 8-line diff at 80×24 pushed them off)."""
        box = self.query_one("#permission-box")
        body = self.query_one("#permission-body")
        room = int(self.size.height * BOX_SHARE) - box.styles.gutter.height
        # margins counted whole (Textual collapses neighbouring ones): at worst a row to spare
        others = sum(
            w.outer_size.height + w.styles.margin.height for w in box.children if w is not body and w.display
        )
        body.styles.max_height = max(MIN_BODY_ROWS, min(MAX_BODY_ROWS, room - others))

    # ---- answers ------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        # runs before the bindings (the app checks them once the key has bubbled up to it), so
        # stopping the key here keeps a/s/d/Esc and a focused button's Enter from answering
        if event.key not in _ANSWER_KEYS or self.answered:
            return
        if not self.accepting_keys:
            event.stop()
            event.prevent_default()
            self._flash_hint()

    def _flash_hint(self) -> None:
        self.add_class("-grace-hint")
        if self._hint_timer is not None:
            self._hint_timer.stop()
        self._hint_timer = self.set_timer(GRACE_HINT_SECONDS, lambda: self.remove_class("-grace-hint"))

    def action_answer(self, answer: str) -> None:
        if answer == "session" and self.rule is None:
            return  # not offered for this prompt
        if answer in ("once", "session", "deny"):
            self.answer_with(answer)  # type: ignore[arg-type]  # checked just above

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        decision = _BUTTONS.get(event.button.id or "")
        if decision is not None:
            self.action_answer(decision)

    def show_resolved(self, note: str) -> None:
        self.query_one("#permission-note", Static).update(Text(clean(note)))
        self.add_class("-resolved")
        for button in self.query(Button):
            button.disabled = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # once answered (or resolved elsewhere) the keys do nothing
        return False if action == "answer" and self.answered else True
