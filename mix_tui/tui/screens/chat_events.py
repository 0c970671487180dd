"""How the chat screen reacts to the bridge's messages (mixed into `ChatScreen`).

The open session's updates go to the transcript, the queue area and the status line; every
session's activity goes to the sidebar (running marker, permission badge); permission prompts are
shown for the open session only, one at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.protocol.models import SessionData
from mix_tui.sdk.errors import MixError
from mix_tui.tui import messages as m
from mix_tui.tui.screens.chat_keys import ChatKeys
from mix_tui.tui.widgets.status import QueuedPrompts

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient
    from mix_tui.tui.bridge import Bridge
    from mix_tui.tui.bridge_actions import Decision
    from mix_tui.tui.conversation import Conversation
    from mix_tui.tui.prompts import PromptPresenter


class ChatEvents(ChatKeys):
    client: MixClient
    bridge: Bridge
    current: str | None
    prompts: PromptPresenter
    server_state: m.ConnectionState  # the last health check's answer (fresh chats)

    def conv(self) -> Conversation | None: ...
    def _show_session(self, session: SessionData) -> None: ...
    def _give_back(self, draft: str) -> None: ...
    async def _forget(self, session_id: str) -> None: ...

    # ---- bridge messages ---------------------------------------------------------------------

    async def on_turn_updated(self, message: m.TurnUpdated) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is None:
            return
        self._activity(conv)
        if message.session_id == self.current and conv.turn is not None:
            await self.transcript.update_tail(conv.live_items())

    def on_turn_started(self, message: m.TurnStarted) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is not None:
            self._activity(conv)
        if message.sent and message.session_id == self.current:
            self.transcript.follow()  # a queued prompt went out: show it, like a direct send

    def on_turn_finished(self, message: m.TurnFinished) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is not None:
            self._activity(conv)

    def _activity(self, conv: Conversation) -> None:
        self.sidebar.set_activity(
            conv.session_id, running=conv.running, awaiting_permission=bool(conv.waiting)
        )
        if conv.session_id == self.current:
            self.status.set(running=conv.running)

    async def on_history_loaded(self, message: m.HistoryLoaded) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is None or message.session_id != self.current:
            return
        if self.transcript.mounted_count == 0:
            await self.transcript.reset(conv.items())
        else:
            await self.transcript.set_items(conv.items())
        self._activity(conv)

    def on_session_updated(self, message: m.SessionUpdated) -> None:
        self.sidebar.upsert_session(message.session)
        if message.session_id == self.current:
            self._show_session(message.session)

    def on_session_added(self, message: m.SessionAdded) -> None:
        self.sidebar.upsert_session(message.session)

    async def on_session_removed(self, message: m.SessionRemoved) -> None:
        await self._forget(message.session_id)

    def on_queue_changed(self, message: m.QueueChanged) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is not None and message.session_id == self.current:
            self._show_queue(conv)

    def _show_queue(self, conv: Conversation) -> None:
        self.query_one(QueuedPrompts).set_prompts(conv.queue, waiting_for_server=not conv.connected)

    def on_connection_changed(self, message: m.ConnectionChanged) -> None:
        if message.session_id == self.current:
            self.status.set(connection=message.state, retry_at=message.retry_at)

    # ---- the server's state while no stream tells it -----------------------------------------

    def poll_health(self) -> None:
        """A fresh chat has no session and so no stream: ask the server now and then instead."""
        conv = self.conv()
        if conv is not None and conv.stream is not None:
            return  # the stream's own state is the truth
        if any(w.group == "health" and not w.is_finished for w in self.workers):
            return  # the last check is still waiting for its answer
        self.run_worker(self._check_health(), group="health", exit_on_error=False)

    async def _check_health(self) -> None:
        current = self.current
        try:
            await self.client.system.health()
            state: m.ConnectionState = "connected"
        except MixError:
            state = "offline"
        conv = self.conv()
        if self.current == current and (conv is None or conv.stream is None):
            self.server_state = state
            self.status.set(connection=state, retry_at=None)

    def on_notice(self, message: m.Notice) -> None:
        self.notify(message.text, severity=message.severity, markup=False)

    def on_send_failed(self, message: m.SendFailed) -> None:
        self._give_back(message.draft)
        if message.unauthorized:
            self.app.show_welcome(reason=message.reason)  # type: ignore[attr-defined]
        else:
            self.notify(f"not sent: {message.reason}", severity="error", markup=False)

    # ---- permissions -------------------------------------------------------------------------

    def on_permission_requested(self, message: m.PermissionRequested) -> None:
        conv = self.bridge.conversations.get(message.session_id)
        if conv is None:
            return
        self._activity(conv)
        if message.session_id == self.current:
            self.prompts.show_next(conv)

    def on_permission_resolved(self, message: m.PermissionResolved) -> None:
        self.prompts.resolved(message.session_id, message.permission_id, message.note)
        conv = self.bridge.conversations.get(message.session_id)
        if conv is not None:
            self._activity(conv)

    def _answer(self, session_id: str, permission_id: str, decision: Decision | None) -> None:
        async def run() -> None:
            await self.bridge.answer(session_id, permission_id, decision)
            conv = self.bridge.conversations.get(session_id)
            if conv is not None:
                self._activity(conv)
            self.prompts.show_next(self.conv())

        self.run_worker(run(), exit_on_error=False)
