"""The server-side send queue's rows: a prompt sent while its session's turn runs waits here.

Persisted as soon as it is accepted (202), so a crash loses no acknowledged prompt: taking one from
the queue and storing it as the turn's user message is one transaction, and a start after a crash
(or a shutdown) records every prompt still waiting as a user message that never ran.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from mix_tui.server.rows import MessageRow, new_id
from mix_tui.server.store import insert_message

NOT_RUN = "not run: the server stopped before this queued prompt's turn began"


@dataclass(slots=True)
class QueuedPrompt:
    id: str
    session_id: str
    text: str
    plan_mode: bool = False
    thinking_level: str | None = None
    max_steps: int | None = None
    created_at: float = 0.0


def add(db: sqlite3.Connection, item: QueuedPrompt) -> None:
    db.execute(
        """INSERT INTO queued_prompts (id, session_id, text, plan_mode, thinking_level, max_steps, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (item.id, item.session_id, item.text, int(item.plan_mode), item.thinking_level, item.max_steps,
         item.created_at),
    )


def remove(db: sqlite3.Connection, queue_ids: list[str]) -> None:
    db.executemany("DELETE FROM queued_prompts WHERE id = ?", [(q,) for q in queue_ids])


def begin_turn(db: sqlite3.Connection, user: MessageRow, queue_id: str | None) -> None:
    """Store the turn's user message; a queued prompt leaves the queue in the same transaction."""
    if queue_id is not None:
        remove(db, [queue_id])
    now = time.time()
    user.created_at = user.created_at or now
    user.updated_at = now
    insert_message(db, user)
    db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, user.session_id))


def abandon_queued(db: sqlite3.Connection) -> int:
    """Every prompt still queued becomes a user message marked interrupted (shown, never run)."""
    rows = db.execute("SELECT * FROM queued_prompts ORDER BY seq").fetchall()
    now = time.time()
    for r in rows:
        insert_message(
            db,
            MessageRow(
                new_id(), r["session_id"], "user", r["text"], turn_status="interrupted", turn_error=NOT_RUN,
                created_at=r["created_at"], updated_at=now,
            ),
        )
    db.execute("DELETE FROM queued_prompts")
    return len(rows)
