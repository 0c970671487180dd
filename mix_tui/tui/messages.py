"""Typed Textual messages the bridge posts to the chat screen.

Every message names the session it is about (`BridgeMessage.session_id`), so the screen can route it
to the open transcript or only to the sidebar when the session is in the background. The payloads
are small: the screen reads the details from the bridge's per-session `Conversation`, which is the
one place the data lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from mix_tui.protocol.events import Permission
from mix_tui.protocol.models import SessionData

ConnectionState = Literal["connecting", "connected", "reconnecting", "offline"]


@dataclass(eq=False)
class BridgeMessage(Message):
    """Base of everything the bridge posts."""

    session_id: str


@dataclass(eq=False)
class TurnUpdated(BridgeMessage):
    """The live turn changed (coalesced: at most ~30 per second per session)."""

    def can_replace(self, message: Message) -> bool:
        # a newer update of the same session supersedes one still queued: the handler reads state
        return isinstance(message, TurnUpdated) and message.session_id == self.session_id


@dataclass(eq=False)
class TurnStarted(BridgeMessage):
    """A turn began (our send, a queued prompt, or another client's)."""

    sent: bool = False  # we sent its prompt just now (the view jumps to it)


@dataclass(eq=False)
class TurnFinished(BridgeMessage):
    """The live turn ended: `complete`, a terminal `error`, or our own cancel."""

    error: str | None = None


@dataclass(eq=False)
class HistoryLoaded(BridgeMessage):
    """Stored messages were (re)loaded: render the transcript from the conversation's data."""


@dataclass(eq=False)
class SessionUpdated(BridgeMessage):
    """A fresh `SessionData` (title, cost, tokens) after a turn or a reconnect."""

    session: SessionData


@dataclass(eq=False)
class SessionAdded(BridgeMessage):
    """`session_created` from the server (or a session we created)."""

    session: SessionData


@dataclass(eq=False)
class SessionRemoved(BridgeMessage):
    """`session_deleted` from the server."""


@dataclass(eq=False)
class QueueChanged(BridgeMessage):
    """Prompts waiting for the running turn to end were added or sent."""


@dataclass(eq=False)
class PermissionRequested(BridgeMessage):
    """A tool waits for the user's answer (not covered by an "allow for this session" rule)."""

    permission: Permission
    received_at: float  # time.monotonic() when the event arrived


@dataclass(eq=False)
class PermissionResolved(BridgeMessage):
    """A prompt no longer needs an answer: its tool finished, it expired or someone answered it."""

    permission_id: str
    note: str


@dataclass(eq=False)
class ConnectionChanged(BridgeMessage):
    """The session's stream changed state."""

    state: ConnectionState
    detail: str = ""
    retry_at: float | None = None  # time.monotonic() of the next reconnect attempt


@dataclass(eq=False)
class Notice(BridgeMessage):
    """Something the user should read once (a failed send, a rate-limit retry, a late answer)."""

    text: str
    severity: Literal["information", "warning", "error"] = "information"


@dataclass(eq=False)
class SendFailed(BridgeMessage):
    """A prompt was not accepted; `draft` is its text, to give back to the composer.

    `unauthorized` is a 401: no provider credentials, so the welcome screen should come back.
    """

    draft: str
    reason: str
    unauthorized: bool = False
