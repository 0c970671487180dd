"""Forks and sub-agent sessions under their parents in the session list.

The list is most recently used first; a session with a `parentSessionId` (a fork, or a sub-agent's
when they are listed) is shown right under its parent, indented, and a family of sessions sits where
its most recently used member would.
A parent that is not listed (deleted, or filtered out) leaves its forks at the top level. Cycles in
what a server claims are cut.

Most sessions have no family: they keep their place at depth 0 without any tree walking, so that
ordering 10,000 sessions costs a pass over the list (the sidebar does it at every filter keystroke).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mix_tui.protocol.models import SessionData

MAX_DEPTH = 3  # deeper forks are drawn at this indent


def parent_of(session: SessionData) -> str | None:
    return session.parent_session_id or None


def parent_links(sessions: Mapping[str, SessionData]) -> dict[str, str]:
    """session id -> parent id, for the sessions that have a parent."""
    return {sid: parent for sid, session in sessions.items() if (parent := parent_of(session)) is not None}


def tree_order(ids: Sequence[str], sessions: Mapping[str, SessionData]) -> list[tuple[str, int]]:
    """`ids` (most recent first) reordered so forks follow their parents: (id, depth) pairs."""
    order, depths = tree_rows(ids, parent_links({sid: sessions[sid] for sid in ids}))
    return [(sid, depths.get(sid, 0)) for sid in order]


def tree_rows(ids: Sequence[str], parents: Mapping[str, str]) -> tuple[list[str], dict[str, int]]:
    """`tree_order` from the parent links alone (`parents` may hold sessions not in `ids`): the ids
    in list order (a new list), and the depth of each one that is indented."""
    listed = set(ids) if parents else set()
    children: dict[str, list[str]] = {}
    if parents:
        for sid in ids:
            parent = parents.get(sid)
            if parent is not None and parent in listed and parent != sid:
                children.setdefault(parent, []).append(sid)
    if not children:
        return list(ids), {}
    family = set(children).union(*children.values())

    def root(sid: str) -> str:
        seen = {sid}
        while (parent := parents.get(sid)) is not None and parent in listed and parent not in seen:
            seen.add(parent)
            sid = parent
        return sid

    order: list[str] = []
    depths: dict[str, int] = {}
    placed: set[str] = set()

    def emit(sid: str, depth: int) -> None:
        if sid in placed:
            return  # a cycle: drawn once
        placed.add(sid)
        order.append(sid)
        if depth:
            depths[sid] = min(depth, MAX_DEPTH)
        for child in children.get(sid, ()):
            emit(child, depth + 1)

    for sid in ids:
        if sid in family:
            emit(root(sid), 0)
        else:
            order.append(sid)  # no parent listed, no forks listed: its own place
    for sid in ids:  # members of a cycle with no way in from a root
        if sid in family:
            emit(sid, 0)
    return order, depths
