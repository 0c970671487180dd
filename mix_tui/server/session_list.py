"""`GET /api/sessions` as ready bytes: each session's JSON is rendered once and kept in the list's
order (most recently used first), so listing 100,000 sessions costs a join, not 100,000 rows
fetched and serialised again.

What changed is known exactly: SQLite triggers on `sessions` report every row this process
inserts, updates or deletes (counts and the first prompt live on that row, migration 5), and
`PRAGMA data_version` tells when another process (a second server on the data dir) committed, which
reloads everything. Everything here runs on the store's thread (`store.run(listing.json, ...)`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from mix_tui.server.store import SessionRow, Store

# beyond this many changed sessions one full reload is cheaper than one query each
RELOAD_AT = 2000

_Key = tuple[float, int]  # (-updated_at, -seq): ascending order is most recently used first


@dataclass(slots=True)
class _Entry:
    key: _Key
    subagent: bool
    json: bytes


class SessionListing:
    def __init__(self, store: Store, render: Callable[[SessionRow], bytes]) -> None:
        self._store = store
        self._render = render
        self._entries: dict[str, _Entry] = {}
        # sorted by key; keys are unique (seq is), so the entries themselves are never compared
        self._order: list[tuple[_Key, str, _Entry]] = []
        self._changed: set[str] = set()
        self._loaded = False
        self._version = -1
        # the last answers, kept until something changes (with and without subagents)
        self._joined: dict[bool, bytes] = {}
        store.watch_sessions(self._changed.add)

    def json(self, include_subagents: bool) -> bytes:
        """The JSON array of every session (subagents only when asked), most recently used first."""
        version = self._store.data_version()
        if not self._loaded or version != self._version or len(self._changed) > RELOAD_AT:
            self._reload()
        elif self._changed:
            self._refresh()
        self._version = version
        joined = self._joined.get(include_subagents)
        if joined is None:
            if include_subagents:
                parts = [entry.json for _, _, entry in self._order]
            else:
                parts = [entry.json for _, _, entry in self._order if not entry.subagent]
            joined = self._joined[include_subagents] = b"[" + b",".join(parts) + b"]"
        return joined

    def _reload(self) -> None:
        self._changed.clear()
        self._joined.clear()
        rows = self._store.list_sessions(include_subagents=True)
        self._entries = {row.id: self._entry(row) for row in rows}
        self._order = sorted((entry.key, sid, entry) for sid, entry in self._entries.items())
        self._loaded = True

    def _refresh(self) -> None:
        changed = list(self._changed)  # the set itself stays: the trigger callback holds its `add`
        self._changed.clear()
        self._joined.clear()
        for sid in changed:
            old = self._entries.pop(sid, None)
            if old is not None:
                del self._order[bisect.bisect_left(self._order, (old.key, sid, old))]
            row = self._store.get_session(sid)
            if row is not None:
                entry = self._entries[sid] = self._entry(row)
                bisect.insort(self._order, (entry.key, sid, entry))

    def _entry(self, row: SessionRow) -> _Entry:
        return _Entry((-row.updated_at, -row.seq), row.session_type == "subagent", self._render(row))
