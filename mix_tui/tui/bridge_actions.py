"""What the user does to a session through the bridge: create, send or queue, cancel, answer prompts.

Kept apart from the stream worker (bridge.py) so each module has one job; `Bridge` mixes this in.
Rules from the contract: the stream is connected BEFORE the first POST of a session (a Go server
buffers nothing); a 409 means a turn already runs, so the prompt waits in the queue; after a cancel
every pending prompt of the session is denied, since a tool waiting for an answer ignores it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Literal

from mix_tui.protocol.events import Error, Permission
from mix_tui.protocol.models import BackendMessage
from mix_tui.sdk.errors import ConflictError, MixError, NotFoundError, UnauthorizedError
from mix_tui.sdk.turn import ToolCallState, Turn
from mix_tui.tui.conversation import Conversation
from mix_tui.tui.messages import (
    HistoryLoaded,
    Notice,
    PermissionResolved,
    QueueChanged,
    SendFailed,
    SessionAdded,
    TurnStarted,
)

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

Decision = Literal["allow_once", "allow_session", "deny"]
CANCEL_GRACE = 3.0  # seconds to wait for the server's own end of a cancelled turn
CONNECT_TIMEOUT = 10.0


class BridgeActions:
    client: MixClient
    conversations: dict[str, Conversation]

    # provided by Bridge (bridge.py)
    def post(self, message: object) -> None:
        raise NotImplementedError

    def conversation(self, session_id: str) -> Conversation:
        raise NotImplementedError

    def ensure_stream(self, conv: Conversation) -> None:
        raise NotImplementedError

    def flush(self, session_id: str) -> None:
        raise NotImplementedError

    def _first_time(self, kind: str, session_id: str) -> bool:
        raise NotImplementedError

    async def turn_finished(self, conv: Conversation) -> None:
        raise NotImplementedError

    # ---- sessions and prompts ----------------------------------------------------------------

    async def create_session(
        self, title: str, *, provider: str | None = None, model: str | None = None
    ) -> Conversation:
        session = await self.client.sessions.create(title, provider=provider, model_id=model)
        conv = self.conversation(session.id)
        conv.session = session
        conv.history_loaded = True  # a new session has no messages to load
        self._first_time("created", session.id)
        self.post(SessionAdded(session.id, session))
        self.ensure_stream(conv)
        return conv

    async def submit(self, session_id: str, text: str) -> None:
        """Send now, or queue behind the running turn (and behind earlier queued prompts)."""
        conv = self.conversation(session_id)
        if conv.running or conv.queue:
            conv.queue.append(text)
            self.post(QueueChanged(session_id))
            return
        await self.send(conv, text)

    async def send(self, conv: Conversation, text: str) -> bool:
        sid = conv.session_id
        self.ensure_stream(conv)
        assert conv.stream is not None
        try:
            await conv.stream.wait_connected(timeout=CONNECT_TIMEOUT)
        except MixError as exc:
            self.post(SendFailed(sid, text, f"not connected: {exc.message}"))
            return False
        turn = conv.begin_turn(text)
        self.post(TurnStarted(sid, sent=True))
        self.flush(sid)
        try:
            reply = await self.client.messages.send(sid, text)
        except ConflictError:
            # another client's turn is running: ours waits for it, first in line
            conv.turn_prompt = turn.user_text
            if not turn.parts and turn.user_message_id is None:
                conv.turn = None
            conv.queue.insert(0, text)
            self.post(QueueChanged(sid))
            self.post(HistoryLoaded(sid))
            return False
        except UnauthorizedError as exc:
            self._drop_turn(conv, turn)
            self.post(SendFailed(sid, text, exc.message, unauthorized=True))
            return False
        except MixError as exc:
            self._drop_turn(conv, turn)
            self.post(SendFailed(sid, text, exc.message))
            return False
        if isinstance(reply, BackendMessage):  # a slash command was answered at once: no events follow
            self._drop_turn(conv, turn)
            self.post(Notice(sid, reply.text or "done"))
        return True

    def _drop_turn(self, conv: Conversation, turn: Turn) -> None:
        if conv.turn is turn:
            conv.turn = None
            conv.turn_prompt = None
        self.post(HistoryLoaded(conv.session_id))

    async def send_next_queued(self, conv: Conversation) -> None:
        if conv.running or not conv.queue:
            return
        text = conv.queue.pop(0)
        self.post(QueueChanged(conv.session_id))
        await self.send(conv, text)

    # ---- cancel ------------------------------------------------------------------------------

    async def cancel(self, session_id: str) -> bool:
        conv = self.conversations.get(session_id)
        if conv is None or conv.turn is None or not conv.running:
            return False
        turn = conv.turn
        try:
            await self.client.sessions.cancel(session_id)
        except MixError as exc:
            self.post(Notice(session_id, f"cancel failed: {exc.message}", "warning"))
        for permission_id in list(turn.pending_permissions):
            await self._answer_quietly(permission_id, granted=False)
            turn.resolve_permission(permission_id, False)
            if conv.waiting.pop(permission_id, None) is not None:
                self.post(PermissionResolved(session_id, permission_id, "the turn was cancelled"))
        self.flush(session_id)
        asyncio.get_running_loop().call_later(CANCEL_GRACE, self._check_cancelled, conv, turn)
        return True

    def _check_cancelled(self, conv: Conversation, turn: Turn) -> None:
        if conv.turn is turn and not turn.done:
            # the server never ended it (it may have restarted): end it here
            turn.apply(Error(error="cancelled"), time.monotonic())
            asyncio.get_running_loop().create_task(self.turn_finished(conv))

    # ---- permissions -------------------------------------------------------------------------

    async def answer(self, session_id: str, permission_id: str, decision: Decision | None) -> str | None:
        """Apply the user's answer; returns a note when it came too late. None = the prompt expired."""
        conv = self.conversation(session_id)
        pending = conv.waiting.pop(permission_id, None)
        if decision is None:
            return None  # expired: the server denies it on its own
        permission = pending.permission if pending is not None else None
        granted = decision != "deny"
        note = None
        if decision == "allow_session" and permission is not None:
            conv.allow_rules.add((permission.tool_name, permission.action))
        if not await self._answer_quietly(permission_id, granted=granted):
            note = "already answered"
            self.post(Notice(session_id, "That permission prompt was already answered or expired."))
        if conv.turn is not None:
            conv.turn.resolve_permission(permission_id, granted, time.monotonic())
        if decision == "allow_session":
            for other in list(conv.waiting.values()):
                if (other.permission.tool_name, other.permission.action) in conv.allow_rules:
                    conv.waiting.pop(other.permission.id, None)
                    await self.auto_grant(conv, other.permission)
                    self.post(PermissionResolved(session_id, other.permission.id, "allowed for this session"))
        self.flush(session_id)
        return note

    async def auto_grant(self, conv: Conversation, permission: Permission) -> None:
        """A session rule covers this prompt: grant it at once, mark the tool auto-approved."""
        if conv.turn is not None:
            call = _call_for_permission(conv.turn, permission.id)
            if call is not None:
                conv.memo.auto_approved.add(call.id)
            conv.turn.resolve_permission(permission.id, True, time.monotonic())
        await self._answer_quietly(permission.id, granted=True)

    async def _answer_quietly(self, permission_id: str, *, granted: bool) -> bool:
        """Grant or deny; False when the server no longer knows the prompt (404)."""
        try:
            if granted:
                await self.client.permissions.grant(permission_id)
            else:
                await self.client.permissions.deny(permission_id)
        except NotFoundError:
            return False
        except MixError as exc:  # the server is away; the prompt times out on its own
            self.post(Notice("", f"could not answer the prompt: {exc.message}", "warning"))
        return True


def _call_for_permission(turn: Turn, permission_id: str) -> ToolCallState | None:
    for call in turn.tool_calls.values():
        if call.permission is not None and call.permission.id == permission_id:
            return call
        if call.children is not None:
            found = _call_for_permission(call.children, permission_id)
            if found is not None:
                return found
    return None
