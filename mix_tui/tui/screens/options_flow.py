"""Per-prompt options from the chat: what the next prompts are sent with (/think, /plan, /steps and
the options row under the transcript).

The open session's model keeps its own; a fresh chat keeps them here until its first send creates the
session, which then takes them over. config.toml's default thinking level seeds both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mix_tui.tui.session.options import OptionError, SendOptions

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost


class OptionsFlow:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat
        self.fresh = SendOptions()  # typed before the fresh chat's session exists

    def current(self) -> SendOptions:
        opened = self.chat.open_model()
        return opened.options if opened is not None else self.fresh

    def set(self, options: SendOptions) -> None:
        """The options the open session's (or the fresh chat's) next prompts are sent with."""
        opened = self.chat.open_model()
        if opened is not None:
            opened.options = options
        else:
            self.fresh = options
        self.show()

    def show(self, options: SendOptions | None = None) -> None:
        self.chat.options_row.show(options if options is not None else self.current())

    def change(self, change: Callable[[SendOptions], SendOptions], title: str) -> None:
        """Apply a typed change; a bad argument is answered in the transcript and changes nothing."""
        try:
            options = change(self.current())
        except OptionError as exc:
            self.chat.show_note(str(exc), title=title)
            return
        self.set(options)
        self.chat.show_note(f"Next prompts: {options.describe() or 'the server decides (nothing set)'}", title=title)

    def think(self, level: str) -> None:
        self.change(lambda options: options.with_thinking(level), f"/think {level}".strip())

    def plan(self, switch: str) -> None:
        self.change(lambda options: options.with_plan(switch), f"/plan {switch}".strip())

    def steps(self, steps: str) -> None:
        self.change(lambda options: options.with_steps(steps), f"/steps {steps}".strip())

    def start_fresh(self) -> None:
        """A new chat starts from the defaults."""
        self.fresh = self.chat.hub.default_options
        self.show(self.fresh)

    def use_default(self, default: SendOptions) -> None:
        """config.toml's defaults changed: new sessions use them, and so does an untouched fresh chat."""
        hub = self.chat.hub
        if hub.default_options == default:
            return
        hub.default_options = default
        if self.chat.current is None and not self.fresh.describe():
            self.fresh = default
        self.show()
