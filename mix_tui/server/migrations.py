"""The SQLite schema, as numbered migrations applied in order and recorded in `PRAGMA user_version`.

A migration is never edited once released: add a new one instead. Each runs in one transaction, so a
crash mid-upgrade leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, messages (ordered by `seq`, never by timestamps), tool calls and their results
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        title TEXT NOT NULL,
        session_type TEXT NOT NULL DEFAULT 'main',
        browser_mode TEXT NOT NULL,
        cdp_url TEXT,
        custom_system_prompt TEXT,
        prompt_mode TEXT NOT NULL DEFAULT 'default',
        parent_session_id TEXT,
        parent_tool_call_id TEXT,
        subagent_type TEXT,
        forked INTEGER NOT NULL DEFAULT 0,
        callbacks TEXT,
        provider TEXT,
        model_id TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost REAL NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX sessions_seq ON sessions(seq);
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        content TEXT NOT NULL DEFAULT '',
        reasoning TEXT,
        reasoning_signature TEXT,
        reasoning_duration INTEGER,
        model TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cache_creation_tokens INTEGER,
        cache_read_tokens INTEGER,
        cost REAL,
        finish_reason TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX messages_by_session ON messages(session_id, seq);
    CREATE INDEX messages_by_role ON messages(role, seq);
    CREATE TABLE tool_calls (
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        input TEXT NOT NULL,
        type TEXT NOT NULL DEFAULT 'tool_use',
        finished INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (message_id, position)
    );
    CREATE TABLE tool_results (
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        tool_call_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        is_error INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (message_id, position)
    );
    """,
    # 2: the single row of user preferences (the default provider/model for new sessions)
    """
    CREATE TABLE preferences (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        preferred_provider TEXT,
        main_agent_model TEXT,
        main_agent_max_tokens INTEGER,
        main_agent_reasoning_effort TEXT,
        sub_agent_model TEXT,
        sub_agent_max_tokens INTEGER,
        sub_agent_reasoning_effort TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    """,
    # 3: what the live view showed, kept for a reopened session: how each turn ended (on its user
    # message), how each tool call ended, how long it ran and how its permission prompt was answered
    """
    ALTER TABLE messages ADD COLUMN turn_status TEXT;
    ALTER TABLE messages ADD COLUMN turn_error TEXT;
    ALTER TABLE tool_results ADD COLUMN status TEXT;
    ALTER TABLE tool_results ADD COLUMN duration_ms INTEGER;
    ALTER TABLE tool_results ADD COLUMN permission TEXT;
    CREATE INDEX messages_running ON messages(session_id) WHERE turn_status = 'running';
    """,
    # 4: prompts accepted while their session's turn runs, in arrival order (prompt_queue.py)
    """
    CREATE TABLE queued_prompts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        plan_mode INTEGER NOT NULL DEFAULT 0,
        thinking_level TEXT,
        max_steps INTEGER,
        created_at REAL NOT NULL
    );
    CREATE INDEX queued_by_session ON queued_prompts(session_id, seq);
    """,
)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer mix-tui; refuse rather than corrupt it."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the latest version; returns that version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise SchemaTooNew(
            f"the database has schema version {current}, newer than this mix-tui knows ({len(MIGRATIONS)})"
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        script = MIGRATIONS[version - 1]
        # executescript would COMMIT on its own; run the statements inside one explicit transaction
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
