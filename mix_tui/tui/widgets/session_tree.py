"""Forks and sub-agent sessions under their parents in the session list.

The list is most recently used first; a session with a `parentSessionId` (a fork, or a sub-agent's
when they are listed) is shown right under its parent, indented, and a family of sessions sits where
its most recently used member would.
A parent that is not listed (deleted, or filtered out) leaves its forks at the top level. Cycles in
what a server claims are cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mix_tui.protocol.models import SessionData

MAX_DEPTH = 3  # deeper forks are drawn at this indent


def parent_of(session: SessionData) -> str | None:
    return session.parent_session_id or None


def tree_order(ids: Sequence[str], sessions: Mapping[str, SessionData]) -> list[tuple[str, int]]:
    """`ids` (most recent first) reordered so forks follow their parents: (id, depth) pairs."""
    listed = set(ids)
    children: dict[str, list[str]] = {}
    for sid in ids:
        parent = parent_of(sessions[sid])
        if parent is not None and parent in listed and parent != sid:
            children.setdefault(parent, []).append(sid)

    def root(sid: str) -> str:
        seen = {sid}
        while (parent := parent_of(sessions[sid])) is not None and parent in listed and parent not in seen:
            seen.add(parent)
            sid = parent
        return sid

    out: list[tuple[str, int]] = []
    placed: set[str] = set()

    def emit(sid: str, depth: int) -> None:
        if sid in placed:
            return  # a cycle: drawn once
        placed.add(sid)
        out.append((sid, min(depth, MAX_DEPTH)))
        for child in children.get(sid, ()):
            emit(child, depth + 1)

    for sid in ids:
        emit(root(sid), 0)
    for sid in ids:  # members of a cycle with no way in from a root
        emit(sid, 0)
    return out
