"""The main screen: sessions on the left, the conversation, the queue, the composer, the status line.

It owns the `Bridge` (one stream worker per open session) and reacts to its messages: the open
session's updates go to the transcript, every session's activity to the sidebar. Data lives in the
bridge's conversations; switching sessions re-renders from there, so nothing is lost meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer

from mix_tui.protocol.models import SessionData
from mix_tui.sdk.errors import MixConnectionError, MixError
from mix_tui.tui.bridge import Bridge
from mix_tui.tui.conversation import Conversation
from mix_tui.tui.prompts import PromptPresenter
from mix_tui.tui.screens.chat_events import ChatEvents
from mix_tui.tui.widgets.composer import Composer
from mix_tui.tui.widgets.status import QueuedPrompts, StatusInfo, StatusLine
from mix_tui.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

TITLE_CHARS = 60


@dataclass(frozen=True)
class ChatOptions:
    server_label: str  # "127.0.0.1:8765" for the local server, else the URL
    local: bool = True
    provider: str | None = None  # for new sessions (the demo model with --demo)
    model: str | None = None
    permission_timeout: float = 30.0
    initial_session: str | None = None
    load_lists: bool = True  # fetch sessions and prompt history on mount (snapshots turn it off)
    poll_health: bool = True  # ask the server's health while no stream tells it (snapshots: off)
    clock: Callable[[], datetime] | None = None  # the sidebar's "now" (frozen in snapshots)


def _sidebar(clock: Callable[[], datetime] | None) -> Widget:
    from mix_tui.tui.widgets.sidebar import Sidebar

    return Sidebar(id="sidebar", clock=clock)


class ChatScreen(ChatEvents):
    HEALTH_EVERY = 5.0  # seconds between health checks while no stream tells the server's state
    CSS_PATH = Path(__file__).with_name("chat.tcss")  # absolute: subclasses may live elsewhere
    AUTO_FOCUS = "#composer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_turn", "Cancel turn"),
        Binding("ctrl+n", "new_chat", "New chat"),
        Binding("ctrl+b", "toggle_sidebar", "Sessions"),
        Binding("ctrl+up", "panel(-1)", "Previous panel", key_display="^↑"),
        Binding("ctrl+down", "panel(1)", "Next panel", key_display="^↓", show=False),
        Binding("ctrl+o", "focus_transcript", "Transcript", show=False),
        Binding("end", "follow", "Jump to the bottom", show=False),
        Binding("ctrl+end", "follow", "Jump to the bottom", show=False),
    ]

    def __init__(self, client: MixClient, options: ChatOptions) -> None:
        super().__init__()
        self.client = client
        self.options = options
        self.bridge = Bridge(client, self)
        self.current: str | None = None
        self.provider = options.provider  # for new sessions; the welcome screen may change it
        self.model = options.model
        self.fresh_draft = ""
        self.server_state = "connected"  # it was just reached
        self._submit_lock = asyncio.Lock()
        self.prompts = PromptPresenter(self, self._answer, timeout=options.permission_timeout)

    # ---- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield _sidebar(self.options.clock)
            with Vertical(id="main"):
                yield Transcript()
                yield QueuedPrompts()
                yield Composer()
        # filled in at once: the server was just reached, and readers need not wait for on_mount
        yield StatusLine(StatusInfo(
            server=self.options.server_label, local=self.options.local, connection="connected",
            model=self._default_model(),
        ))  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        if self.options.poll_health:
            self.set_interval(self.HEALTH_EVERY, self.poll_health)
        if self.options.load_lists:
            self.run_worker(self._load_lists(), exit_on_error=False)
        if self.options.initial_session:
            self.run_worker(self.open_session(self.options.initial_session), exit_on_error=False)

    async def _load_lists(self) -> None:
        try:
            sessions, prompts = await asyncio.gather(
                self.client.sessions.list(), self.client.messages.history(limit=100)
            )
        except MixError as exc:
            self.notify(f"could not list sessions: {exc.message}", severity="warning", markup=False)
            return
        self.sidebar.set_sessions(sessions)
        self.sidebar.set_current(self.current)
        self.composer.set_history([p.text for p in prompts])

    def _default_model(self) -> str:
        if self.provider:
            return f"{self.provider}/{self.model or 'default'}"
        return "server default"

    def use_provider(self, provider: str, model: str | None) -> None:
        """New sessions use this provider from now on (the user picked it on the welcome screen)."""
        self.provider, self.model = provider, model
        conv = self.conv()
        if conv is not None and not conv.history and not conv.running:
            # the session made for the refused prompt has the old provider: start afresh
            self.run_worker(self._discard_empty(conv.session_id), exit_on_error=False)
        elif self.current is None:
            self.status.set(model=self._default_model())

    async def _discard_empty(self, session_id: str) -> None:
        with contextlib.suppress(MixError):
            await self.client.sessions.delete(session_id)
        await self._forget(session_id)

    def conv(self) -> Conversation | None:
        return self.bridge.conversations.get(self.current) if self.current else None

    # ---- switching sessions ------------------------------------------------------------------

    async def open_session(self, session_id: str | None) -> None:
        if session_id == self.current and (session_id is None or session_id in self.bridge.conversations):
            return
        self._stash_draft()
        self.current = session_id
        self.sidebar.set_current(session_id)
        if session_id is None:
            self.composer.text = self.fresh_draft
            await self._show_fresh()
            return
        conv = self.bridge.conversation(session_id)
        await self.transcript.reset(conv.items())
        self.composer.text = conv.draft
        self._show_session_state(conv)
        self.prompts.show_next(conv)
        try:
            await self.bridge.open(session_id)
        except MixError as exc:
            self.notify(f"could not open the session: {exc.message}", severity="error", markup=False)

    async def _show_fresh(self) -> None:
        """The empty chat: its session is created on the first send."""
        await self.transcript.reset([])
        self.query_one(QueuedPrompts).set_prompts([])
        self.status.set(
            title="",
            cost=0.0,
            context_tokens=0,
            running=False,
            connection=self.server_state,
            retry_at=None,
            model=self._default_model(),
        )

    def _stash_draft(self) -> None:
        text = self.composer.text
        conv = self.conv()
        if conv is not None:
            conv.draft = text
        elif self.current is None:
            self.fresh_draft = text

    def _show_session_state(self, conv: Conversation) -> None:
        self._show_queue(conv)
        self.status.set(connection=conv.connection, retry_at=conv.retry_at, running=conv.running)
        if conv.session is not None:
            self._show_session(conv.session)

    def _show_session(self, session: SessionData) -> None:
        model = f"{session.provider}/{session.model_id}" if session.provider else self._default_model()
        self.status.set(
            title=session.title, cost=session.cost, context_tokens=session.prompt_tokens, model=model
        )

    # ---- sending -----------------------------------------------------------------------------

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        self.transcript.follow()  # whatever the user was reading, the prompt they send is shown
        self.run_worker(self._submit(event.text), group="submit", exit_on_error=False)

    async def _submit(self, text: str) -> None:
        async with self._submit_lock:  # keeps prompts in order and creates one session, not two
            if self.current is None and not await self._create_session_for(text):
                return
            assert self.current is not None
            await self.bridge.submit(self.current, text)

    async def _create_session_for(self, text: str) -> bool:
        """The fresh chat's first send creates its session; on failure the text goes back."""
        title = text.strip().splitlines()[0][:TITLE_CHARS] if text.strip() else "New chat"
        try:
            conv = await self.bridge.create_session(title, provider=self.provider, model=self.model)
        except MixError as exc:
            self._give_back(text)
            reason = exc.message
            if isinstance(exc, MixConnectionError):
                self.server_state = "offline"
                self.status.set(connection="offline", retry_at=None)
                reason = f"the server cannot be reached ({reason}); the prompt is back in the box"
            self.notify(f"could not create a session: {reason}", severity="error", markup=False)
            return False
        self.current = conv.session_id
        self.sidebar.set_current(conv.session_id)
        self.status.set(connection=conv.connection, retry_at=conv.retry_at)
        return True

    def _give_back(self, draft: str) -> None:
        current = self.composer.text
        self.composer.text = draft if not current.strip() else f"{draft}\n{current}"

    # ---- keys --------------------------------------------------------------------------------

    def action_cancel_turn(self) -> None:
        conv = self.conv()
        if conv is not None and conv.running:
            self.run_worker(self.bridge.cancel(conv.session_id), exit_on_error=False)
            self.notify("cancelling…", timeout=2)
        else:
            self.focus_composer()  # nothing to cancel: Esc is the way back to typing

    def action_new_chat(self) -> None:
        self.run_worker(self.open_session(None), exit_on_error=False)
        self.composer.focus()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.sidebar
        sidebar.display = not sidebar.display

    def action_focus_transcript(self) -> None:
        self.transcript.focus()

    def action_follow(self) -> None:
        self.transcript.follow()

    # ---- sidebar -----------------------------------------------------------------------------

    def on_sidebar_session_selected(self, event: Message) -> None:
        session_id = getattr(event, "session_id", None)
        if session_id:
            self.run_worker(self.open_session(session_id), exit_on_error=False)

    def on_sidebar_new_session_requested(self, event: Message) -> None:
        self.action_new_chat()

    def on_sidebar_delete_requested(self, event: Message) -> None:
        session_id = getattr(event, "session_id", None)
        if session_id:
            self.run_worker(self._delete(session_id), exit_on_error=False)

    async def _delete(self, session_id: str) -> None:
        try:
            await self.client.sessions.delete(session_id)
        except MixError as exc:
            self.notify(f"could not delete: {exc.message}", severity="error", markup=False)
            return
        await self._forget(session_id)

    async def _forget(self, session_id: str) -> None:
        self.sidebar.remove_session(session_id)
        conv = self.bridge.conversations.pop(session_id, None)
        if conv is not None and conv.stream is not None:
            await conv.stream.aclose()
        if self.current == session_id:
            self.current = None
            self.sidebar.set_current(None)
            await self._show_fresh()
