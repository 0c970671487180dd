"""Back-to-back sends (issue 11, DESIGN.md §2 decision 6): a send while a turn runs is accepted and
queued, turns run in arrival order, each with its own user_message_created … one terminal event;
cancel stops the running turn only; queued prompts can be withdrawn."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mix_python_sdk import Mix

from mix_tui.protocol.models import SendMessageAccepted
from mix_tui.sdk import MixClient
from mix_tui.server import turns
from tests.server.conftest import Harness, ServerFactory
from tests.server.sse import Frame, SSEReader, is_terminal


def turns_of(frames: list[Frame]) -> list[list[Frame]]:
    """Split a stream into turns: each starts at user_message_created and ends at its terminal event."""
    out: list[list[Frame]] = []
    for frame in frames:
        if frame.event == "user_message_created":
            assert not out or is_terminal(out[-1][-1]), "a turn started before the previous one ended"
            out.append([frame])
        elif out and not is_terminal(out[-1][-1]):
            out[-1].append(frame)
    return out


async def collect_turns(stream: SSEReader, count: int) -> list[list[Frame]]:
    """The stream's first `count` turns (frames already read by other waits included)."""
    while sum(1 for f in stream.frames if is_terminal(f)) < count:
        await stream.turn()
    return turns_of(stream.frames)[:count]


async def queue_of(mix: Harness, sid: str) -> list[dict[str, Any]]:
    response = await mix.client.get(f"/api/sessions/{sid}/queue")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def test_back_to_back_sends_run_in_order_each_its_own_turn(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    first = await mix.send(sid, "long 2")
    # an idle session answers exactly as before: a client that never overlaps sees no change
    assert first.status_code == 202 and first.json() == {"status": "processing", "sessionId": sid}
    second, third = await mix.send(sid, "second"), await mix.send(sid, "third")
    assert second.status_code == third.status_code == 202
    assert (second.json()["queued"], second.json()["queuePosition"]) == (True, 1)
    assert (third.json()["status"], third.json()["queuePosition"]) == ("processing", 2)
    assert [q["text"] for q in await queue_of(mix, sid)] == ["second", "third"]

    runs = await collect_turns(stream, 3)
    assert [t[0].data["content"] for t in runs] == ["long 2", "second", "third"]
    for turn in runs:
        assert turn[-1].event == "complete" and sum(1 for f in turn if is_terminal(f)) == 1
    history = await mix.messages(sid)
    prompts = [m for m in history if m["role"] == "user"]
    assert [(m["userInput"], m["turnStatus"]) for m in prompts] == [
        ("long 2", "complete"), ("second", "complete"), ("third", "complete"),
    ]
    assert [m["id"] for m in prompts] == [t[0].data["messageId"] for t in runs]
    assert await queue_of(mix, sid) == []


async def test_cancel_stops_the_running_turn_and_the_queue_then_runs(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 80")  # ~14 s unless cancelled
    await mix.send(sid, "next one")
    await stream.event("content")
    cancelled = (await mix.client.post(f"/api/sessions/{sid}/cancel")).json()
    assert cancelled["cancelled"] is True and "withdrawn" not in cancelled
    runs = await collect_turns(stream, 2)
    assert runs[0][-1].data["error"] == "request cancelled by user"
    assert (runs[1][0].data["content"], runs[1][-1].event) == ("next one", "complete")


async def test_cancel_with_queue_true_also_withdraws_what_waits(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 80")
    await mix.send(sid, "never run 1")
    await mix.send(sid, "never run 2")
    await stream.event("content")
    answer = (await mix.client.post(f"/api/sessions/{sid}/cancel", params={"queue": "true"})).json()
    assert (answer["cancelled"], answer["withdrawn"]) == (True, 2)
    (only,) = await collect_turns(stream, 1)
    assert only[-1].event == "error"
    # the session is idle: a new send starts at once (not queued behind withdrawn prompts)
    fresh = await mix.send(sid, "hello")
    assert fresh.json() == {"status": "processing", "sessionId": sid}
    after = (await collect_turns(stream, 2))[1]
    assert after[0].data["content"] == "hello"
    assert [m["userInput"] for m in await mix.messages(sid) if m["role"] == "user"] == ["long 80", "hello"]


async def test_one_queued_prompt_can_be_withdrawn(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 80")  # runs until the cancel below
    dropped = (await mix.send(sid, "dropped")).json()["queueId"]
    await mix.send(sid, "kept")
    assert (await mix.client.delete(f"/api/sessions/{sid}/queue/{dropped}")).status_code == 204
    again = await mix.client.delete(f"/api/sessions/{sid}/queue/{dropped}")
    assert again.status_code == 404 and again.json()["error"]["type"] == "not_found"
    assert [(q["text"], q["position"]) for q in await queue_of(mix, sid)] == [("kept", 1)]
    await mix.client.post(f"/api/sessions/{sid}/cancel")
    runs = await collect_turns(stream, 2)
    assert [t[0].data["content"] for t in runs] == ["long 80", "kept"]
    assert (await mix.client.get("/api/sessions/missing/queue")).status_code == 404
    cleared = await mix.client.delete(f"/api/sessions/{sid}/queue")
    assert cleared.json() == {"withdrawn": 0, "ids": []}


async def test_deleting_a_session_drops_its_queue(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    other = await mix.create_session("other")
    watcher = await mix.connected(other)
    await mix.send(sid, "long 80")
    await mix.send(sid, "waiting")
    assert (await mix.client.delete(f"/api/sessions/{sid}")).status_code == 204
    await watcher.event("session_deleted")
    assert (await mix.client.get(f"/api/sessions/{sid}/queue")).status_code == 404
    # nothing of it runs on: the server serves the other session at once
    assert (await mix.send(other, "hi")).json() == {"status": "processing", "sessionId": other}
    assert (await watcher.turn())[-1].event == "complete"


async def test_a_prompt_that_starts_while_it_is_being_queued_is_accepted_once(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the running turn can end, and the queued prompt start, while the queued row is being written;
    # that send must still answer 202: the official SDK retries a send on 5xx, and the prompt ran twice
    mix = await make_server()
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch a.txt")
    await stream.event("permission")  # the first turn surely runs: it waits on its prompt
    original = turns.TurnManager.submit

    async def submit_then_the_running_turn_ends(self: turns.TurnManager, session_id: str, request: Any) -> Any:
        queued = await original(self, session_id, request)
        self.cancel(session_id)
        await self.wait(session_id, 10)  # its end starts the queued prompt before the handler looks
        assert queued is not None and not self.queued(session_id)
        return queued

    monkeypatch.setattr(turns.TurnManager, "submit", submit_then_the_running_turn_ends)
    second = await mix.send(sid, "hello")
    assert second.status_code == 202 and second.json() == {"status": "processing", "sessionId": sid}
    runs = await collect_turns(stream, 2)
    assert [t[0].data["content"] for t in runs] == ["$ touch a.txt", "hello"]
    assert [m["userInput"] for m in await mix.messages(sid) if m["role"] == "user"] == ["$ touch a.txt", "hello"]


async def test_a_full_queue_is_refused_with_a_clear_400(make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "MAX_QUEUED", 2)
    mix = await make_server(demo_rate=50.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    for text in ("long 20", "a", "b"):
        assert (await mix.send(sid, text)).status_code == 202
    full = await mix.send(sid, "c")
    assert full.status_code == 400 and "queue" in full.json()["error"]["message"]
    await mix.client.post(f"/api/sessions/{sid}/cancel", params={"queue": "true"})
    await stream.turn()


async def test_the_official_sdk_sends_back_to_back(make_server: ServerFactory) -> None:
    """The SDK documentation's forking example sends twice in a row; both are answered."""
    mix = await make_server(demo_rate=400.0)
    headers = {"Authorization": f"Bearer {mix.srv.config.token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        sdk = Mix(server_url=mix.url, async_client=http)
        session = await sdk.sessions.create_async(title="Back to back", browser_mode="local-browser-service")
        stream = await mix.connected(session.id)
        for text in ("first question", "second question"):
            accepted = await sdk.messages.send_async(id=session.id, text=text)
            assert accepted.status == "processing"
        runs = await collect_turns(stream, 2)
        assert [t[-1].event for t in runs] == ["complete", "complete"]
        messages = await sdk.messages.list_session_async(id=session.id)
        assert [m.user_input for m in messages if m.role == "user"] == ["first question", "second question"]


async def test_the_sdk_reads_the_queue_fields(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    async with MixClient(mix.url, mix.srv.config.token) as client:
        first = await client.messages.send(sid, "long 80")
        second = await client.messages.send(sid, "after it")
        assert isinstance(first, SendMessageAccepted) and isinstance(second, SendMessageAccepted)
        assert first.queued is None and first.queue_id is None  # it runs at once
        assert (second.queued, second.queue_position) == (True, 1) and second.queue_id
        await client.sessions.cancel(sid)
    runs = await collect_turns(stream, 2)
    assert [t[0].data["content"] for t in runs] == ["long 80", "after it"]
