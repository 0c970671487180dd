"""Notifications end to end: the demo's `notify`/`ask`/`choose` directives make the agent call
`notify_user`, which raises the spec's `notification` event and waits; the answer posted to
`/api/notifications/{id}/respond` (204) is the tool's result. Answers that do not fit are 400, a
second answer 404, no answer in time is told to the model, a reconnecting client gets a pending
notification again, and a sub-agent's reaches the parent's stream."""

from __future__ import annotations

from tests.server.conftest import Harness, ServerFactory
from tests.server.test_server_http import envelope


async def test_a_choice_is_answered_and_becomes_the_tool_result(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "choose Which colour? | red | green | blue")
    frame = await stream.event("notification")
    data = frame.data
    assert data["type"] == "notification" and data["sessionId"] == sid
    assert data["responseType"] == "choice" and data["choices"] == ["red", "green", "blue"]
    assert data["message"] == "Which colour?" and data["timeout"] == 120 and data["createdAt"] > 0
    assert data["notificationType"] == "question"
    url = f"/api/notifications/{data['id']}/respond"
    envelope(await mix.client.post(url, json={"type": "choice", "value": "purple"}), 400, "validation_error")
    envelope(await mix.client.post(url, json={"type": "shout"}), 400, "validation_error")
    answered = await mix.client.post(url, json={"type": "choice", "value": "green"})
    assert answered.status_code == 204 and answered.content == b""
    envelope(await mix.client.post(url, json={"type": "choice", "value": "green"}), 404)
    frames = await stream.turn()
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is True and done.data["result"] == "The user chose: green"
    assert frames[-1].event == "complete"


async def test_free_text_and_acknowledge(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "ask What should the file be called?")
    data = (await stream.event("notification")).data
    assert data["responseType"] == "text" and data.get("choices") is None
    url = f"/api/notifications/{data['id']}/respond"
    envelope(await mix.client.post(url, json={"type": "text", "value": "  "}), 400, "validation_error")
    assert (await mix.client.post(url, json={"type": "text", "value": "notes.md"})).status_code == 204
    done = next(f for f in await stream.turn() if f.event == "tool_execution_complete")
    assert done.data["result"] == "The user answered: notes.md"

    await mix.send(sid, "notify The build is done.")
    data = (await stream.event("notification")).data
    assert data["responseType"] == "acknowledge" and data["notificationType"] == "info"
    assert (await mix.client.post(f"/api/notifications/{data['id']}/respond", json={"type": "acknowledge"})).status_code == 204
    done = next(f for f in await stream.turn() if f.event == "tool_execution_complete")
    assert done.data["result"] == "The user acknowledged the notification."


async def test_no_answer_in_time_is_told_to_the_model(mix: Harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("mix_tui.server.tools.notify.DEFAULT_TIMEOUT", 1)
    monkeypatch.setattr("mix_tui.server.providers.demo._NOTIFY_TIMEOUT", None)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "ask Anyone there?")
    data = (await stream.event("notification")).data
    assert data["timeout"] == 1
    done = next(f for f in await stream.turn() if f.event == "tool_execution_complete")
    assert done.data["result"] == "The user did not answer within 1 seconds."
    late = await mix.client.post(f"/api/notifications/{data['id']}/respond", json={"type": "text", "value": "me"})
    envelope(late, 404)


async def test_a_reconnecting_client_gets_the_pending_notification_again(make_server: ServerFactory) -> None:
    mix = await make_server(replay_size=4)  # the ring is too small to replay it: the registry re-sends
    sid = await mix.create_session()
    first = await mix.connected(sid)
    await mix.send(sid, "notify Look at this.")
    data = (await first.event("notification")).data
    await first.close()
    again = await mix.connected(sid)
    resent = await again.event("notification")
    assert resent.data["id"] == data["id"]
    assert (await mix.client.post(f"/api/notifications/{data['id']}/respond", json={"type": "acknowledge"})).status_code == 204
    assert (await again.turn())[-1].event == "complete"


async def test_a_sub_agents_notification_reaches_the_parents_stream(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "task ask Which branch?")
    frame = await stream.event("notification")
    assert frame.data["parentToolCallId"]
    url = f"/api/notifications/{frame.data['id']}/respond"
    assert (await mix.client.post(url, json={"type": "text", "value": "main"})).status_code == 204
    frames = await stream.turn()
    task = next(f for f in frames if f.event == "tool_execution_complete" and not f.data.get("parentToolCallId"))
    assert "main" in task.data["result"]
