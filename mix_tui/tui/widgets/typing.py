"""Keys before the stream: while the user types, a streaming answer gives way to the echo.

A long answer arriving at full speed keeps the event loop busy (parsing, rendering, a repaint of the
transcript per layout: 10–30 ms on two cores). A key that lands behind that work waits for it, and
its echo waits for the next frame, which repaints the transcript too. So while keys come in:

- until a key's echo is on screen, an answer does no work and asks for no layout (`echo_pending`);
- for `QUIET_SECONDS` after the last key, an answer works in short steps and lays its growth out
  at most every `TYPING_RELAYOUT_SECONDS` (`typing`), so its repaints seldom meet a key;
- the echo itself is painted at once (widgets/paint_now.py), not at the next 60 Hz tick.

The answer catches up as soon as typing pauses; nothing it received is dropped or reordered.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from mix_tui.tui.widgets.paint_now import paint_widget_now

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.widget import Widget

QUIET_SECONDS = 0.25  # this long after the last key, the user is no longer typing
TYPING_STEP_SECONDS = 0.002  # an answer's work at a time while the user types
TYPING_RELAYOUT_SECONDS = 0.25  # an answer lays out its growth this often while the user types


class TypingPriority:
    """One per app: when the last key was typed and whether its echo is painted yet."""

    def __init__(self) -> None:
        self.last_key_at = float("-inf")
        self.echo_pending = False
        self._waiting: dict[Callable[[], None], None] = {}  # run once the echo is painted

    @property
    def typing(self) -> bool:
        return time.perf_counter() - self.last_key_at < QUIET_SECONDS

    def typed(self, widget: Widget) -> None:
        """`widget` (the composer) took a key: hold the stream until its echo is painted."""
        self.last_key_at = time.perf_counter()
        if not self.echo_pending:
            self.echo_pending = True
            widget.call_after_refresh(self.echoed)
        paint_widget_now(widget)

    def after_echo(self, resume: Callable[[], None]) -> None:
        """Call `resume` once the pending echo is painted (each caller once, in order)."""
        self._waiting[resume] = None

    def echoed(self) -> None:
        """The echo is on screen: what waited for it resumes."""
        self.echo_pending = False
        waiting, self._waiting = self._waiting, {}
        for resume in waiting:
            resume()


_priorities: WeakKeyDictionary[App[object], TypingPriority] = WeakKeyDictionary()


def typing_priority(app: App[object]) -> TypingPriority:
    priority = _priorities.get(app)
    if priority is None:
        priority = _priorities[app] = TypingPriority()
    return priority
