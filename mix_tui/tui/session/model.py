"""`SessionModel`: everything about one open session, and the one coroutine that reads its stream.

It owns the SDK stream, the timeline of turns (stored and live), the send queue, the permission prompts
and rules, the draft and the connection state; widgets read it and screens call its methods. It
tells the UI what changed through `post` (the messages of `session.events`), and starts background
coroutines through `spawn` (Textual workers in the app, plain tasks in tests). No widgets here.

Rules from the contract: the stream is connected BEFORE the first POST of a session (a Go server
buffers nothing); a 409 means a turn already runs, so the prompt waits first in the queue; after a
cancel every pending prompt of the session is denied (a tool waiting for an answer ignores a cancel).
A prompt is never lost and never sent twice: while the stream is away it waits in the queue; a POST
that breaks on the wire is requeued, and after the reconnect the stored history tells whether the
server got it anyway. After a reconnect the history also tells whether the live turn still runs: one
the server no longer runs (it restarted) ends as interrupted, its partial answer kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

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
    SessionUpdated,
    Thinking,
    ToolExecutionComplete,
    ToolUseParameterDelta,
    Unknown,
    UserMessageCreated,
)
from mix_tui.protocol.models import BackendMessage, GrantScope, SessionData
from mix_tui.sdk.errors import ConflictError, MixConnectionError, MixError, NotFoundError, UnauthorizedError
from mix_tui.sdk.replay import INTERRUPTED
from mix_tui.sdk.stream import ConnectionLost, MalformedFrame, Reconnected, Resync, StreamItem
from mix_tui.sdk.turn import Turn
from mix_tui.tui.session import events as ev
from mix_tui.tui.session.connection import Connection
from mix_tui.tui.session.items import Item, NoteItem
from mix_tui.tui.session.notifications import NotificationDesk, NotificationRequest
from mix_tui.tui.session.options import SendOptions
from mix_tui.tui.session.permissions import Decision, PermissionDesk, PermissionRequest
from mix_tui.tui.session.subagents import SubagentRuns
from mix_tui.tui.session.timeline import Timeline

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient
    from mix_tui.sdk.stream import SessionStream

Post = Callable[[ev.SessionEvent], object]
Spawn = Callable[[Coroutine[Any, Any, None], str], None]

FLUSH_HZ = 30.0  # live transcript updates per second, at most
CANCEL_GRACE = 3.0  # seconds to wait for the server's own end of a cancelled turn
CONNECT_TIMEOUT = 10.0
NOTICE_GRACE = 2.0  # seconds for the stream to notice the loss a failed POST ran into
QUEUE_HOLD = 0.8  # after a cancel, queued prompts wait this long (a second Esc clears them)
_DELTAS = (Content, Thinking, ToolUseParameterDelta)
_NOT_TURN = (Connected, Heartbeat, SessionCreated, SessionDeleted, SessionUpdated, Notification, Unknown)
Lifecycle = SessionCreated | SessionDeleted | SessionUpdated
_FINAL_TURN_STATUSES = frozenset({"complete", "error", "cancelled", "interrupted"})


class SessionModel:
    def __init__(
        self,
        session_id: str,
        client: MixClient,
        post: Post,
        spawn: Spawn,
        *,
        lifecycle: Callable[[Lifecycle], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_id = session_id
        self.client = client
        self.session: SessionData | None = None
        self.timeline = Timeline(session_id)
        self.queue: list[str] = []  # prompts this client holds until the running turn ends
        self.server_queued: list[str] = []  # prompts the server accepted behind another client's turn
        self.permissions = PermissionDesk(session_id)
        self.connection = Connection()
        self.draft = ""
        self.options = SendOptions()  # thinking level, plan mode, max steps: sent with every prompt
        self.stream: SessionStream | None = None
        self._post = post
        self._spawn = spawn
        self._lifecycle = lifecycle
        self._clock = clock
        self._refreshes = 0  # history reloads started; only the latest one's answer is applied
        # prompts whose POST broke on the wire -> how many prompts were stored before it
        self._unsure: dict[str, int] = {}
        self._flush_at = 0.0
        self._flush_pending = False
        self._hold_until = 0.0  # after a cancel the queue waits until then (clock time)
        self.subagents = SubagentRuns(client, spawn, self._subagent_runs_loaded)
        self.notifications = NotificationDesk(
            session_id, client, spawn, opened=self._notification_opened, settled=self._state_changed,
            notice=self._notice,
        )  # fmt: skip

    # ---- reading -----------------------------------------------------------------------------

    @property
    def plan_mode(self) -> bool:
        """Sends go with plan_mode (`/plan`; approving a plan turns it off)."""
        return self.options.plan

    @plan_mode.setter
    def plan_mode(self, on: bool) -> None:
        self.options = replace(self.options, plan=on)

    @property
    def running(self) -> bool:
        return self.timeline.running

    @property
    def awaiting_permission(self) -> bool:
        return self.permissions.awaiting

    @property
    def awaiting_user(self) -> bool:
        """A permission prompt or a notification waits for the user's answer."""
        return self.permissions.awaiting or self.notifications.awaiting

    def items(self) -> list[Item]:
        return self.timeline.items()

    def live_items(self) -> list[Item]:
        return self.timeline.live_items()

    @property
    def history(self) -> list[BackendMessage]:
        return self.timeline.history

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the stream (once) and start reading it."""
        if self.stream is not None or self.connection.final:
            return
        self.stream = self.client.stream(self.session_id)
        self._spawn(self._consume(self.stream), f"stream {self.session_id}")

    async def load(self) -> None:
        """Start streaming and read the stored history the first time."""
        self.start()
        if not self.timeline.loaded:
            await self.refresh()

    async def close(self) -> None:
        for request in self.permissions.close_all("the session was closed"):
            self._post(ev.PermissionClosed(self.session_id, request))
        self._close_notifications("the session was closed")
        stream, self.stream = self.stream, None
        if stream is not None:
            await stream.aclose()

    async def refresh(self, *, keep_live: bool | None = None) -> bool:
        """Re-read stored messages and the session. A running turn keeps showing its own state
        unless `keep_live` is False (it just ended: the stored messages replace it)."""
        self._refreshes += 1
        ticket = self._refreshes
        try:
            messages, session = await asyncio.gather(
                self.client.messages.list(self.session_id), self.client.sessions.get(self.session_id)
            )
        except MixError as exc:
            self._notice(f"could not load the session: {exc.message}", "warning")
            return False
        if ticket != self._refreshes:
            return False  # a later refresh started meanwhile: its (newer) answer wins
        self.timeline.set_history(messages, keep_live=self.running if keep_live is None else keep_live)
        self.subagents.fill(entry.turn for entry in self.timeline.entries)
        self.session = session
        self._post(ev.TranscriptChanged(self.session_id, live_only=False))
        self._post(ev.StateChanged(self.session_id))
        return True

    async def _reread_session(self) -> None:
        ticket = self._refreshes
        try:
            session = await self.client.sessions.get(self.session_id)
        except MixError:
            return  # the next refresh brings it
        if ticket == self._refreshes:  # else a full refresh started meanwhile: its answer is newer
            self.session = session
            self._post(ev.StateChanged(self.session_id))

    # ---- the stream --------------------------------------------------------------------------

    async def _consume(self, stream: SessionStream) -> None:
        try:
            async for item in stream:
                try:
                    await self._handle(item)
                except MixError as exc:  # a REST call made while handling failed; the stream goes on
                    self._notice(exc.message, "warning")
        except NotFoundError:
            # the session is gone (deleted by another client, or by a server that forgot it)
            self._stream_ended("the session no longer exists")
            if self._lifecycle is not None:
                self._lifecycle(SessionDeleted(session_id=self.session_id))
            else:
                self._post(ev.SessionRemoved(self.session_id))
        except UnauthorizedError:
            self._stream_ended("the server rejected the token: restart mix-tui, or pass the right --token")
        except MixError as exc:
            self._stream_ended(exc.message)
        except Exception as exc:  # a bug of ours: say so instead of going quiet
            self._stream_ended(f"internal error: {exc!r}")
            self._notice(f"this session stopped updating: {exc!r}", "error")
            raise
        finally:
            if self.stream is stream:
                self.stream = None

    def _stream_ended(self, reason: str) -> None:
        """No reconnect will come: nothing may wait for one."""
        self.connection.ended(reason)
        for request in self.permissions.close_all(reason):
            self._post(ev.PermissionClosed(self.session_id, request))
        self._close_notifications(reason)
        waiting, self.queue = self.queue, []
        if waiting:
            self._post(ev.SendRefused(self.session_id, "\n".join(waiting), f"not sent: {reason}"))
        self._post(ev.StateChanged(self.session_id))

    async def _handle(self, item: StreamItem) -> None:
        if isinstance(item, ConnectionLost):
            self.connection.lost(item.reason, item.retry_in, self._clock())
            self._post(ev.StateChanged(self.session_id))
        elif isinstance(item, Reconnected | Resync):
            # back after a loss (or told that events were missed): the stored history is the truth
            self._connected()
            if await self.refresh():
                await self._settle_live_turn()
                await self._resume_queue()
        elif isinstance(item, MalformedFrame):
            pass  # skipped; the stored history stays the truth
        elif isinstance(item, Connected):
            self._connected()
        elif isinstance(item, SessionCreated | SessionDeleted | SessionUpdated):
            if self._lifecycle is not None:
                self._lifecycle(item)
        elif isinstance(item, Notification):
            self.notifications.receive(item, self._clock())
        elif isinstance(item, Permission):
            self._permission(item)
        elif not isinstance(item, _NOT_TURN):
            await self._turn_event(item)

    def _connected(self) -> None:
        if self.connection.up():
            self._post(ev.StateChanged(self.session_id))

    # ---- turns -------------------------------------------------------------------------------

    async def _turn_event(self, event: object) -> None:
        if not self.running:
            if isinstance(event, Complete | Error):
                return  # the end of a turn already over (Go repeats its final error)
            self.timeline.begin(None)  # another client's turn, or one we only see part of
            self._post(ev.StateChanged(self.session_id))
        live = self.timeline.live
        assert live is not None
        turn = live.turn
        turn.apply(event, self._clock())
        if isinstance(event, UserMessageCreated):
            self.timeline.prompt_stored(event.message_id, turn.user_text or event.content)
            if self.server_queued and self.server_queued[0] == turn.user_text:
                self.server_queued.pop(0)  # a prompt the server held for us has started
                self._post(ev.StateChanged(self.session_id))
            # the session's counts changed (the list showed "0 msgs" for a new session's first turn)
            self._spawn(self._reread_session(), f"session {self.session_id}")
        elif isinstance(event, ToolExecutionComplete):
            call = turn.find_call(event.tool_call_id)
            if call is not None and call.permission is not None:
                self._close_prompt(call.permission.id, "the tool finished")
        if turn.done:
            self._flush()
            await self._turn_finished()
        elif isinstance(event, _DELTAS):
            self._schedule_flush()
        else:
            self._flush()

    async def _turn_finished(self) -> None:
        live = self.timeline.live
        assert live is not None
        self.timeline.ended()
        self.subagents.keep_live(live.turn)
        for request in self.permissions.close_all("the turn ended"):
            self._post(ev.PermissionClosed(self.session_id, request))
        self._close_notifications("the turn ended")
        self._post(ev.TurnEnded(self.session_id, live.turn.error))
        self._post(ev.StateChanged(self.session_id))
        # when the server is away the finished live turn simply stays on screen as it is
        await self.refresh(keep_live=False)
        await self._send_next()

    async def _settle_live_turn(self) -> None:
        """After a reconnect: a live turn the server no longer runs ends now."""
        live = self.timeline.live
        if live is None or live.turn.done:
            return
        status = self.timeline.stored_turn_status()
        if status not in _FINAL_TURN_STATUSES:
            return  # still running (or a server that does not say): its events will end it
        stored = next((m for m in self.history if m.id == live.turn.user_message_id), None)
        error = stored.turn_error if stored is not None else None
        now = self._clock()
        if status == "interrupted":
            live.turn.interrupt(now, error or INTERRUPTED)
        elif status == "complete":
            live.turn.apply(Complete(), now)
        else:
            live.turn.apply(Error(error=error or status), now)
        self._flush()
        await self._turn_finished()

    # ---- live updates, coalesced ---------------------------------------------------------------

    def _flush(self) -> None:
        self._flush_pending = False
        self._flush_at = self._clock()
        self._post(ev.TranscriptChanged(self.session_id, live_only=True))

    def _schedule_flush(self) -> None:
        if self._flush_pending:
            return
        wait = self._flush_at + 1.0 / FLUSH_HZ - self._clock()
        if wait <= 0:
            self._flush()
            return
        self._flush_pending = True
        asyncio.get_running_loop().call_later(wait, self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        if self._flush_pending:
            self._flush()

    # ---- sending -----------------------------------------------------------------------------

    async def submit(self, text: str) -> None:
        """Send now, or queue behind the running turn (and behind earlier queued prompts)."""
        if self.connection.final:
            self._post(ev.SendRefused(self.session_id, text, f"not sent: {self.connection.detail}"))
            return
        if self.running or self.queue or not self.connection.usable:
            self.queue.append(text)  # offline: it goes out after the reconnect
            self._post(ev.StateChanged(self.session_id))
            return
        await self._send(text)

    async def _send(self, text: str) -> bool:
        self.start()
        stream = self.stream
        if stream is None:
            self._post(ev.SendRefused(self.session_id, text, f"not sent: {self.connection.detail}"))
            return False
        try:
            await stream.wait_connected(timeout=CONNECT_TIMEOUT)
        except MixError as exc:
            if stream.state == "closed":  # the stream gave up (the session is gone): no reconnect
                self._post(ev.SendRefused(self.session_id, text, f"not connected: {exc.message}"))
            else:
                self._requeue(text, f"not connected: {exc.message}")
            return False
        stored_prompts = len(self.timeline.prompts())
        turn = self.timeline.begin(text)
        self._post(ev.PromptSent(self.session_id))
        self._post(ev.StateChanged(self.session_id))
        self._flush()
        try:
            reply = await self.client.messages.send(self.session_id, text, **self.options.request_fields())
        except ConflictError:
            # another client's turn is running and this server refuses: ours waits, first in line
            self._not_ours(turn)
            self.queue.insert(0, text)
            self._changed_all()
            return False
        except UnauthorizedError as exc:
            self._drop_turn(turn)
            self._post(ev.SendRefused(self.session_id, text, exc.message, unauthorized=True))
            return False
        except MixConnectionError as exc:
            self._drop_turn(turn)
            await self._send_broke(text, exc, stored_prompts)
            return False
        except MixError as exc:
            self._drop_turn(turn)
            self._post(ev.SendRefused(self.session_id, text, exc.message))
            return False
        if isinstance(reply, BackendMessage):  # a slash command was answered at once: no events follow
            self._drop_turn(turn)
            self.add_note(reply.text or "done", title=text.strip())
        elif reply.queued:
            # another client's turn runs; our server queued this prompt behind it (it starts with its
            # own user_message_created): the live turn so far is not ours
            self._not_ours(turn)
            self.server_queued.append(text)
            self._changed_all()
        return True

    def _not_ours(self, turn: Turn) -> None:
        live = self.timeline.live
        if live is not None and live.turn is turn:
            if turn.user_message_id is None and not turn.parts:
                self.timeline.drop_live()
            else:
                live.prompt = turn.user_text  # the events were the other client's turn

    def _drop_turn(self, turn: object) -> None:
        live = self.timeline.live
        if live is not None and live.turn is turn:
            self.timeline.drop_live()
        self._changed_all()

    def _changed_all(self) -> None:
        self._post(ev.TranscriptChanged(self.session_id, live_only=False))
        self._post(ev.StateChanged(self.session_id))

    async def _send_broke(self, text: str, exc: MixConnectionError, stored_prompts: int) -> None:
        """The POST failed on the wire. When the server is away (the stream notices within a
        moment) the prompt waits at the head of the queue; when only this request failed, it goes
        back to the composer: no endless automatic retries against a server that is up."""
        never_arrived = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
        if not never_arrived:
            self._unsure[text] = stored_prompts  # _resume_queue checks the history before resending
        try:
            await asyncio.wait_for(self.connection.down.wait(), NOTICE_GRACE)
        except TimeoutError:
            self._unsure.pop(text, None)
            maybe = "" if never_arrived else " (it may have reached the server: check before sending again)"
            self._post(ev.SendRefused(self.session_id, text, f"{exc.message}{maybe}"))
            return
        self._requeue(text, exc.message)

    def _requeue(self, text: str, reason: str) -> None:
        self.queue.insert(0, text)
        self._post(ev.StateChanged(self.session_id))
        self._notice(
            f"Not sent ({reason}). It is queued and goes out once the connection is back.", "warning"
        )

    async def _resume_queue(self) -> None:
        """After a reconnect (history just re-read): drop prompts the server got after all, send on."""
        if self._unsure:
            arrived = self.timeline.prompts()
            for text, before in list(self._unsure.items()):
                if text in arrived[before:] and text in self.queue:
                    self.queue.remove(text)
                del self._unsure[text]
            self._post(ev.StateChanged(self.session_id))
        await self._send_next()

    async def _send_next(self) -> None:
        if self.running or not self.queue or not self.connection.usable:
            return
        wait = self._hold_until - self._clock()
        if wait > 0:  # just cancelled: give a second Esc the chance to clear the queue first
            self._spawn(self._send_after(wait), f"queue {self.session_id}")
            return
        text = self.queue.pop(0)
        self._post(ev.StateChanged(self.session_id))
        await self._send(text)

    async def _send_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._send_next()

    def clear_queue(self) -> list[str]:
        """Drop every prompt this client holds (Esc twice); they are returned, never sent."""
        dropped, self.queue = self.queue, []
        if dropped:
            self._post(ev.StateChanged(self.session_id))
        return dropped

    def unqueue(self, index: int) -> str | None:
        """Take a queued prompt back (to edit it); None when there is no such prompt."""
        if not 0 <= index < len(self.queue):
            return None
        text = self.queue.pop(index)
        self._post(ev.StateChanged(self.session_id))
        return text

    # ---- cancel ------------------------------------------------------------------------------

    async def cancel(self) -> bool:
        live = self.timeline.live
        if live is None or live.turn.done:
            return False
        turn = live.turn
        if self.queue:
            self._hold_until = self._clock() + QUEUE_HOLD
        try:
            await self.client.sessions.cancel(self.session_id)
        except MixError as exc:
            self._notice(f"cancel failed: {exc.message}", "warning")
        for request in list(self.permissions.waiting.values()):
            if request.open:
                request.note = "the turn was cancelled"
                request.decide("deny")
                self._post(ev.PermissionClosed(self.session_id, request))
        self._flush()
        asyncio.get_running_loop().call_later(CANCEL_GRACE, self._cancel_overdue, turn)
        return True

    def _cancel_overdue(self, turn: object) -> None:
        live = self.timeline.live
        if live is not None and live.turn is turn and not live.turn.done:
            # the server never ended it (it may have restarted): end it here
            live.turn.apply(Error(error="cancelled"), self._clock())
            self._spawn(self._turn_finished(), f"cancel {self.session_id}")

    # ---- permissions -------------------------------------------------------------------------

    def _permission(self, event: Permission) -> None:
        if not self.running:
            self.timeline.begin(None)
            self._post(ev.StateChanged(self.session_id))
        live = self.timeline.live
        assert live is not None
        live.turn.apply(event, self._clock())
        if self.permissions.covered(event):
            self._spawn(self._grant_by_rule(event), f"grant {event.id}")
        else:
            request = self.permissions.open_request(event, self._clock())
            self._spawn(self._await_answer(request), f"permission {event.id}")
            self._post(ev.PermissionRequested(self.session_id, request))
            self._post(ev.StateChanged(self.session_id))
        self._flush()

    async def _await_answer(self, request: PermissionRequest) -> None:
        """The one coroutine that waits for a prompt's answer and gives it to the server."""
        try:
            decision: Decision | None = await request.answer
        finally:
            self.permissions.done(request.id)
        self._post(ev.StateChanged(self.session_id))
        if decision is None:
            return  # closed elsewhere, or expired on screen: the server denies it on its own
        granted = decision != "deny"
        scope: GrantScope = "once"
        if decision == "session" and request.rule is not None:
            self.permissions.add_rule(request.rule)
            scope = "session"
        live = self.timeline.live
        if live is not None:
            live.turn.resolve_permission(request.id, granted, self._clock(), scope)
        self._flush()
        if not await self._answer_server(request.id, granted=granted, scope=scope) and not request.note:
            # (a deny sent for a cancel needs no word: the server may have dropped the prompt first)
            self._notice("That permission prompt was already answered or expired.")
        if scope == "session":
            for other in self.permissions.now_covered():
                if other.close("allowed for this session"):
                    self._post(ev.PermissionClosed(self.session_id, other))
                    await self._grant_by_rule(other.permission)

    async def _grant_by_rule(self, permission: Permission) -> None:
        """A session rule covers this prompt: grant it at once; the call shows "auto-approved"."""
        live = self.timeline.live
        if live is not None:
            live.turn.resolve_permission(permission.id, True, self._clock(), "rule")
        self._flush()
        await self._answer_server(permission.id, granted=True, scope="rule")

    async def _answer_server(self, permission_id: str, *, granted: bool, scope: GrantScope) -> bool:
        """Grant or deny; False when the server no longer knows the prompt (404)."""
        try:
            if granted:
                await self.client.permissions.grant(permission_id, scope=scope)
            else:
                await self.client.permissions.deny(permission_id)
        except NotFoundError:
            return False
        except MixError as exc:  # the server is away; the prompt times out on its own
            self._notice(f"could not answer the prompt: {exc.message}", "warning")
        return True

    def _close_prompt(self, permission_id: str, note: str) -> None:
        request = self.permissions.close(permission_id, note)
        if request is not None:
            self._post(ev.PermissionClosed(self.session_id, request))

    # ---- small things ------------------------------------------------------------------------

    def _state_changed(self) -> None:
        self._post(ev.StateChanged(self.session_id))

    def _notification_opened(self, request: NotificationRequest) -> None:
        self._post(ev.NotificationRequested(self.session_id, request))
        self._post(ev.StateChanged(self.session_id))

    def _close_notifications(self, note: str) -> None:
        for request in self.notifications.close_all(note):
            self._post(ev.NotificationClosed(self.session_id, request))

    def _subagent_runs_loaded(self) -> None:
        """Stored sub-agent runs arrived: nest them in their Task calls."""
        if self.subagents.fill(entry.turn for entry in self.timeline.entries):
            self.timeline.invalidate()
            self._post(ev.TranscriptChanged(self.session_id, live_only=False))

    def add_note(self, text: str, title: str = "", after: str | None = None) -> NoteItem:
        """A note in the transcript (a command's answer): the user reads it where it happened, or
        under the turn `after` (an entry key) that it is about."""
        note = self.timeline.add_note(text, title, after)
        self._post(ev.TranscriptChanged(self.session_id, live_only=False))
        return note

    def retitled(self, title: str) -> None:
        """The server says the session has a new title (a rename here or by another client)."""
        if self.session is not None and self.session.title != title:
            self.session = self.session.model_copy(update={"title": title})
            self._post(ev.StateChanged(self.session_id))

    def _notice(self, text: str, severity: ev.Severity = "information") -> None:
        self._post(ev.Notice(self.session_id, text, severity))
