"""The SQLite store's migrations and durability, and the agent's fixed texts (titles, budgets, prompts)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from mix_tui.server.migrations import MIGRATIONS, SchemaTooNew
from mix_tui.server.prompt import system_prompt, thinking_budget, title_from_prompt
from mix_tui.server.rows import MessageRow, SessionRow, ToolCallRow, ToolResultRow, new_id
from mix_tui.server.store import Store


def _session(title: str = "t") -> SessionRow:
    now = time.time()
    return SessionRow(id=new_id(), title=title, session_type="main", browser_mode="local-browser-service",
                      created_at=now, updated_at=now)


def test_schema_version_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "mix.db"
    store = Store(path)
    session = store.create_session(_session())
    call = ToolCallRow("c1", "Bash", '{"command":"ls"}')
    store.add_message(MessageRow(new_id(), session.id, "user", "hi"))
    store.add_message(MessageRow(new_id(), session.id, "assistant", "ok", tool_calls=[call]), usage=(10, 2, 0.5))
    store.add_message(MessageRow(new_id(), session.id, "tool", tool_results=[ToolResultRow("c1", "Bash", "out")]))
    store.add_message(MessageRow(new_id(), session.id, "assistant", "done"), usage=(20, 3, 0.25))
    store.close()

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = Store(path)
    row = again.get_session(session.id)
    assert row is not None
    assert (row.user_count, row.assistant_count, row.tool_count) == (1, 2, 1)
    # tokens are the last call's, cost adds up (DESIGN.md §2.7)
    assert (row.prompt_tokens, row.completion_tokens, row.cost) == (20, 3, 0.75)
    messages = again.list_messages(session.id)
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1].tool_calls[0].input == '{"command":"ls"}' and messages[2].tool_results[0].content == "out"
    assert again.delete_session(session.id) and again.list_messages(session.id) == []
    with sqlite3.connect(path) as raw:  # foreign keys cascade to calls and results
        assert raw.execute("SELECT COUNT(*) FROM tool_calls").fetchone()[0] == 0
    again.close()


def test_a_version_2_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "mix.db"
    with sqlite3.connect(path, isolation_level=None) as raw:
        for version, script in enumerate(MIGRATIONS[:2], start=1):
            raw.executescript(script)
            raw.execute(f"PRAGMA user_version = {version}")
        raw.execute(
            "INSERT INTO sessions (id, seq, title, browser_mode, created_at, updated_at) VALUES ('s', 1, 'old', 'x', 1, 1)"
        )
        raw.execute(
            "INSERT INTO messages (id, session_id, role, content, created_at, updated_at) VALUES ('m', 's', 'user', 'hi', 1, 1)"
        )
        raw.execute(
            "INSERT INTO tool_results (message_id, position, tool_call_id, name, content) VALUES ('m', 0, 'c', 'Bash', 'out')"
        )
    store = Store(path)
    (message,) = store.list_messages("s")
    # rows written before the upgrade read as "unknown", not as a made-up outcome
    assert message.content == "hi" and (message.turn_status, message.turn_error) == (None, None)
    assert message.tool_results[0].status is None and message.tool_results[0].content == "out"
    # the counts and the first prompt moved onto the session row (migration 5) and were filled in
    session = store.get_session("s")
    assert session is not None and (session.user_count, session.assistant_count, session.first_user) == (1, 0, "hi")
    store.set_turn_status("m", "complete")
    assert store.list_messages("s")[0].turn_status == "complete"
    store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mix.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(SchemaTooNew):
        Store(path)


def test_titles_from_the_first_prompt() -> None:
    assert title_from_prompt("\n\n  Fix   the login bug \nmore detail") == "Fix the login bug"
    long = title_from_prompt("Please refactor the payment module so that retries are idempotent and logged")
    assert len(long) <= 51 and long.endswith("…") and long.startswith("Please refactor the payment module")
    assert title_from_prompt("   ") == ""


def test_thinking_budgets() -> None:
    assert [thinking_budget(level, "") for level in ("off", "basic", "medium", "maximum")] == [0, 4000, 10000, 31999]
    assert thinking_budget(None, "hello") == 0
    assert thinking_budget(None, "think about it") == 4000
    assert thinking_budget(None, "ultrathink this") == 31999
    assert thinking_budget("off", "ultrathink") == 0


def test_system_prompt_modes(tmp_path: Path) -> None:
    base = system_prompt(tmp_path, ["Bash", "ReadText"])
    assert str(tmp_path) in base and "Bash, ReadText" in base
    assert system_prompt(tmp_path, [], custom="ignored", mode="default") == system_prompt(tmp_path, [])
    appended = system_prompt(tmp_path, [], custom="Be brief in $<workdir>.", mode="append")
    assert appended.endswith(f"Be brief in {tmp_path}.") and "Working directory" in appended
    replaced = system_prompt(tmp_path, [], custom="Only this. $<HOME>", mode="replace")
    assert replaced == "Only this. $<HOME>"  # never the process environment
