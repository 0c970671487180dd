"""Renaming a session (`PATCH /api/sessions/{id}`, an extension) and the `session_updated` event,
which only streams that ask for it receive (spec SDKs raise on event names they do not know)."""

from __future__ import annotations

import asyncio

from tests.server.conftest import Harness


async def test_rename_stores_the_title_and_tells_the_streams_that_asked(mix: Harness) -> None:
    sid = await mix.create_session("Old title")
    other = await mix.create_session("Another")
    ours = await mix.connected(other, extensions="session_updated")
    spec = await mix.connected(other)

    response = await mix.client.patch(f"/api/sessions/{sid}", json={"title": "  New title  "})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "New title"
    assert (await mix.client.get(f"/api/sessions/{sid}")).json()["title"] == "New title"

    frame = await ours.event("session_updated")
    assert frame.data == {"type": "session_updated", "sessionId": sid, "title": "New title"}
    # the spec client saw nothing of it: the next frame it gets is the next ordinary event
    await mix.client.delete(f"/api/sessions/{sid}")
    assert (await spec.next()).event == "session_deleted"  # type: ignore[union-attr]


async def test_the_title_made_from_the_first_prompt_is_announced(mix: Harness) -> None:
    sid = await mix.create_session("New session")
    reader = await mix.connected(sid, extensions="session_updated")
    assert (await mix.send(sid, "Explain the parser in three lines")).status_code == 202
    frames = await reader.until(lambda f: f.event == "session_updated")
    assert frames[-1].data["title"].startswith("Explain the parser")
    await reader.turn()


async def test_a_replay_leaves_out_what_the_stream_did_not_ask_for(mix: Harness) -> None:
    sid = await mix.create_session("Replayed")
    first = await mix.connected(sid)
    await mix.client.patch(f"/api/sessions/{sid}", json={"title": "Renamed"})
    assert (await mix.send(sid, "hello")).status_code == 202
    await first.turn()
    # resuming from the start: a spec client's replay has no session_updated, ours has it
    plain = await mix.connected(sid, last_event_id="0")
    asked = await mix.connected(sid, last_event_id="0", extensions="session_updated")
    plain_events = [f.event for f in await plain.turn()]
    asked_events = [f.event for f in await asked.turn()]
    assert "session_updated" not in plain_events
    assert asked_events.count("session_updated") == 1 and len(asked_events) == len(plain_events) + 1


async def test_bad_renames_get_a_clear_error(mix: Harness) -> None:
    sid = await mix.create_session("Keep me")
    for body, expected in (
        ({}, 400), ({"title": ""}, 400), ({"title": "   "}, 400), ({"title": 3}, 400),
        ({"title": "x" * 501}, 400),
    ):
        response = await mix.client.patch(f"/api/sessions/{sid}", json=body)
        assert response.status_code == expected, (body, response.text)
        assert response.json()["error"]["type"] == "validation_error"
    bad_json = await mix.client.patch(f"/api/sessions/{sid}", content=b"{nope", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    missing = await mix.client.patch("/api/sessions/nope", json={"title": "x"})
    assert missing.status_code == 404
    assert (await mix.client.get(f"/api/sessions/{sid}")).json()["title"] == "Keep me"


async def test_concurrent_renames_all_answer_and_one_title_wins(mix: Harness) -> None:
    sid = await mix.create_session("Start")
    titles = [f"Title {n}" for n in range(8)]
    responses = await asyncio.gather(*(mix.client.patch(f"/api/sessions/{sid}", json={"title": t}) for t in titles))
    assert all(r.status_code == 200 for r in responses)
    assert (await mix.client.get(f"/api/sessions/{sid}")).json()["title"] in titles
