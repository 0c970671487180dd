"""What the user does to a session through the bridge: create, send or queue, cancel, answer prompts.

Kept apart from the stream worker (bridge.py) so each module has one job; `Bridge` mixes this in.
Rules from the contract: the stream is connected BEFORE the first POST of a session (a Go server
buffers nothing); a 409 means a turn already runs, so the prompt waits in the queue; after a cancel
every pending prompt of the session is denied, since a tool waiting for an answer ignores it.

A prompt is never lost and never sent twice: while the stream is away it waits in the queue and
goes out after the reconnect; a POST that breaks on the wire puts it back at the head of the queue,
and after the reconnect the stored history tells whether the server got it anyway.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Literal

import httpx

from mix_tui.protocol.events import Error, Permission
from mix_tui.protocol.models import BackendMessage
from mix_tui.sdk.errors import (
    ConflictError,
    MixConnectionError,
    MixError,
    NotFoundError,
    UnauthorizedError,
)
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
NOTICE_GRACE = 2.0  # seconds for the stream to notice the loss a failed POST ran into


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
        if conv.running or conv.queue or not conv.connected:
            conv.queue.append(text)  # offline: it goes out after the reconnect (resume_queue)
            self.post(QueueChanged(session_id))
            return
        await self.send(conv, text)

    async def send(self, conv: Conversation, text: str) -> bool:
        sid = conv.session_id
        self.ensure_stream(conv)
        stream = conv.stream
        assert stream is not None
        try:
            await stream.wait_connected(timeout=CONNECT_TIMEOUT)
        except MixError as exc:
            if stream.state == "closed":  # the stream gave up (the session is gone): no reconnect
                self.post(SendFailed(sid, text, f"not connected: {exc.message}"))
            else:
                self._requeue(conv, text, f"not connected: {exc.message}")
            return False
        stored_prompts = len(conv.user_prompts())
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
        except MixConnectionError as exc:
            self._drop_turn(conv, turn)
            await self._send_broke(conv, text, exc, stored_prompts)
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

    async def _send_broke(
        self, conv: Conversation, text: str, exc: MixConnectionError, stored_prompts: int
    ) -> None:
        """The POST failed on the wire. When the server is away (the stream notices within a
        moment) the prompt waits at the head of the queue; when only this request failed, it goes
        back to the composer: no endless automatic retries against a server that is up."""
        never_arrived = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
        if not never_arrived:
            conv.unsure[text] = stored_prompts  # resume_queue checks the history before resending
        stream = conv.stream
        deadline = time.monotonic() + NOTICE_GRACE
        # the SDK has an event for "connected" only: poll for the loss, briefly
        while stream is not None and stream.connected.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if stream is not None and not stream.connected.is_set():
            self._requeue(conv, text, exc.message)
            return
        conv.unsure.pop(text, None)
        maybe = "" if never_arrived else " (it may have reached the server: check before sending again)"
        self.post(SendFailed(conv.session_id, text, f"{exc.message}{maybe}"))

    def _requeue(self, conv: Conversation, text: str, reason: str) -> None:
        conv.queue.insert(0, text)
        self.post(QueueChanged(conv.session_id))
        self.post(Notice(conv.session_id, f"Not sent ({reason}). It is queued and goes out once the "
                         "connection is back.", "warning"))  # fmt: skip

    async def resume_queue(self, conv: Conversation) -> None:
        """After a reconnect (history just re-read): drop prompts the server got after all, send on."""
        if conv.unsure:
            arrived = conv.user_prompts()
            for text, before in list(conv.unsure.items()):
                if text in arrived[before:] and text in conv.queue:
                    conv.queue.remove(text)
                del conv.unsure[text]
            self.post(QueueChanged(conv.session_id))
        await self.send_next_queued(conv)

    async def send_next_queued(self, conv: Conversation) -> None:
        if conv.running or not conv.queue or not conv.connected:
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
