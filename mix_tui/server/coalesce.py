"""Text deltas merged before they are published, so a fast model does not flood its subscribers.

A provider streaming 1,000 tokens a second would make 1,000 `content` events a second, each framed,
fanned out and written to every stream; a client that cannot keep up is cut (broker.py). Here a
delta that arrives after a quiet `window` goes out at once (no added latency at human rates); the
ones that follow within the window are joined and go out when it ends, when `max_chars` gather, or
before any other event (order is kept: nothing overtakes buffered text).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mix_tui.protocol.events import Content, MixEvent, Thinking

DEFAULT_WINDOW = 0.04  # seconds: at most ~25 text events a second per message
MAX_CHARS = 4096


class DeltaCoalescer:
    def __init__(
        self, publish: Callable[[MixEvent], object], window: float = DEFAULT_WINDOW, max_chars: int = MAX_CHARS
    ) -> None:
        self._publish = publish
        self._window = window
        self._max_chars = max_chars
        self._loop = asyncio.get_running_loop()
        self._last_sent = -window  # the first delta is never held
        self._kind: type[Content] | type[Thinking] | None = None
        self._message_id: str | None = None
        self._parts: list[str] = []
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None

    def delta(self, kind: type[Content] | type[Thinking], text: str, message_id: str) -> None:
        if self._parts and (kind is not self._kind or message_id != self._message_id):
            self.flush()
        now = self._loop.time()
        if not self._parts and (self._window <= 0 or now - self._last_sent >= self._window):
            self._send(kind, text, message_id, now)
            return
        self._kind, self._message_id = kind, message_id
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self._max_chars:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_at(self._last_sent + self._window, self.flush)

    def event(self, event: MixEvent) -> None:
        """Any other event: what is buffered goes first."""
        self.flush()
        self._publish(event)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._parts and self._kind is not None and self._message_id is not None:
            text = "".join(self._parts)
            self._parts, self._size = [], 0
            self._send(self._kind, text, self._message_id, self._loop.time())

    def _send(self, kind: type[Content] | type[Thinking], text: str, message_id: str, now: float) -> None:
        self._last_sent = now
        self._publish(kind(content=text, assistant_message_id=message_id))
