"""The sessions the sidebar lists, as data: their order, what the filter searches, the parent links,
and the rows a filter query shows (forks under their parents).

Made for 10,000 sessions: the casefolded text the filter searches is made once per session (when
the list is set, and again only when that session changes), a keystroke is one pass of substring
tests, and a query that extends the previous one (the usual typing) only tests the sessions
that matched the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

from mix_tui.protocol.models import SessionData
from mix_tui.tui.widgets.session_list import haystack
from mix_tui.tui.widgets.session_tree import parent_of, tree_rows

Rows = tuple[list[str], dict[str, int]]  # ids in list order, and the depth of the indented ones


class SessionIndex:
    def __init__(self) -> None:
        self.sessions: dict[str, SessionData] = {}
        self.order: list[str] = []  # every session id, most recently used first
        self._parents: dict[str, str] = {}  # the sessions that have a parent: id -> parent id
        self._haystacks: dict[str, str] = {}  # what the filter searches, casefolded
        self._ordered: list[str] | None = None  # the haystacks in list order (made at a query)
        # the last query (casefolded), the ids that matched it and their haystacks
        self._last: tuple[str, list[str], list[str]] | None = None
        self._rows: tuple[list[str], Rows] | None = None  # the last matches, and their rows

    def replace(self, sessions: Iterable[SessionData]) -> None:
        """The whole list, in the given order."""
        self.sessions = {session.id: session for session in sessions}
        self.order = list(self.sessions)
        self._parents = {s.id: s.parent_session_id for s in self.sessions.values() if s.parent_session_id}
        # made here, not at the first keystroke (~6 ms for 10,000 sessions)
        self._haystacks = {sid: haystack(s) for sid, s in self.sessions.items()}
        self._forget()

    def put(self, session: SessionData) -> tuple[bool, bool]:
        """Add or update a session: (it is new, it moved to the top). New ones and those with newer
        activity go on top (most recently used first); others keep their place."""
        sid = session.id
        previous = self.sessions.get(sid)
        self.sessions[sid] = session
        moved = False
        if previous is None:
            self.order.insert(0, sid)
        elif _newer(session, previous) and self.order[0] != sid:
            self.order.remove(sid)
            self.order.insert(0, sid)
            moved = True
        self._changed(session)
        return previous is None, moved

    def remove(self, session_id: str) -> bool:
        if self.sessions.pop(session_id, None) is None:
            return False
        self.order.remove(session_id)
        self._parents.pop(session_id, None)
        self._haystacks.pop(session_id, None)
        self._forget()
        return True

    def has_forks(self, session_id: str) -> bool:
        return session_id in self._parents.values()

    def passes(self, session: SessionData, query: str) -> bool:
        return not query or query.casefold() in haystack(session)

    def rows(self, query: str) -> Rows:
        """The sessions that match `query` (all for ""), forks under their parents: their ids in
        list order and the depth of each indented one. The same objects as the last time while the
        same sessions match (nothing to redraw): don't change them."""
        matches = self.matching(query)
        if self._rows is None or self._rows[0] is not matches:
            self._rows = (matches, tree_rows(matches, self._parents))
        return self._rows[1]

    def matching(self, query: str) -> list[str]:
        """The ids whose title or first message contains `query` (casefolded), in list order; the
        same list as the last time when it would hold the same ids."""
        needle = query.casefold()
        if not needle:
            return self.order
        if self._last is not None and self._last[0] in needle:
            _, ids, haystacks = self._last  # whatever matches "abc" matched "ab"
        else:
            if self._ordered is None:
                self._ordered = [self._haystacks[sid] for sid in self.order]
            ids, haystacks = self.order, self._ordered
        hits = [needle in text for text in haystacks]
        if not all(hits):
            ids, haystacks = list(compress(ids, hits)), list(compress(haystacks, hits))
        self._last = (needle, ids, haystacks)
        return ids

    def _changed(self, session: SessionData) -> None:
        sid = session.id
        parent = parent_of(session)
        if parent is None:
            self._parents.pop(sid, None)
        else:
            self._parents[sid] = parent
        self._haystacks[sid] = haystack(session)
        self._forget()

    def _forget(self) -> None:
        """The list changed: no query result made before still holds."""
        self._ordered = self._last = self._rows = None


def _newer(session: SessionData, before: SessionData) -> bool:
    now, then = session.last_active, before.last_active
    return now is not None and (then is None or now > then)
