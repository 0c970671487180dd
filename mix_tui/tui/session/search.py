"""Search every session by content: the server's index where it has one (ours: `GET /api/search`,
SQLite FTS5), else a scan of the histories here, with progress.

The scan reads each session's messages once and keeps them while the session is unchanged (same
`updatedAt` and message count), so refining a query as one types costs no new requests. A message
matches when every word of the query is in it (case-insensitive), as on the server. Results come
as `SearchUpdate`s: the server answers in one; the scan sends one per batch of sessions read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mix_tui.protocol.models import BackendMessage, SearchHit, SessionData
from mix_tui.sdk.errors import MixError, UnsupportedError

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

LIMIT = 100
SCAN_CONCURRENCY = 4
SNIPPET_CHARS = 120


@dataclass(slots=True)
class SearchUpdate:
    hits: list[SearchHit] = field(default_factory=list)  # all found so far, best first
    total: int = 0
    done: int = 0  # sessions read (scan only)
    of: int = 0  # sessions to read (scan only); 0 when the server answered
    took_ms: float | None = None
    finished: bool = False
    server: bool = True  # the server's index answered (False: a scan here)
    error: str | None = None


_Stamp = tuple[str, int]


class SessionSearch:
    def __init__(self, client: MixClient) -> None:
        self.client = client
        self.server_search: bool | None = None  # unknown until the first query
        self._histories: dict[str, tuple[_Stamp, list[BackendMessage]]] = {}

    async def run(self, query: str) -> AsyncIterator[SearchUpdate]:
        if not query.strip():
            yield SearchUpdate(finished=True)
            return
        if self.server_search is not False:
            try:
                found = await self.client.search.messages(query, limit=LIMIT)
            except UnsupportedError:
                self.server_search = False
            except MixError as exc:
                yield SearchUpdate(finished=True, error=exc.message)
                return
            else:
                self.server_search = True
                yield SearchUpdate(found.results, found.total, took_ms=found.took_ms, finished=True)
                return
        async for update in self._scan(query):
            yield update

    # ---- the scan, for servers without an index ------------------------------------------------

    async def _scan(self, query: str) -> AsyncIterator[SearchUpdate]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            sessions = await self.client.sessions.list()
        except MixError as exc:
            yield SearchUpdate(server=False, finished=True, error=exc.message)
            return
        words = [w.casefold() for w in query.split()]
        update = SearchUpdate(of=len(sessions), server=False)
        yield update
        gate = asyncio.Semaphore(SCAN_CONCURRENCY)

        async def read(session: SessionData) -> tuple[SessionData, list[BackendMessage] | None]:
            async with gate:
                return session, await self._history(session)

        failed = 0
        for next_done in asyncio.as_completed([read(s) for s in sessions]):
            session, messages = await next_done
            update.done += 1
            if messages is None:
                failed += 1
            else:
                update.hits.extend(_matches(session, messages, words))
                update.total = len(update.hits)
            yield update
        update.hits.sort(key=lambda hit: hit.created_at.timestamp() if hit.created_at else 0.0, reverse=True)
        update.hits = update.hits[:LIMIT]
        update.took_ms = (loop.time() - started) * 1000
        update.finished = True
        if failed:
            update.error = f"{failed} of {len(sessions)} sessions could not be read"
        yield update

    async def _history(self, session: SessionData) -> list[BackendMessage] | None:
        stamp: _Stamp = (str(session.last_active), session.message_count)
        kept = self._histories.get(session.id)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        try:
            messages = await self.client.messages.list(session.id)
        except MixError:
            return None
        self._histories[session.id] = (stamp, messages)
        return messages


def _matches(session: SessionData, messages: list[BackendMessage], words: list[str]) -> list[SearchHit]:
    hits = []
    for message in messages:
        if message.role not in ("user", "assistant"):
            continue
        text = message.text
        folded = text.casefold()
        if all(word in folded for word in words):
            snippet, highlights = snippet_around(text, words)
            hits.append(
                SearchHit(
                    session_id=session.id, session_title=session.title, message_id=message.id, role=message.role,
                    snippet=snippet, highlights=highlights, created_at=message.created_at or session.last_active,
                )
            )
    return hits


def snippet_around(text: str, words: list[str], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """One line of `text` around the first match of `words` (casefolded), with every match marked."""
    flat = " ".join(text.split())
    folded = flat.casefold()
    first = min((i for w in words if (i := folded.find(w)) != -1), default=0)
    start = max(0, first - width // 3)
    end = min(len(flat), start + width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    piece = flat[start:end]
    snippet = f"{prefix}{piece}{suffix}"
    highlights: list[tuple[int, int]] = []
    lowered = piece.casefold()
    for word in words:
        at = lowered.find(word)
        while at != -1 and word:
            highlights.append((len(prefix) + at, len(prefix) + at + len(word)))
            at = lowered.find(word, at + len(word))
    return snippet, sorted(highlights)
