"""Pending notifications: the agent asks the user something (or tells them) and waits for the answer.

A notification is published as the spec's `notification` event and answered with
`POST /api/notifications/{id}/respond` as acknowledge, free text or one of the offered choices. The
wait ends with the answer, the notification's own timeout (the spec leaves that case open: the agent
is told nobody answered, mix-contract §8.33) or the turn's cancel. Like permission prompts, a pending
one is sent again to a client that reconnects (its event and frame id are kept).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from mix_tui.protocol.events import MixEvent, Notification
from mix_tui.server.tools.base import Answer, AskUser, Question

RESPONSE_TYPES = ("acknowledge", "text", "choice")
NOTIFICATION_TYPES = ("info", "warning", "error", "question")


class InvalidAnswer(ValueError):
    """The answer does not fit the notification (a choice not offered, text missing)."""


@dataclass(eq=False)
class PendingNotification:
    id: str
    session_id: str
    event: Notification
    future: asyncio.Future[Answer] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    frame_id: int = 0


class NotificationRegistry:
    def __init__(self) -> None:
        self._pending: dict[str, PendingNotification] = {}

    def create(
        self, session_id: str, *, title: str, message: str, response_type: str, notification_type: str,
        timeout: int, choices: list[str] | None = None,
    ) -> PendingNotification:  # fmt: skip
        """A new notification; the caller publishes `pending.event` and sets `frame_id`."""
        nid = str(uuid.uuid4())
        event = Notification(
            id=nid, session_id=session_id, notification_type=notification_type, title=title, message=message,
            response_type=response_type, timeout=timeout, created_at=int(time.time()),
            choices=list(choices) if response_type == "choice" and choices else None,
        )  # fmt: skip
        pending = PendingNotification(nid, session_id, event)
        self._pending[nid] = pending
        return pending

    async def wait(self, pending: PendingNotification, cancelled: asyncio.Event) -> Answer | None:
        """The answer; None when the timeout passed or the turn was cancelled first."""
        cancel_wait: asyncio.Future[object] = asyncio.ensure_future(cancelled.wait())
        waiters: set[asyncio.Future[object]] = {pending.future, cancel_wait}  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=max(1, pending.event.timeout), return_when=asyncio.FIRST_COMPLETED
            )
            return pending.future.result() if pending.future in done else None
        finally:
            cancel_wait.cancel()
            self._pending.pop(pending.id, None)
            if not pending.future.done():
                pending.future.cancel()

    def respond(self, notification_id: str, reply: Answer) -> bool:
        """Resolve a pending notification; False when unknown, answered or expired (-> 404).
        Raises `InvalidAnswer` when the answer does not fit it (-> 400)."""
        pending = self._pending.get(notification_id)
        if pending is None or pending.future.done():
            return False
        event = pending.event
        if reply.type == "choice":
            if event.response_type != "choice" or reply.value not in (event.choices or []):
                offered = ", ".join(event.choices or []) or "none"
                raise InvalidAnswer(f"value must be one of the offered choices ({offered})")
        elif reply.type == "text" and event.response_type == "text" and not (reply.value or "").strip():
            raise InvalidAnswer("a text answer needs a value")
        self._pending.pop(notification_id, None)
        pending.future.set_result(reply)
        return True

    def pending_for_id(self, notification_id: str) -> bool:
        pending = self._pending.get(notification_id)
        return pending is not None and not pending.future.done()

    def reroute(self, notification_id: str, session_id: str, event: Notification) -> None:
        """A sub-agent's notification belongs to the stream it was sent to (its root session)."""
        pending = self._pending.get(notification_id)
        if pending is not None:
            pending.session_id = session_id
            pending.event = event

    def pending_for(self, session_id: str) -> list[PendingNotification]:
        return [p for p in self._pending.values() if p.session_id == session_id and not p.future.done()]


def asker(
    registry: NotificationRegistry, session_id: str, publish: Callable[[MixEvent], int], cancelled: asyncio.Event
) -> AskUser:
    """What the Notify tool calls: publish through the turn (a sub-agent's reach its root's stream)."""

    async def ask(question: Question) -> Answer | None:
        pending = registry.create(
            session_id, title=question.title, message=question.message, response_type=question.response_type,
            notification_type=question.notification_type, timeout=question.timeout, choices=question.choices,
        )  # fmt: skip
        pending.frame_id = publish(pending.event)
        return await registry.wait(pending, cancelled)

    return ask
