"""The server's state while no stream tells it: a fresh chat has no session and so no stream, so the
chat asks the server's health now and then instead. An open session's stream is the truth."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.sdk.errors import MixError

if TYPE_CHECKING:
    from textual.worker import Worker

    from mix_tui.tui.screens.chat_host import ChatHost

HEALTH_EVERY = 5.0  # seconds between health checks (the chat screen's timer calls `poll`)


class HealthWatch:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat
        self.state = "connected"  # the last answer (the server was just reached when the chat opened)
        self._checking: Worker[None] | None = None

    def _stream_knows(self) -> bool:
        opened = self.chat.open_model()
        return opened is not None and (opened.stream is not None or opened.connection.final)

    def poll(self) -> None:
        if self._stream_knows():
            return
        if self._checking is not None and not self._checking.is_finished:
            return  # the last check is still waiting for its answer
        self._checking = self.chat.run_worker(self.check(), group="health", exit_on_error=False)

    async def check(self) -> None:
        chat = self.chat
        current = chat.current
        try:
            await chat.client.system.health()
            state = "connected"
        except MixError:
            state = "offline"
        if chat.current == current and not self._stream_knows():
            self.state = state
            chat.status.set(connection=state, retry_at=None)

    def offline(self) -> None:
        """A request just failed to reach the server."""
        self.state = "offline"
        self.chat.status.set(connection="offline", retry_at=None)
