"""What a start after a crash (kill -9, power loss) puts right in the database, before serving.

Run only by a server that is alone on its data dir (datadir.py): then a turn still "running" died
with the previous server. Prompts that were queued behind it (prompt_queue.py) are recorded too.
"""

from __future__ import annotations

import sqlite3
import time

from mix_tui.server.prompt_queue import abandon_queued
from mix_tui.server.rows import MessageRow, ToolResultRow, new_id
from mix_tui.server.store import insert_message

INTERRUPTED_TURN = "interrupted: the server stopped while this turn was running"
INTERRUPTED_TOOL = "The server stopped before this tool call finished; it may have run in part."


def recover(db: sqlite3.Connection) -> int:
    """Both repairs in one transaction; returns the number of prompts recorded as interrupted."""
    return recover_interrupted(db) + abandon_queued(db)


def recover_interrupted(db: sqlite3.Connection) -> int:
    """Every running turn becomes interrupted, its streaming answer is marked so (its partial text
    kept), and each of its tool calls left without a result gets one saying the server stopped, so
    the model sees a result for every call it made."""
    now = time.time()
    prompts = db.execute("SELECT id, session_id, seq FROM messages WHERE turn_status = 'running'").fetchall()
    for prompt in prompts:
        sid, seq = prompt["session_id"], prompt["seq"]
        db.execute(
            "UPDATE messages SET turn_status = 'interrupted', turn_error = ?, updated_at = ? WHERE id = ?",
            (INTERRUPTED_TURN, now, prompt["id"]),
        )
        db.execute(
            """UPDATE messages SET finish_reason = 'interrupted', updated_at = ?
               WHERE session_id = ? AND seq > ? AND role = 'assistant' AND finish_reason IS NULL""",
            (now, sid, seq),
        )
        later = "JOIN messages m ON m.id = x.message_id WHERE m.session_id = ? AND m.seq > ?"
        answered = {r[0] for r in db.execute(f"SELECT x.tool_call_id FROM tool_results x {later}", (sid, seq))}
        calls = db.execute(f"SELECT x.id, x.name FROM tool_calls x {later} ORDER BY m.seq, x.position", (sid, seq))
        unanswered = [
            ToolResultRow(r["id"], r["name"], INTERRUPTED_TOOL, True, "cancelled")
            for r in calls
            if r["id"] not in answered
        ]
        if unanswered:
            insert_message(db, MessageRow(new_id(), sid, "tool", created_at=now, updated_at=now, tool_results=unanswered))
    return len(prompts)
