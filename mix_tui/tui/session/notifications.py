"""Notifications of one session: each an `asyncio.Future` the UI resolves, like permission prompts.

A `notification` event (mix-contract §4.4) opens a `NotificationRequest`; the dialog resolves its
future with the user's `Reply` (acknowledge, free text, or one of the offered choices), or with None
when it stopped mattering (its countdown ran out, the turn ended, the session closed). One coroutine
per request awaits it and answers the server (`client.notifications.respond`); a 404 means another
client answered first or the server gave up, and is said once. A notification the server sends again
(a reconnect re-sends pending ones) is not opened twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mix_tui.protocol.events import Notification
from mix_tui.sdk.errors import MixError, NotFoundError

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

ReplyType = Literal["acknowledge", "text", "choice"]
DEFAULT_TIMEOUT = 60.0  # seconds shown when a server sends no timeout


@dataclass(frozen=True, slots=True)
class Reply:
    type: ReplyType
    value: str | None = None


@dataclass(eq=False)
class NotificationRequest:
    session_id: str
    notification: Notification
    received_at: float  # monotonic
    answer: asyncio.Future[Reply | None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    note: str = ""  # why it closed without an answer

    @property
    def id(self) -> str:
        return self.notification.id

    @property
    def open(self) -> bool:
        return not self.answer.done()

    @property
    def timeout(self) -> float:
        return float(self.notification.timeout) if self.notification.timeout > 0 else DEFAULT_TIMEOUT

    @property
    def deadline(self) -> float:
        return self.received_at + self.timeout

    def decide(self, reply: Reply | None) -> bool:
        """The user's answer (None: dismissed, or the countdown ran out on screen)."""
        if self.answer.done():
            return False
        if reply is None and not self.note:
            self.note = "not answered"
        self.answer.set_result(reply)
        return True

    def close(self, note: str) -> bool:
        if self.answer.done():
            return False
        self.note = note
        self.answer.set_result(None)
        return True


Spawn = Callable[[Coroutine[Any, Any, None], str], None]
Opened = Callable[[NotificationRequest], None]  # a request to show
Notice = Callable[[str], None]


class NotificationDesk:
    """The session's open notifications (oldest first) and the answers going to the server."""

    def __init__(
        self, session_id: str, client: MixClient, spawn: Spawn, *, opened: Opened, settled: Callable[[], None],
        notice: Notice,
    ) -> None:  # fmt: skip
        self.session_id = session_id
        self._client = client
        self._spawn = spawn
        self._opened = opened
        self._settled = settled  # a request was answered or closed (the sidebar's badge may go)
        self._notice = notice
        self.waiting: dict[str, NotificationRequest] = {}
        self._seen: set[str] = set()  # ids already opened (a reconnect re-sends pending ones)

    @property
    def awaiting(self) -> bool:
        return any(r.open for r in self.waiting.values())

    def oldest(self) -> NotificationRequest | None:
        open_ones = [r for r in self.waiting.values() if r.open]
        return min(open_ones, key=lambda r: r.received_at) if open_ones else None

    def receive(self, event: Notification, now: float) -> NotificationRequest | None:
        if not event.id or event.id in self._seen:
            return None
        self._seen.add(event.id)
        request = NotificationRequest(self.session_id, event, now)
        self.waiting[event.id] = request
        self._spawn(self._await_reply(request), f"notification {event.id}")
        self._opened(request)
        return request

    def close_all(self, note: str) -> list[NotificationRequest]:
        return [r for r in list(self.waiting.values()) if r.close(note)]

    async def _await_reply(self, request: NotificationRequest) -> None:
        """The one coroutine that waits for a notification's answer and gives it to the server."""
        try:
            reply = await request.answer
        finally:
            self.waiting.pop(request.id, None)
            self._settled()
        if reply is None:
            return  # nothing to say: the server's own timeout tells the agent
        try:
            await self._client.notifications.respond(request.id, reply.type, reply.value)
        except NotFoundError:
            self._notice("That notification was already answered or has expired.")
        except MixError as exc:
            self._notice(f"could not answer the notification: {exc.message}")
