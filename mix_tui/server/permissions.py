"""Pending permission requests: id -> future, answered by grant/deny, a timeout, or a cancel.

The `permission` SSE event and its frame id are kept with the request so a client that reconnects
gets still-pending prompts again (replay), even after they fell out of the ring.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from typing import Literal

from mix_tui.protocol.events import Permission

Answer = Literal["granted", "denied", "timeout", "cancelled"]


@dataclass(eq=False)
class PendingRequest:
    id: str
    session_id: str
    event: Permission
    future: asyncio.Future[Answer]
    frame_id: int = 0
    # what a grant covers, as the client said (`?scope=`): recorded as the call's `permission`
    scope: str = "once"


class PermissionRegistry:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._pending: dict[str, PendingRequest] = {}

    def create(self, session_id: str, event_fields: dict[str, object]) -> PendingRequest:
        """A new request with a fresh id; the caller publishes `request.event` and sets `frame_id`."""
        request_id = str(uuid.uuid4())
        event = Permission.model_validate({"id": request_id, "session_id": session_id, **event_fields})
        request = PendingRequest(request_id, session_id, event, asyncio.get_running_loop().create_future())
        self._pending[request_id] = request
        return request

    async def wait(self, request: PendingRequest, cancelled: asyncio.Event) -> Answer:
        """Wait for an answer, the timeout, or the turn's cancellation, whichever comes first."""
        cancel_wait: asyncio.Future[object] = asyncio.ensure_future(cancelled.wait())
        waiters: set[asyncio.Future[object]] = {request.future, cancel_wait}  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(waiters, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
            if request.future in done:
                return request.future.result()
            return "cancelled" if cancel_wait in done else "timeout"
        finally:
            cancel_wait.cancel()
            self._pending.pop(request.id, None)
            if not request.future.done():
                request.future.cancel()

    def answer(self, request_id: str, granted: bool, scope: str = "once") -> bool:
        """Resolve a pending request; False when the id is unknown, answered or expired (-> 404)."""
        request = self._pending.pop(request_id, None)
        if request is None or request.future.done():
            return False
        request.scope = scope
        request.future.set_result("granted" if granted else "denied")
        return True

    def reroute(self, request_id: str, session_id: str, event: Permission) -> None:
        """A sub-agent's prompt belongs to the stream it was sent to (its root session): a client that
        reconnects there gets it again, as sent (with parentToolCallId)."""
        request = self._pending.get(request_id)
        if request is not None:
            request.session_id = session_id
            request.event = event

    def pending_for(self, session_id: str) -> list[PendingRequest]:
        return [r for r in self._pending.values() if r.session_id == session_id and not r.future.done()]

    def deny_all(self, session_id: str | None = None) -> None:
        """Resolve pending requests as denied (a cancel or a shutdown)."""
        for request in list(self._pending.values()):
            if session_id is None or request.session_id == session_id:
                with contextlib.suppress(asyncio.InvalidStateError):
                    request.future.set_result("denied")
                self._pending.pop(request.id, None)
