"""What the session model tells the UI: small Textual messages naming the session they are about.

Payloads stay small: a handler reads the details from the `SessionModel` (the one place the data
lives). Frequent ones are coalesced in the message queue (`can_replace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.message import Message

from mix_tui.protocol.models import SessionData
from mix_tui.tui.session.permissions import PermissionRequest

if TYPE_CHECKING:
    from mix_tui.tui.session.notifications import NotificationRequest

Severity = Literal["information", "warning", "error"]


@dataclass(eq=False)
class SessionEvent(Message):
    session_id: str


@dataclass(eq=False)
class TranscriptChanged(SessionEvent):
    """The session's items changed: only the live turn's (`live_only`), or any of them."""

    live_only: bool = True

    def can_replace(self, message: Message) -> bool:
        # the handler renders from the model, so a newer change covers an older one it includes
        return (
            isinstance(message, TranscriptChanged)
            and message.session_id == self.session_id
            and (message.live_only or not self.live_only)
        )


@dataclass(eq=False)
class StateChanged(SessionEvent):
    """Anything the sidebar row or the status line shows: running, connection, queue, session data."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateChanged) and message.session_id == self.session_id


@dataclass(eq=False)
class PromptSent(SessionEvent):
    """A prompt of ours went out (typed now or from the queue): the view jumps to it."""


@dataclass(eq=False)
class TurnEnded(SessionEvent):
    error: str | None = None


@dataclass(eq=False)
class PermissionRequested(SessionEvent):
    request: PermissionRequest


@dataclass(eq=False)
class PermissionClosed(SessionEvent):
    """A prompt no longer needs an answer; `note` says why (shown on the prompt if it is up)."""

    request: PermissionRequest


@dataclass(eq=False)
class NotificationRequested(SessionEvent):
    """The agent raised a notification: to acknowledge, answer, or choose from (with a countdown)."""

    request: NotificationRequest


@dataclass(eq=False)
class NotificationClosed(SessionEvent):
    """A notification no longer needs an answer; `request.note` says why."""

    request: NotificationRequest


@dataclass(eq=False)
class SessionAdded(SessionEvent):
    session: SessionData


@dataclass(eq=False)
class SessionRetitled(SessionEvent):
    """The session has a new title (renamed here or by another client, or named by the server)."""

    title: str


@dataclass(eq=False)
class SessionRemoved(SessionEvent):
    """The session was deleted (by us or another client) or the server forgot it."""


@dataclass(eq=False)
class Notice(SessionEvent):
    """Something the user should read once."""

    text: str
    severity: Severity = "information"


@dataclass(eq=False)
class SendRefused(SessionEvent):
    """A prompt did not go out; `draft` goes back to the composer. `unauthorized`: a 401 (no
    provider credentials), so the welcome screen should come back."""

    draft: str
    reason: str
    unauthorized: bool = False
