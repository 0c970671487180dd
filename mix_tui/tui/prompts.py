"""Which permission prompt is on screen, and which wait their turn.

Only the open session's prompts are shown, one at a time, oldest first; a background session's
prompts wait (its sidebar row carries a badge) until the user opens it. A prompt that stops
mattering (the tool finished, the turn ended, another client answered) closes itself with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mix_tui.tui.conversation import Conversation, PendingPermission

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from mix_tui.tui.bridge_actions import Decision

DEFAULT_TIMEOUT = 30.0


class PromptPresenter:
    def __init__(
        self,
        owner: DOMNode,
        answer: Callable[[str, str, Decision | None], None],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.owner = owner  # the chat screen; its app shows the prompts
        self.answer = answer  # (session id, permission id, decision) -> None; runs the bridge call
        self.timeout = timeout
        self.showing: tuple[str, str] | None = None  # (session id, permission id)
        self._screen: object | None = None

    def show_next(self, conv: Conversation | None) -> None:
        """Open the oldest waiting prompt of the open session, unless one is already up."""
        if self.showing is not None or conv is None or not conv.waiting:
            return
        pending = min(conv.waiting.values(), key=lambda p: p.received_at)
        self._open(conv.session_id, pending)

    def _open(self, session_id: str, pending: PendingPermission) -> None:
        from mix_tui.tui.screens.permission import PermissionScreen

        screen = PermissionScreen(pending.permission, timeout=self.timeout, received_at=pending.received_at)
        permission_id = pending.permission.id
        self.showing = (session_id, permission_id)
        self._screen = screen

        def answered(result: str | None) -> None:
            if self.showing == (session_id, permission_id):
                self.showing = None
                self._screen = None
            decision = result if result in ("allow_once", "allow_session", "deny") else None
            self.answer(session_id, permission_id, decision)  # type: ignore[arg-type]

        self.owner.app.push_screen(screen, answered)

    def resolved(self, session_id: str, permission_id: str, note: str) -> None:
        """The prompt no longer needs an answer: close it if it is the one on screen."""
        if self.showing == (session_id, permission_id) and self._screen is not None:
            resolve = getattr(self._screen, "resolve_elsewhere", None)
            if resolve is not None:
                resolve(note)
