"""`GET /api/sessions` stays exact while it is served from ready-rendered entries: every change to a
session (this server's or another process's) shows in the next listing, in most-recently-used order,
and each entry is what `GET /api/sessions/{id}` says (plus `firstUserMessage`)."""

from __future__ import annotations

import time
from typing import Any

from mix_tui.server.rows import SessionRow, new_id
from tests.server.conftest import Harness, ServerFactory


async def listing(mix: Harness, **params: Any) -> list[dict[str, Any]]:
    response = await mix.client.get("/api/sessions", params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    sessions: list[dict[str, Any]] = response.json()
    return sessions


async def assert_entries_match_get(mix: Harness) -> list[dict[str, Any]]:
    listed = await listing(mix)
    for entry in listed:
        alone = (await mix.client.get(f"/api/sessions/{entry['id']}")).json()
        assert {k: v for k, v in entry.items() if k != "firstUserMessage"} == alone
    return listed


async def run_turn(mix: Harness, sid: str, text: str) -> None:
    stream = await mix.connected(sid)
    await mix.send(sid, text)
    assert (await stream.turn())[-1].event == "complete"
    await stream.close()


async def test_the_listing_follows_every_change(mix: Harness) -> None:
    assert await listing(mix) == []
    first = await mix.create_session("First")
    second = await mix.create_session("New session")
    assert [s["id"] for s in await assert_entries_match_get(mix)] == [second, first]

    await run_turn(mix, first, "$ pwd\nhello")  # counts, tokens, first prompt, and first is now the newest
    listed = await assert_entries_match_get(mix)
    assert [s["id"] for s in listed] == [first, second]
    entry = listed[0]
    assert (entry["userMessageCount"], entry["assistantMessageCount"], entry["toolCallCount"]) == (1, 2, 1)
    assert entry["firstUserMessage"] == "$ pwd\nhello" and entry["promptTokens"] > 0

    await run_turn(mix, second, "rename me")  # a placeholder title is renamed after the first prompt
    listed = await assert_entries_match_get(mix)
    assert (listed[0]["id"], listed[0]["title"]) == (second, "rename me")

    history = await mix.messages(first)
    await run_turn(mix, first, "a second prompt")
    rewound = await mix.client.post(f"/api/sessions/{first}/rewind", json={"messageId": history[0]["id"]})
    assert rewound.status_code == 200
    entry = next(s for s in await assert_entries_match_get(mix) if s["id"] == first)
    assert (entry["userMessageCount"], entry["assistantMessageCount"]) == (1, 0)

    patched = await mix.client.patch(
        f"/api/sessions/{second}/callbacks", json={"callbacks": [{"toolName": "*", "type": "bash_script"}]}
    )
    assert patched.status_code == 200
    forked = (await mix.client.post(f"/api/sessions/{first}/fork", json={"messageIndex": 1})).json()["id"]
    listed = await assert_entries_match_get(mix)
    assert listed[0]["id"] == forked and listed[0]["firstUserMessage"] == "$ pwd\nhello"
    assert next(s for s in listed if s["id"] == second)["callbacks"][0]["type"] == "bash_script"

    assert (await mix.client.delete(f"/api/sessions/{second}")).status_code == 204
    assert [s["id"] for s in await assert_entries_match_get(mix)] == [forked, first]


async def test_subagent_sessions_are_listed_only_when_asked(mix: Harness) -> None:
    visible = await mix.create_session("Visible")
    store = mix.srv.runtime.store
    now = time.time()
    hidden = SessionRow(
        id=new_id(), title="Helper", session_type="subagent", browser_mode="local-browser-service",
        created_at=now, updated_at=now, parent_session_id=visible,
    )
    await store.run(store.create_session, hidden)
    assert [s["id"] for s in await listing(mix)] == [visible]
    assert [s["id"] for s in await listing(mix, includeSubagents="true")] == [hidden.id, visible]


async def test_changes_made_by_another_server_on_the_data_dir_are_seen(make_server: ServerFactory) -> None:
    one = await make_server()
    other = await make_server()  # same tmp data dir, its own connection
    await listing(one)
    sid = await other.create_session("From elsewhere")
    assert [s["id"] for s in await listing(one)] == [sid]
    await run_turn(other, sid, "hello from the other one")
    assert (await listing(one))[0]["userMessageCount"] == 1
