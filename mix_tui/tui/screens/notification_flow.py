"""Which notification dialog is on screen, and which wait their turn (as `PromptFlow` for prompts).

Only the open session's notifications are shown, one at a time, oldest first; a background
session's wait (its sidebar row carries the badge, an alert rings) until the user opens it. The
dialog's answer resolves the request's future; one that closes meanwhile shows why, then goes.
"""

from __future__ import annotations

from textual.dom import DOMNode

from mix_tui.tui.screens.notification import NotificationScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.notifications import NotificationRequest, Reply


class NotificationFlow:
    def __init__(self, owner: DOMNode) -> None:
        self.owner = owner
        self.showing: NotificationRequest | None = None
        self._screen: NotificationScreen | None = None

    def show_next(self, model: SessionModel | None) -> None:
        if self.showing is not None or model is None:
            return
        request = model.notifications.oldest()
        if request is None:
            return
        screen = NotificationScreen(request.notification, deadline=request.deadline)
        self.showing, self._screen = request, screen

        def answered(reply: Reply | None) -> None:
            if self.showing is request:
                self.showing, self._screen = None, None
            request.decide(reply)
            self.show_next(model)

        self.owner.app.push_screen(screen, answered)

    def closed(self, request: NotificationRequest) -> None:
        if self.showing is request and self._screen is not None:
            self._screen.resolve_elsewhere(request.note or "answered elsewhere")
