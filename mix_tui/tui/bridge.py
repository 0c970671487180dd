"""The bridge between the SDK and the UI: one stream worker per open session, typed messages out.

Each open session gets a Textual worker (`exit_on_error=False`) that consumes its `SessionStream`,
folds turn events into the conversation's `Turn` (the SDK reducer is the one source of turn state)
and posts `messages.py` messages to the chat screen. Answer deltas are coalesced: a `TurnUpdated`
goes out at most `FLUSH_HZ` times a second per session, structural events (a tool starts, a prompt,
the end) at once. After a `Reconnected` marker the history is re-read; the transcript reconciles by
key, so nothing is duplicated or dropped. Sending, queueing, cancelling and answering permissions
live in `BridgeActions` (bridge_actions.py), which this class extends.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from mix_tui.protocol.events import (
    Complete,
    Connected,
    Content,
    Error,
    Heartbeat,
    Notification,
    Permission,
    SessionCreated,
    SessionDeleted,
    Thinking,
    ToolUseParameterDelta,
    Unknown,
    UserMessageCreated,
)
from mix_tui.sdk.errors import MixError, NotFoundError
from mix_tui.sdk.stream import ConnectionLost, MalformedFrame, Reconnected, StreamItem
from mix_tui.tui.bridge_actions import BridgeActions
from mix_tui.tui.conversation import Conversation, PendingPermission
from mix_tui.tui.messages import (
    ConnectionChanged,
    HistoryLoaded,
    Notice,
    PermissionRequested,
    PermissionResolved,
    QueueChanged,
    SessionAdded,
    SessionRemoved,
    SessionUpdated,
    TurnFinished,
    TurnStarted,
    TurnUpdated,
)

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from mix_tui.sdk.client import MixClient

FLUSH_HZ = 30.0
_DELTAS = (Content, Thinking, ToolUseParameterDelta)
_NOT_TURN = (Connected, Heartbeat, SessionCreated, SessionDeleted, Notification, Unknown)


class Bridge(BridgeActions):
    OFFLINE_AFTER = 5.0  # seconds of failed reconnects before "reconnecting" becomes "offline"

    def __init__(self, client: MixClient, target: DOMNode) -> None:
        self.client = client
        self.target = target  # receives the messages and owns the workers (the chat screen)
        self.conversations: dict[str, Conversation] = {}
        self._flush_at: dict[str, float] = {}
        self._flush_scheduled: set[str] = set()
        self._lifecycle_seen: set[tuple[str, str]] = set()

    def post(self, message: object) -> None:
        self.target.post_message(message)  # type: ignore[arg-type]

    # ---- sessions ----------------------------------------------------------------------------

    def conversation(self, session_id: str) -> Conversation:
        conv = self.conversations.get(session_id)
        if conv is None:
            conv = self.conversations[session_id] = Conversation(session_id)
        return conv

    async def open(self, session_id: str) -> Conversation:
        """Start streaming a session (if not yet) and load its history once."""
        conv = self.conversation(session_id)
        self.ensure_stream(conv)
        if not conv.history_loaded:
            await self.refresh(conv)
        return conv

    def ensure_stream(self, conv: Conversation) -> None:
        if conv.stream is not None:
            return
        conv.stream = self.client.stream(conv.session_id)
        self.target.run_worker(
            self._consume(conv),
            name=f"stream {conv.session_id}",
            group=f"stream-{conv.session_id}",
            exit_on_error=False,
        )

    async def refresh(self, conv: Conversation, *, keep_turn: bool | None = None) -> bool:
        """Re-read stored messages and the session. A live turn keeps showing its own state unless
        `keep_turn` is False (the turn just ended: the stored messages replace it)."""
        conv.refreshes += 1
        ticket = conv.refreshes
        try:
            messages, session = await asyncio.gather(
                self.client.messages.list(conv.session_id), self.client.sessions.get(conv.session_id)
            )
        except MixError as exc:
            self.post(Notice(conv.session_id, f"could not load the session: {exc.message}", "warning"))
            return False
        if ticket != conv.refreshes:
            return False  # a later refresh started meanwhile: its (newer) answer wins
        conv.set_history(messages, keep_turn=conv.running if keep_turn is None else keep_turn)
        conv.session = session
        self.post(HistoryLoaded(conv.session_id))
        self.post(SessionUpdated(conv.session_id, session))
        return True

    async def _reread_session(self, conv: Conversation) -> None:
        ticket = conv.refreshes
        try:
            session = await self.client.sessions.get(conv.session_id)
        except MixError:
            return  # the next refresh brings it
        if ticket == conv.refreshes:  # else a full refresh started meanwhile: its answer is newer
            conv.session = session
            self.post(SessionUpdated(conv.session_id, session))

    async def close(self) -> None:
        for conv in self.conversations.values():
            if conv.stream is not None:
                await conv.stream.aclose()

    # ---- the stream worker -------------------------------------------------------------------

    async def _consume(self, conv: Conversation) -> None:
        stream = conv.stream
        assert stream is not None
        try:
            async for item in stream:
                try:
                    await self._handle(conv, item)
                except MixError as exc:  # a REST call made while handling failed; the stream goes on
                    self.post(Notice(conv.session_id, exc.message, "warning"))
        except NotFoundError:
            # the session is gone (deleted by another client, or by a server that forgot it)
            conv.connection = "offline"
            if self._first_time("deleted", conv.session_id):
                self.post(SessionRemoved(conv.session_id))
        except MixError as exc:
            conv.connection = "offline"
            self.post(ConnectionChanged(conv.session_id, "offline", exc.message))
        except Exception as exc:  # a bug of ours: say so instead of going quiet
            conv.connection = "offline"
            self.post(ConnectionChanged(conv.session_id, "offline", f"internal error: {exc!r}"))
            self.post(Notice(conv.session_id, f"this session stopped updating: {exc!r}", "error"))
            raise
        finally:
            if conv.stream is stream:
                conv.stream = None

    async def _handle(self, conv: Conversation, item: StreamItem) -> None:
        sid = conv.session_id
        if isinstance(item, ConnectionLost):
            now = time.monotonic()
            if conv.lost_at is None:
                conv.lost_at = now
            # the stream retries for ever; after a while "reconnecting" would be a false hope
            conv.connection = "offline" if now - conv.lost_at >= self.OFFLINE_AFTER else "reconnecting"
            conv.retry_at = now + item.retry_in
            self.post(ConnectionChanged(sid, conv.connection, item.reason, conv.retry_at))
            self.post(QueueChanged(sid))  # queued prompts now wait for the reconnect
        elif isinstance(item, Reconnected):
            self._connected(conv)
            if await self.refresh(conv):
                await self.resume_queue(conv)
        elif isinstance(item, MalformedFrame):
            pass  # skipped; the stored history stays the truth
        elif isinstance(item, Connected):
            self._connected(conv)
        elif isinstance(item, SessionCreated):
            if self._first_time("created", item.session_id):
                self.target.run_worker(self._announce(item.session_id), exit_on_error=False)
        elif isinstance(item, SessionDeleted):
            if self._first_time("deleted", item.session_id):
                self.post(SessionRemoved(item.session_id))
        elif isinstance(item, Notification):
            self.post(Notice(sid, f"{item.title}: {item.message}".strip(": "), "information"))
        elif isinstance(item, Permission):
            await self._permission(conv, item)
        elif not isinstance(item, _NOT_TURN):
            await self._turn_event(conv, item)

    def _connected(self, conv: Conversation) -> None:
        was = conv.connection
        conv.connection = "connected"
        conv.lost_at = conv.retry_at = None
        if was != "connected":
            self.post(ConnectionChanged(conv.session_id, "connected"))
            self.post(QueueChanged(conv.session_id))

    def _first_time(self, kind: str, session_id: str) -> bool:
        # every open stream receives the lifecycle events of every session: act once
        key = (kind, session_id)
        if key in self._lifecycle_seen:
            return False
        self._lifecycle_seen.add(key)
        return True

    async def _announce(self, session_id: str) -> None:
        try:
            session = await self.client.sessions.get(session_id)
        except MixError:
            return
        self.post(SessionAdded(session_id, session))

    # ---- turns -------------------------------------------------------------------------------

    async def _turn_event(self, conv: Conversation, event: object) -> None:
        if not conv.running:
            if isinstance(event, Complete | Error):
                return  # the end of a turn already over (Go repeats its final error)
            conv.begin_turn(None)  # another client's turn, or one we only see part of
            self.post(TurnStarted(conv.session_id))
        turn = conv.turn
        assert turn is not None
        waiting_before = set(turn.pending_permissions)
        turn.apply(event, time.monotonic())
        if isinstance(event, UserMessageCreated):
            conv.note_user_message(event.message_id, turn.user_text or event.content)
            # the session's counts changed (the list showed "0 msgs" for a new session's first turn)
            self.target.run_worker(self._reread_session(conv), exit_on_error=False)
        for permission_id in waiting_before - set(turn.pending_permissions):
            if conv.waiting.pop(permission_id, None) is not None:
                self.post(PermissionResolved(conv.session_id, permission_id, "the tool finished"))
        if turn.done:
            self.flush(conv.session_id)
            await self.turn_finished(conv)
        elif isinstance(event, _DELTAS):
            self.schedule_flush(conv.session_id)
        else:
            self.flush(conv.session_id)

    async def turn_finished(self, conv: Conversation) -> None:
        turn = conv.turn
        assert turn is not None
        if turn.error:
            conv.errors[f"a:{conv.turn_key}"] = turn.error
        for permission_id in list(conv.waiting):
            self.post(PermissionResolved(conv.session_id, permission_id, "the turn ended"))
        conv.waiting.clear()
        self.post(TurnFinished(conv.session_id, turn.error))
        # when the server is away the finished live turn simply stays on screen as it is
        await self.refresh(conv, keep_turn=False)
        await self.send_next_queued(conv)

    # ---- coalescing --------------------------------------------------------------------------

    def flush(self, session_id: str) -> None:
        self._flush_scheduled.discard(session_id)
        self._flush_at[session_id] = time.monotonic()
        self.post(TurnUpdated(session_id))

    def schedule_flush(self, session_id: str) -> None:
        if session_id in self._flush_scheduled:
            return
        wait = self._flush_at.get(session_id, 0.0) + 1.0 / FLUSH_HZ - time.monotonic()
        if wait <= 0:
            self.flush(session_id)
            return
        self._flush_scheduled.add(session_id)
        asyncio.get_running_loop().call_later(wait, self._scheduled_flush, session_id)

    def _scheduled_flush(self, session_id: str) -> None:
        if session_id in self._flush_scheduled:
            self.flush(session_id)

    # ---- permissions -------------------------------------------------------------------------

    async def _permission(self, conv: Conversation, event: Permission) -> None:
        if not conv.running:
            conv.begin_turn(None)
            self.post(TurnStarted(conv.session_id))
        turn = conv.turn
        assert turn is not None
        turn.apply(event, time.monotonic())
        if (event.tool_name, event.action) in conv.allow_rules:
            await self.auto_grant(conv, event)
        else:
            conv.waiting[event.id] = PendingPermission(event, time.monotonic())
            self.post(PermissionRequested(conv.session_id, event, conv.waiting[event.id].received_at))
        self.flush(conv.session_id)
