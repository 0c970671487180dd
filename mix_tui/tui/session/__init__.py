"""The session model: per open session, everything the UI shows and does, free of widgets.

`SessionHub` holds the open `SessionModel`s; a model owns its stream, timeline of turns, send queue,
permission prompts and rules, draft and connection state, and tells the UI what changed with the
messages in `events`. Widgets and screens read it and call it; it never imports either.
"""

from mix_tui.tui.session.connection import Connection, ConnectionState
from mix_tui.tui.session.hub import SessionHub
from mix_tui.tui.session.model import SessionModel
from mix_tui.tui.session.permissions import Decision, PermissionRequest, Rule

__all__ = [
    "Connection",
    "ConnectionState",
    "Decision",
    "PermissionRequest",
    "Rule",
    "SessionHub",
    "SessionModel",
]
