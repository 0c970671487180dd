"""The session list from the chat: loading it (with the prompt history the composer recalls),
showing or hiding sub-agent sessions, and deleting a session after a confirmation."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text

from mix_tui.sdk.errors import MixError
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.widgets.session_list import nest_subagents, session_label

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost

PROMPT_HISTORY = 100  # prompts ↑ recalls in the composer


class SessionListFlow:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat
        self.show_subagents = False  # the sidebar lists sub-agent sessions too (/subagents)

    async def load(self) -> None:
        chat = self.chat
        try:
            sessions, prompts = await asyncio.gather(
                chat.client.sessions.list(include_subagents=self.show_subagents),
                chat.client.messages.history(limit=PROMPT_HISTORY),
            )
        except MixError as exc:
            chat.notify(f"could not list sessions: {exc.message}", severity="warning", markup=False)
            return
        chat.sidebar.set_sessions(nest_subagents(sessions))
        chat.sidebar.set_current(chat.current)
        chat.composer.set_history([p.text for p in prompts])

    async def toggle_subagents(self) -> None:
        """List sub-agent sessions under their parents in the sidebar, or hide them."""
        chat = self.chat
        show = not self.show_subagents
        try:
            sessions = await chat.client.sessions.list(include_subagents=show)
        except MixError as exc:
            chat.notify(f"could not list sessions: {exc.message}", severity="warning", markup=False)
            return
        self.show_subagents = show
        chat.sidebar.set_sessions(nest_subagents(sessions))
        chat.sidebar.set_current(chat.current)
        chat.notify("sub-agent sessions shown" if show else "sub-agent sessions hidden", timeout=3)

    def ask_delete(self, session_id: str) -> None:
        chat = self.chat
        session = next((s for s in chat.sidebar.sessions() if s.id == session_id), None)
        if session is None:
            return
        question = Text("Delete the session ")
        question.append(f"“{session_label(session)}”", style="bold")
        question.append("? This cannot be undone.")

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                chat.run_worker(self._delete(session_id), exit_on_error=False)

        chat.app.push_screen(ConfirmScreen(question, confirm_label="Delete"), answered)

    async def _delete(self, session_id: str) -> None:
        try:
            await self.chat.hub.delete(session_id)
        except MixError as exc:
            self.chat.notify(f"could not delete: {exc.message}", severity="error", markup=False)
