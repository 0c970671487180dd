"""Persistence: sessions, messages, tool calls and results, preferences, in one SQLite file.

Every method is synchronous and runs one transaction; `Store.run` executes it on the store's single
worker thread so the event loop never blocks on disk and writes never interleave. WAL mode keeps a
crash (or SIGKILL) from leaving a half-written database: a transaction is either in or not.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from mix_tui.server.migrations import migrate
from mix_tui.server.rows import (
    JSON_MESSAGE_FIELDS,
    MESSAGE_FIELDS,
    PREFERENCE_FIELDS,
    MessageRow,
    SessionRow,
    ToolCallRow,
    ToolResultRow,
    new_id,
    storable,
)

__all__ = ["PREFERENCE_FIELDS", "MessageRow", "SessionRow", "Store", "ToolCallRow", "ToolResultRow", "new_id"]

P = ParamSpec("P")
R = TypeVar("R")

# columns a later write of the same message may change (a partial answer becoming the final one)
_REWRITABLE = [f for f in MESSAGE_FIELDS if f not in ("id", "session_id", "role", "created_at")]


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # one thread owns the connection: every call goes through `run` (or happens before serving)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mix-store")
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 5000")
        migrate(self._conn)

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store method on the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        """Finish queued work, checkpoint the WAL and close."""
        self._executor.shutdown(wait=True)
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._conn.close()

    def transaction(self, fn: Callable[..., R], *args: Any) -> R:
        """`fn(connection, *args)` inside one transaction (for modules that own their own tables or
        span several: the send queue, crash recovery). Call it through `run`."""
        with self._tx() as db:
            return fn(db, *args)

    def read(self, fn: Callable[..., R], *args: Any) -> R:
        """`fn(connection, *args)` outside any explicit transaction (one read statement sees one
        snapshot anyway), for modules that only query: search. Call it through `run`."""
        return fn(self._conn, *args)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # ---- sessions ------------------------------------------------------------------------------

    def create_session(self, row: SessionRow) -> SessionRow:
        with self._tx() as db:
            self._insert_session(db, row)
        created = self.get_session(row.id)
        assert created is not None
        return created

    def _insert_session(self, db: sqlite3.Connection, row: SessionRow) -> None:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sessions").fetchone()[0]
        db.execute(
            """INSERT INTO sessions (id, seq, title, session_type, browser_mode, cdp_url, custom_system_prompt,
               prompt_mode, parent_session_id, parent_tool_call_id, subagent_type, forked, callbacks,
               provider, model_id, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                row.id, seq, row.title, row.session_type, row.browser_mode, row.cdp_url,
                row.custom_system_prompt, row.prompt_mode, row.parent_session_id, row.parent_tool_call_id,
                row.subagent_type, int(row.forked), _dump(row.callbacks), row.provider, row.model_id,
                row.created_at, row.updated_at,
            ),
        )

    def watch_sessions(self, changed: Callable[[str], None]) -> None:
        """Call `changed(session_id)` (on the store thread) for every sessions row this connection
        inserts, updates or deletes, whichever method or trigger does it. TEMP triggers: they live in
        this connection only, so the database file never names a function other openers lack."""
        self._conn.create_function("mix_session_changed", 1, changed)
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            self._conn.execute(
                f"""CREATE TEMP TRIGGER IF NOT EXISTS session_{event.lower()}_watched AFTER {event} ON main.sessions
                    BEGIN SELECT mix_session_changed({row}.id); END"""
            )

    def data_version(self) -> int:
        """Changes whenever another connection (another process) commits to the database."""
        version: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return version

    def get_session(self, session_id: str) -> SessionRow | None:
        found = self._conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return _session(found) if found else None

    def list_sessions(self, include_subagents: bool = False) -> list[SessionRow]:
        # counts and the first prompt live on the row (migration 5): one scan of sessions_recent
        where = "" if include_subagents else "WHERE session_type != 'subagent'"
        rows = self._conn.execute(f"SELECT * FROM sessions {where} ORDER BY updated_at DESC, seq DESC")
        return [_session(r) for r in rows]

    def delete_session(self, session_id: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def update_session(self, session_id: str, **values: Any) -> SessionRow | None:
        """Set plain columns (title, callbacks, provider, model_id)."""
        allowed = {"title", "callbacks", "provider", "model_id"}
        if not values.keys() <= allowed:
            raise ValueError(f"cannot update {sorted(values.keys() - allowed)}")
        if "callbacks" in values:
            values["callbacks"] = _dump(values["callbacks"])
        sets = ", ".join(f"{name} = ?" for name in values)
        with self._tx() as db:
            db.execute(
                f"UPDATE sessions SET {sets}, updated_at = ? WHERE id = ?",
                (*values.values(), time.time(), session_id),
            )
        return self.get_session(session_id)

    def add_cost(self, session_id: str, cost: float) -> None:
        """Add a sub-agent's cost to its parent session (the spec: subagent costs are added in)."""
        with self._tx() as db:
            db.execute("UPDATE sessions SET cost = cost + ? WHERE id = ?", (cost, session_id))

    # ---- messages ------------------------------------------------------------------------------

    def add_message(
        self, message: MessageRow, *, usage: tuple[int, int, float] | None = None, rewrite: bool = False
    ) -> None:
        """Insert a message with its tool calls or results. `usage` = (prompt, completion, cost) for the
        session: tokens are overwritten with the last call's, cost accumulates (DESIGN.md §2.7)."""
        now = time.time()
        message.created_at = message.created_at or now
        message.updated_at = now
        with self._tx() as db:
            insert_message(db, message, rewrite=rewrite)
            if usage is not None:
                db.execute(
                    """UPDATE sessions SET prompt_tokens = ?, completion_tokens = ?, cost = cost + ?, updated_at = ?
                       WHERE id = ?""",
                    (usage[0], usage[1], usage[2], now, message.session_id),
                )
            else:
                db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, message.session_id))

    def save_assistant(self, message: MessageRow, *, usage: tuple[int, int, float] | None = None) -> None:
        """Insert or rewrite a step's assistant message (partial while it streams, then final): it keeps
        its place in the session and its creation time; its tool calls are replaced by `message`'s."""
        self.add_message(message, usage=usage, rewrite=True)

    def set_turn_status(self, message_id: str, status: str, error: str | None = None) -> None:
        """Record how the turn started by user message `message_id` stands or ended."""
        with self._tx() as db:
            db.execute(
                "UPDATE messages SET turn_status = ?, turn_error = ?, updated_at = ? WHERE id = ?",
                (status, error, time.time(), message_id),
            )

    def set_finish_reason(self, message_id: str, reason: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE messages SET finish_reason = ?, updated_at = ? WHERE id = ?", (reason, time.time(), message_id)
            )

    def list_messages(self, session_id: str) -> list[MessageRow]:
        rows = self._conn.execute("SELECT * FROM messages WHERE session_id = ? ORDER BY seq", (session_id,))
        return self._with_parts([_message(r) for r in rows])

    def user_history(self, limit: int, offset: int) -> list[MessageRow]:
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE role = 'user' ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_message(r) for r in rows]

    def _with_parts(self, messages: list[MessageRow]) -> list[MessageRow]:
        by_id = {m.id: m for m in messages}
        if not by_id:
            return messages
        marks = ",".join("?" * len(by_id))
        for r in self._conn.execute(
            f"SELECT * FROM tool_calls WHERE message_id IN ({marks}) ORDER BY message_id, position", tuple(by_id)
        ):
            by_id[r["message_id"]].tool_calls.append(
                ToolCallRow(r["id"], r["name"], r["input"], r["type"], bool(r["finished"]))
            )
        for r in self._conn.execute(
            f"SELECT * FROM tool_results WHERE message_id IN ({marks}) ORDER BY message_id, position", tuple(by_id)
        ):
            by_id[r["message_id"]].tool_results.append(
                ToolResultRow(
                    r["tool_call_id"], r["name"], r["content"], bool(r["is_error"]), r["status"], r["duration_ms"],
                    r["permission"], json.loads(r["metadata"]) if r["metadata"] else None,
                )
            )
        return messages

    def rewind(self, session_id: str, message_id: str) -> float | None:
        """Delete every message after `message_id` (which is kept). Returns the kept message's creation
        time, or None when the message is not in this session."""
        with self._tx() as db:
            kept = db.execute(
                "SELECT seq, created_at FROM messages WHERE id = ? AND session_id = ?", (message_id, session_id)
            ).fetchone()
            if kept is None:
                return None
            db.execute("DELETE FROM messages WHERE session_id = ? AND seq > ?", (session_id, kept["seq"]))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (time.time(), session_id))
            _recount_context(db, session_id)
            return float(kept["created_at"])

    def fork(self, source_id: str, count: int, row: SessionRow) -> SessionRow | None:
        """A new session `row` holding copies (new ids) of the first `count` messages of `source_id`, plus
        the tool-result message that answers the last copied one (mix-contract.md §5.6)."""
        source = self.list_messages(source_id)
        if self.get_session(source_id) is None:
            return None
        copied = source[:count]
        if copied and copied[-1].tool_calls and len(source) > count and source[count].role == "tool":
            copied.append(source[count])
        with self._tx() as db:
            self._insert_session(db, row)
            for m in copied:
                clone = MessageRow(**{name: getattr(m, name) for name in MESSAGE_FIELDS})
                clone.id, clone.session_id = new_id(), row.id
                if clone.turn_status == "running":  # the copy runs nothing
                    clone.turn_status = None
                clone.tool_calls, clone.tool_results = list(m.tool_calls), list(m.tool_results)
                insert_message(db, clone)
            _recount_context(db, row.id)
        return self.get_session(row.id)

    # ---- preferences ---------------------------------------------------------------------------

    def get_preferences(self) -> dict[str, Any] | None:
        found = self._conn.execute("SELECT * FROM preferences WHERE id = 1").fetchone()
        return {k: found[k] for k in found.keys() if k != "id"} if found else None

    def update_preferences(self, values: dict[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(PREFERENCE_FIELDS)
        if unknown:
            raise ValueError(f"unknown preference fields {sorted(unknown)}")
        now = int(time.time())
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO preferences (id, created_at, updated_at) VALUES (1, ?, ?)", (now, now)
            )
            if values:
                sets = ", ".join(f"{name} = ?" for name in values)
                db.execute(f"UPDATE preferences SET {sets}, updated_at = ? WHERE id = 1", (*values.values(), now))
        prefs = self.get_preferences()
        assert prefs is not None
        return prefs

    def reset_preferences(self, defaults: dict[str, Any]) -> dict[str, Any]:
        with self._tx() as db:
            db.execute("DELETE FROM preferences")
        return self.update_preferences(defaults)


def _recount_context(db: sqlite3.Connection, session_id: str) -> None:
    """After a rewind or a fork the context is what the last remaining model call saw (the same
    input + cache-written / output + cache-read sums a new call stores), not the dropped calls'."""
    last = db.execute(
        """SELECT IFNULL(input_tokens, 0) + IFNULL(cache_creation_tokens, 0) AS prompt,
                  IFNULL(output_tokens, 0) + IFNULL(cache_read_tokens, 0) AS completion
           FROM messages WHERE session_id = ? AND role = 'assistant'
             AND IFNULL(input_tokens, 0) + IFNULL(output_tokens, 0) > 0
           ORDER BY seq DESC LIMIT 1""",
        (session_id,),
    ).fetchone()
    prompt, completion = (last["prompt"], last["completion"]) if last else (0, 0)
    db.execute(
        "UPDATE sessions SET prompt_tokens = ?, completion_tokens = ? WHERE id = ?", (prompt, completion, session_id)
    )


def insert_message(db: sqlite3.Connection, m: MessageRow, *, rewrite: bool = False) -> None:
    """Insert (or, with `rewrite`, rewrite in place) a message with its tool calls and results."""
    sql = f"INSERT INTO messages ({', '.join(MESSAGE_FIELDS)}) VALUES ({', '.join('?' * len(MESSAGE_FIELDS))})"
    if rewrite:
        sql += " ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{f} = excluded.{f}" for f in _REWRITABLE)
        db.execute("DELETE FROM tool_calls WHERE message_id = ?", (m.id,))
    db.execute(sql, tuple(_column(m, name) for name in MESSAGE_FIELDS))
    db.executemany(
        "INSERT INTO tool_calls (message_id, position, id, name, input, type, finished) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(m.id, n, c.id, storable(c.name), storable(c.input), c.type, int(c.finished)) for n, c in enumerate(m.tool_calls)],
    )
    db.executemany(
        """INSERT INTO tool_results (message_id, position, tool_call_id, name, content, is_error, status,
           duration_ms, permission, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (m.id, n, r.tool_call_id, storable(r.name), storable(r.content), int(r.is_error), r.status,
             r.duration_ms, r.permission, _dump(r.metadata))
            for n, r in enumerate(m.tool_results)
        ],
    )


def _dump(value: Any) -> str | None:
    # ensure_ascii: a lone surrogate in tool metadata stays an escape, never an encoding error
    return None if value is None else json.dumps(value)


def _session(r: sqlite3.Row) -> SessionRow:
    return SessionRow(
        id=r["id"], seq=r["seq"], title=r["title"], session_type=r["session_type"], browser_mode=r["browser_mode"],
        created_at=r["created_at"], updated_at=r["updated_at"], cdp_url=r["cdp_url"],
        custom_system_prompt=r["custom_system_prompt"], prompt_mode=r["prompt_mode"],
        parent_session_id=r["parent_session_id"], parent_tool_call_id=r["parent_tool_call_id"],
        subagent_type=r["subagent_type"], forked=bool(r["forked"]),
        callbacks=json.loads(r["callbacks"]) if r["callbacks"] else None,
        provider=r["provider"], model_id=r["model_id"], prompt_tokens=r["prompt_tokens"],
        completion_tokens=r["completion_tokens"], cost=r["cost"], user_count=r["user_count"],
        assistant_count=r["assistant_count"], tool_count=r["tool_count"], first_user=r["first_user"],
    )


def _column(m: MessageRow, name: str) -> Any:
    value = getattr(m, name)
    if name in JSON_MESSAGE_FIELDS:
        return _dump(value)
    return storable(value) if isinstance(value, str) else value


def _message(r: sqlite3.Row) -> MessageRow:
    values = {name: r[name] for name in MESSAGE_FIELDS}
    for name in JSON_MESSAGE_FIELDS:
        values[name] = json.loads(values[name]) if values[name] else None
    return MessageRow(**values)
