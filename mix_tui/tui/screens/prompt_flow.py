"""Which permission prompt is on screen, and which wait their turn.

Only the open session's prompts are shown, one at a time, oldest first; a background session's
prompts wait (its sidebar row carries a badge) until the user opens it. The prompt's answer resolves
the request's future; a request that closes meanwhile (the tool finished, the turn ended, another
client answered) shows its note on the prompt, which then closes itself.
"""

from __future__ import annotations

from textual.dom import DOMNode

from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.session import PermissionRequest, SessionModel

DEFAULT_TIMEOUT = 30.0


class PromptFlow:
    def __init__(self, owner: DOMNode, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.owner = owner  # the chat screen; its app shows the prompts
        self.timeout = timeout
        self.showing: PermissionRequest | None = None
        self._screen: PermissionScreen | None = None

    def show_next(self, model: SessionModel | None) -> None:
        """Open the oldest waiting prompt of the open session, unless one is already up."""
        if self.showing is not None or model is None:
            return
        request = model.permissions.oldest()
        if request is None:
            return
        screen = PermissionScreen(
            request.permission, timeout=self.timeout, received_at=request.received_at, rule=request.rule
        )
        self.showing, self._screen = request, screen

        def answered(decision: str | None) -> None:
            if self.showing is request:
                self.showing, self._screen = None, None
            request.decide(decision if decision in ("once", "session", "deny") else None)  # type: ignore[arg-type]
            self.show_next(model)

        self.owner.app.push_screen(screen, answered)

    def closed(self, request: PermissionRequest) -> None:
        """The request no longer needs an answer: if it is the one on screen, say why and close."""
        if self.showing is request and self._screen is not None:
            self._screen.resolve_elsewhere(request.note or "answered elsewhere")
