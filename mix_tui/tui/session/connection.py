"""The state of one session's event stream, in the one vocabulary every widget shows.

- connecting: the stream is being opened for the first time;
- connected: events flow;
- reconnecting: the connection dropped; the SDK retries (`retry_at` is its next attempt);
- offline: retries have gone on for `OFFLINE_AFTER` seconds (they continue), or the stream ended for
  good (`final`: the session is gone, or the server refused the token) — then nothing waits for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

ConnectionState: TypeAlias = Literal["connecting", "connected", "reconnecting", "offline"]

OFFLINE_AFTER = 5.0  # seconds of failed reconnects before "reconnecting" becomes "offline"


@dataclass
class Connection:
    state: ConnectionState = "connecting"
    detail: str = ""  # why it is not connected, for the status line
    retry_at: float | None = None  # monotonic time of the next reconnect attempt
    final: bool = False  # the stream ended for good: no reconnect will come
    lost_at: float | None = None  # the first loss since it was last connected
    # set while the stream is known to be down: a failed POST waits on it to learn whether the
    # whole connection broke (then the prompt is queued) or only that request
    down: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def usable(self) -> bool:
        """A prompt can go out now (or as soon as the first connect completes)."""
        return self.state in ("connecting", "connected")

    def up(self) -> bool:
        """The stream (re)connected; True when that is news."""
        changed = self.state != "connected"
        self.state, self.detail, self.retry_at, self.lost_at = "connected", "", None, None
        self.down.clear()
        return changed

    def lost(self, reason: str, retry_in: float, now: float) -> None:
        if self.lost_at is None:
            self.lost_at = now
        # the SDK retries for ever; after a while "reconnecting" would be a false hope
        self.state = "offline" if now - self.lost_at >= OFFLINE_AFTER else "reconnecting"
        self.detail = reason
        self.retry_at = now + retry_in
        self.down.set()

    def ended(self, reason: str) -> None:
        self.state, self.detail, self.retry_at, self.final = "offline", reason, None, True
        self.down.set()
