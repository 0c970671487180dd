"""Search across sessions (`GET /api/search`, an extension backed by SQLite FTS5, migration 7): the
index follows every write (new messages, answers rewritten while they stream, rewinds, deletes),
typed FTS syntax is only text, and an older database is indexed when it is upgraded."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from mix_tui.server.migrations import MIGRATIONS
from mix_tui.server.rows import MessageRow, SessionRow, new_id
from mix_tui.server.search import fts_query, search
from mix_tui.server.store import Store
from tests.server.conftest import Harness


def _session(store: Store, title: str, kind: str = "main") -> str:
    now = time.time()
    row = SessionRow(id=new_id(), title=title, session_type=kind, browser_mode="local-browser-service",
                     created_at=now, updated_at=now)  # fmt: skip
    return store.create_session(row).id


def _found(store: Store, text: str) -> list[str]:
    return [hit.snippet for hit in store.read(search, text).results]


def test_prompts_and_answers_are_found_with_their_words_marked(tmp_path: Path) -> None:
    store = Store(tmp_path / "mix.db")
    sid = _session(store, "Parser work")
    prompt = MessageRow(new_id(), sid, "user", "Why does the parser choke on tabs?")
    store.add_message(prompt)
    store.add_message(MessageRow(new_id(), sid, "assistant", "The tokenizer treats a tab as an error."))
    store.add_message(MessageRow(new_id(), sid, "tool", ""))
    results = store.read(search, "pars tab")  # prefixes, all words must match
    assert [hit.message_id for hit in results.results] == [prompt.id]
    hit = results.results[0]
    assert (hit.session_id, hit.session_title, hit.role, results.total) == (sid, "Parser work", "user", 1)
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["parser", "tabs"]
    assert _found(store, "tokenizer ERROR") == ["The tokenizer treats a tab as an error."]
    assert _found(store, "nothing-like-this") == []
    store.close()


def test_the_index_follows_rewrites_rewinds_and_deletes(tmp_path: Path) -> None:
    store = Store(tmp_path / "mix.db")
    sid = _session(store, "s")
    first = MessageRow(new_id(), sid, "user", "first question")
    store.add_message(first)
    answer = MessageRow(new_id(), sid, "assistant", "a partial ans")
    store.save_assistant(answer)
    answer.content = "a complete answer about zebras"
    store.save_assistant(answer)  # the final write replaces the partial one in place
    assert _found(store, "partial") == [] and _found(store, "zebras") == ["a complete answer about zebras"]
    store.add_message(MessageRow(new_id(), sid, "user", "second question about zebras"))
    assert len(_found(store, "zebras")) == 2
    store.rewind(sid, answer.id)
    assert _found(store, "second") == [] and len(_found(store, "zebras")) == 1
    store.delete_session(sid)
    assert _found(store, "zebras") == [] and _found(store, "first") == []
    store.close()


def test_subagent_sessions_stay_out(tmp_path: Path) -> None:
    store = Store(tmp_path / "mix.db")
    main, child = _session(store, "main"), _session(store, "child", kind="subagent")
    store.add_message(MessageRow(new_id(), main, "user", "look for walruses"))
    store.add_message(MessageRow(new_id(), child, "user", "walruses, as the parent asked"))
    assert _found(store, "walruses") == ["look for walruses"]
    store.close()


def test_typed_search_syntax_is_only_text() -> None:
    assert fts_query('say "hi" -now') == '"say"* """hi"""* "-now"*'
    assert fts_query("- * ( )") is None and fts_query("   ") is None


def test_hostile_queries_answer_without_errors(tmp_path: Path) -> None:
    store = Store(tmp_path / "mix.db")
    sid = _session(store, "s")
    store.add_message(MessageRow(new_id(), sid, "user", 'quote " and NEAR(a b) and col:umn ^start'))
    for query in ('"', '""', "NEAR(a b)", "col:umn", "^start", "a OR", "AND", "NOT x", "*", "x*y", "\x00", "é" * 300):
        store.read(search, query)  # no exception
    assert _found(store, "NEAR(a") and _found(store, "col:umn")
    assert _found(store, '"') == []  # no word in it: nothing to look for
    store.close()


def test_an_older_database_is_indexed_when_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "mix.db"
    with sqlite3.connect(path, isolation_level=None) as raw:
        for version, script in enumerate(MIGRATIONS[:6], start=1):
            raw.executescript(script)
            raw.execute(f"PRAGMA user_version = {version}")
        raw.execute("INSERT INTO sessions (id, seq, title, browser_mode, created_at, updated_at) VALUES ('s', 1, 'old', 'x', 1, 1)")
        raw.execute("INSERT INTO messages (id, session_id, role, content, created_at, updated_at) VALUES ('m', 's', 'user', 'an old capybara', 1, 1)")
    store = Store(path)
    assert _found(store, "capybara") == ["an old capybara"]
    store.close()


async def test_search_over_http(mix: Harness) -> None:
    sid = await mix.create_session("Searchable")
    reader = await mix.connected(sid)
    assert (await mix.send(sid, "tell me about ocelots")).status_code == 202
    await reader.turn()
    response = await mix.client.get("/api/search", params={"q": "ocelot"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] >= 1 and body["query"] == "ocelot" and body["tookMs"] >= 0
    first = body["results"][0]
    assert first["sessionId"] == sid and first["sessionTitle"] and first["createdAt"]
    messages = await mix.messages(sid)
    assert first["messageId"] in {m["id"] for m in messages}
    a, b = first["highlights"][0]
    assert first["snippet"][a:b].lower().startswith("ocelot")
    for params in ({}, {"q": " "}, {"q": "x", "limit": "0"}, {"q": "x", "limit": "many"}, {"q": "x" * 1001}):
        bad = await mix.client.get("/api/search", params=params)
        assert bad.status_code == 400 and bad.json()["error"]["type"] == "validation_error", params
    limited = (await mix.client.get("/api/search", params={"q": "ocelots", "limit": "1"})).json()
    assert len(limited["results"]) == 1
