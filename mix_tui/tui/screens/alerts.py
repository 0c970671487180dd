"""Alerts: a finished turn, a permission prompt or a notification the user is not looking at.

"Not looking" is the terminal without focus (Textual's focus reporting: `App.app_focus`) or the
session in the background. Then, as `AlertSettings` says (all on by default): the bell, a desktop
notification (OSC 9, or OSC 777 where the terminal speaks that; wrapped for tmux), a toast naming
the session, and a marker in the terminal title (OSC 2), which goes once the user has seen the
session (it is open while the terminal has focus). The escapes are ours; the session's title and
the message inside them come from a server or a model, so they are cleaned of every control
character and cut short first: no text can end our sequence early and start one of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from textual.app import App

from mix_tui.tui.widgets.safe_text import clean

APP_NAME = "mix-tui"
MAX_FIELD = 120  # characters of a title or message inside an escape


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """What an alert does (the config file's `[alerts]` maps onto these fields)."""

    bell: bool = True
    desktop: bool = True  # OSC 9 / OSC 777 desktop notification
    toast: bool = True  # a toast naming the session
    title: bool = True  # a marker in the terminal title until the session is seen


def escape_text(text: str, limit: int = MAX_FIELD) -> str:
    """Text safe inside an OSC sequence: no control character (they could end it), no `;` (the
    field separator of OSC 777), one line, cut to `limit`."""
    flat = " ".join(clean(text).split()).replace(";", ",")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def desktop_protocol(environ: Mapping[str, str]) -> str:
    """"osc777" for terminals known to speak it (VTE, urxvt, foot), else "osc9" (iTerm2, WezTerm,
    Ghostty, kitty, Windows Terminal, ...)."""
    term = environ.get("TERM", "")
    if environ.get("VTE_VERSION") or term.startswith(("rxvt", "foot")):
        return "osc777"
    return "osc9"


def desktop_sequence(title: str, body: str, protocol: str) -> str:
    if protocol == "osc777":
        return f"\x1b]777;notify;{escape_text(title)};{escape_text(body)}\x07"
    return f"\x1b]9;{escape_text(f'{title}: {body}')}\x07"


def tmux_wrapped(sequence: str) -> str:
    """A sequence tmux passes on to the outer terminal (with `allow-passthrough on`)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def title_sequence(title: str) -> str:
    return f"\x1b]2;{escape_text(title, 200)}\x07"


PUSH_TITLE = "\x1b[22;2t"  # xterm's title stack: the user's own title comes back at the end
POP_TITLE = "\x1b[23;2t"


class Alerts:
    def __init__(
        self, app: App[object], settings: AlertSettings | None = None, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self.app = app
        self.settings = settings or AlertSettings()
        self.environ = os.environ if environ is None else environ
        # where our escapes go; tests collect them (a headless app has no terminal)
        self.sink: Callable[[str], None] | None = None
        self.unseen: dict[str, str] = {}  # session id -> the latest alert's text, for the title
        self._title_pushed = False

    def _write(self, data: str) -> None:
        if self.sink is not None:
            self.sink(data)
            return
        driver = self.app._driver
        if driver is not None and not self.app.is_headless:
            driver.write(data)
            driver.flush()

    def _desktop(self, title: str, body: str) -> None:
        sequence = desktop_sequence(title, body, desktop_protocol(self.environ))
        self._write(tmux_wrapped(sequence) if self.environ.get("TMUX") else sequence)

    def alert(self, session_id: str, session_title: str, what: str, *, background: bool, bell: bool = True) -> bool:
        """Alert if the user is not looking; True when it did. `bell=False`: something on screen
        rang already (a permission prompt rings when it opens)."""
        if self.app.app_focus and not background:
            return False
        name = session_title.strip() or "a session"
        settings = self.settings
        if settings.bell and bell:
            self.app.bell()
        if settings.desktop:
            self._desktop(APP_NAME, f"{name}: {what}")
        if settings.toast:
            self.app.notify(f"{name}: {what}", title=APP_NAME, timeout=8)
        if settings.title:
            self.unseen[session_id] = f"{name}: {what}"
            self._show_title()
        return True

    def seen(self, current: str | None) -> None:
        """The open session is in view (the terminal has focus): its marker goes."""
        if current is not None and self.app.app_focus and self.unseen.pop(current, None) is not None:
            self._show_title()

    def _show_title(self) -> None:
        if not self.unseen:
            if self._title_pushed:
                self._write(title_sequence(APP_NAME) + POP_TITLE)
                self._title_pushed = False
            return
        if not self._title_pushed:
            self._write(PUSH_TITLE)
            self._title_pushed = True
        latest = next(reversed(self.unseen.values()))
        count = f"({len(self.unseen)}) " if len(self.unseen) > 1 else ""
        self._write(title_sequence(f"● {count}{APP_NAME} — {latest}"))

    def close(self) -> None:
        """Leaving: give the terminal its own title back."""
        self.unseen.clear()
        self._show_title()
