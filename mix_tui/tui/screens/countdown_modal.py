"""A dialog that asks the user something the server waits for, with a deadline: the permission prompt
and the agent's notifications.

What both need and must get right once: the countdown (a short tick keeps it honest when the app was
busy), answering at most once, a grace period after opening in which answer keys are ignored (the
dialog can pop up while the user is typing in the composer), and closing only when the dialog is on
top: `dismiss()` pops the top screen, so while another screen (help, say) covers it, the answer waits.
"""

from __future__ import annotations

import math
import time
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

ResultT = TypeVar("ResultT")

RESOLVED_NOTE_SECONDS = 1.5  # how long "answered elsewhere" stays readable before the dialog goes
TICK_SECONDS = 0.25


class CountdownModal(ModalScreen[ResultT], Generic[ResultT]):
    """Subclasses compose a Static with id `COUNTDOWN_ID`, call `start_countdown()` on mount, close
    with `answer_with()`, and say what expiry and a resolution elsewhere look like."""

    COUNTDOWN_ID: ClassVar[str] = "countdown"
    KEY_GRACE_SECONDS: ClassVar[float] = 0.4  # answer keys this soon after opening were meant elsewhere

    @staticmethod
    def clock() -> float:
        """The clock the deadline was read from; snapshot tests freeze it in a subclass."""
        return time.monotonic()

    def __init__(self, *, deadline: float, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.deadline = deadline
        self.answered = False
        self._ticker: Timer | None = None
        self._opened_at = time.monotonic()  # set again on mount: the grace period counts from there
        self._pending: tuple[ResultT | None] | None = None  # an answer waiting for a covering screen

    # ---- hooks --------------------------------------------------------------------------------

    def countdown_text(self, seconds_left: int) -> Text:
        raise NotImplementedError

    def expired(self) -> None:
        """The deadline passed on screen."""
        self.answer_with(None)

    def show_resolved(self, note: str) -> None:
        """Say why the dialog no longer needs an answer and make its controls inert."""
        raise NotImplementedError

    # ---- the countdown ------------------------------------------------------------------------

    def start_countdown(self) -> None:
        self._opened_at = time.monotonic()
        self.app.bell()
        self._ticker = self.set_interval(TICK_SECONDS, self._tick)
        self._tick()

    def seconds_left(self) -> int:
        return remaining_seconds(self.deadline, self.clock())

    def _tick(self) -> None:
        if self.answered:
            return
        if self.clock() >= self.deadline:
            self.expired()
            return
        self.query_one(f"#{self.COUNTDOWN_ID}", Static).update(self.countdown_text(self.seconds_left()))

    @property
    def accepting_keys(self) -> bool:
        """False during the grace period after the dialog opened."""
        return time.monotonic() - self._opened_at >= self.KEY_GRACE_SECONDS

    # ---- closing ------------------------------------------------------------------------------

    def resolve_elsewhere(self, note: str) -> None:
        """Another client answered, the tool finished, the turn ended: say so, then close."""
        if not self._stop():
            return
        self.show_resolved(note)
        # not `lambda: self.dismiss(None)`: a timer awaits what its callback returns, and awaiting
        # dismiss() from the screen's own handler is an error
        self.set_timer(RESOLVED_NOTE_SECONDS, lambda: self._finish(None))

    def answer_with(self, result: ResultT | None) -> None:
        if self._stop():
            self._finish(result)

    def _stop(self) -> bool:
        """True the first time only: an answer is given once."""
        if self.answered:
            return False
        self.answered = True
        if self._ticker is not None:
            self._ticker.stop()
        return True

    def _finish(self, result: ResultT | None) -> None:
        if self.is_attached and self.app.screen is self:
            self.dismiss(result)
        else:
            self._pending = (result,)

    def on_screen_resume(self) -> None:
        if self._pending is not None:
            (result,) = self._pending
            self._pending = None
            self.dismiss(result)


def remaining_seconds(deadline: float, now: float) -> int:
    """Whole seconds left, rounded up: "denies in 1s" until the very end."""
    return max(0, math.ceil(deadline - now))
