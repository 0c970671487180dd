"""Find in the open transcript: the find bar's query against what the transcript holds (all of it,
not only the mounted window), a counter, and a jump to each match (mounting it if needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.tui.session.find import FindState, Match

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost
    from mix_tui.tui.widgets.find_bar import FindBar


class FindFlow:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat
        self.state = FindState()

    @property
    def bar(self) -> FindBar:

        return self.chat.find_bar

    async def open(self, query: str = "") -> None:
        """Ctrl+F, or `/find TEXT` (the text searched at once)."""
        bar = self.bar
        if query and bar.input.value == query:
            await self.changed(query)  # the same text again: no change event, find anyway
        bar.open(query or None)

    async def changed(self, query: str) -> None:
        transcript = self.chat.transcript
        match = self.state.search(transcript.items, query, near=transcript.selected)
        await self._show(match)

    async def step(self, direction: int) -> None:
        await self._show(self.state.step(direction))

    async def refresh(self) -> None:
        """The transcript changed while the bar is open: keep the marks true."""
        if self.bar.is_open and self.state.query:
            self.state.refresh(self.chat.transcript.items)
            current = self.state.matches[self.state.current] if self.state.matches else None
            self.chat.transcript.mark_found(self.state.keys, current.key if current else None)
            self._counter()

    def closed(self) -> None:
        self.state = FindState()
        self.chat.transcript.mark_found(set(), None)
        self.chat.composer.focus()

    async def _show(self, match: Match | None) -> None:
        transcript = self.chat.transcript
        transcript.mark_found(self.state.keys, match.key if match else None)
        if match is not None:
            await transcript.reveal(match.key)
        self._counter()

    def _counter(self) -> None:
        self.bar.show_counter(self.state.counter, none=bool(self.state.query) and not self.state.matches)
