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
    # 4: each tool result's response metadata (the SDK's per-tool shapes, JSON), and the results of
    # session callbacks on the tool-role messages that hold them (CallbackResultData list, JSON)
    """
    ALTER TABLE tool_results ADD COLUMN metadata TEXT;
    ALTER TABLE messages ADD COLUMN callback_results TEXT;
    """,
    # 5: prompts accepted while their session's turn runs, in arrival order (prompt_queue.py)
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
    # 6: the session list in one indexed scan. Counted subqueries per session picked the role index
    # and grew quadratically (168 s for 10,000 sessions); triggers now keep the counts and the first
    # prompt on the session row, whichever code path adds or deletes messages (INDEXED BY: the
    # planner must not pick messages_by_role for the per-session lookups either).
    """
    ALTER TABLE sessions ADD COLUMN user_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN assistant_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN tool_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN first_user TEXT;
    UPDATE sessions SET user_count = c.users, assistant_count = c.assistants, tool_count = c.tools
        FROM (SELECT session_id, SUM(role = 'user') AS users, SUM(role = 'assistant') AS assistants,
                     SUM(role = 'tool') AS tools
              FROM messages GROUP BY session_id) AS c
        WHERE c.session_id = sessions.id;
    UPDATE sessions SET first_user = (
        SELECT m.content FROM messages m INDEXED BY messages_by_session
        WHERE m.session_id = sessions.id AND m.role = 'user' ORDER BY m.seq LIMIT 1);
    CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
        UPDATE sessions SET
            user_count = user_count + (NEW.role = 'user'),
            assistant_count = assistant_count + (NEW.role = 'assistant'),
            tool_count = tool_count + (NEW.role = 'tool'),
            first_user = CASE WHEN NEW.role = 'user' AND first_user IS NULL THEN NEW.content ELSE first_user END
        WHERE id = NEW.session_id;
    END;
    CREATE TRIGGER messages_uncounted AFTER DELETE ON messages BEGIN
        UPDATE sessions SET
            user_count = user_count - (OLD.role = 'user'),
            assistant_count = assistant_count - (OLD.role = 'assistant'),
            tool_count = tool_count - (OLD.role = 'tool'),
            first_user = CASE WHEN OLD.role != 'user' THEN first_user ELSE (
                SELECT m.content FROM messages m INDEXED BY messages_by_session
                WHERE m.session_id = OLD.session_id AND m.role = 'user' ORDER BY m.seq LIMIT 1) END
        WHERE id = OLD.session_id;
    END;
    CREATE INDEX sessions_recent ON sessions(updated_at DESC, seq DESC);
    """,
    # 7: full-text search over what users and models wrote (search.py). An external-content FTS5
    # index on messages.content, kept by triggers (tool-role rows hold no text of their own); a
    # partial answer rewritten while it streams replaces its entry. Filled from the rows there are.
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts(rowid, content) SELECT seq, content FROM messages WHERE role != 'tool';
    CREATE TRIGGER messages_fts_added AFTER INSERT ON messages WHEN NEW.role != 'tool' BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (NEW.seq, NEW.content);
    END;
    CREATE TRIGGER messages_fts_removed AFTER DELETE ON messages WHEN OLD.role != 'tool' BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', OLD.seq, OLD.content);
    END;
    CREATE TRIGGER messages_fts_rewritten AFTER UPDATE OF content ON messages
        WHEN OLD.role != 'tool' AND OLD.content IS NOT NEW.content BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', OLD.seq, OLD.content);
        INSERT INTO messages_fts(rowid, content) VALUES (NEW.seq, NEW.content);
    END;
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
    """The script's statements; a trigger's body holds semicolons of its own, so pieces are joined
    until SQLite calls the statement complete."""
    statements: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip())
    return statements
