"""Whole turns through the real server: demo provider, real Bash subprocesses, real SQLite, real sockets."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.server.conftest import Harness, ServerFactory
from tests.server.sse import Frame, is_terminal


def names(frames: list[Frame]) -> list[str]:
    return [f.event for f in frames]


def terminal_count(frames: list[Frame]) -> int:
    return sum(1 for f in frames if is_terminal(f))


async def test_turn_with_granted_bash_call(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    accepted = await mix.send(sid, "make a file\n$ echo granted > out.txt")
    assert accepted.status_code == 202
    assert accepted.json() == {"status": "processing", "sessionId": sid}

    before = await stream.until(lambda f: f.event == "permission")
    prompt = before[-1]
    assert prompt.data["toolName"] == "Bash"
    assert prompt.data["sessionId"] == sid
    assert prompt.data["params"]["command"] == "echo granted > out.txt"
    assert prompt.data["description"] == "Execute command: echo granted > out.txt"
    granted = await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    assert granted.status_code == 200
    assert granted.json() == {
        "granted": True, "status": "granted", "id": prompt.data["id"], "message": "Permission granted successfully",
    }
    rest = await stream.turn()
    frames = before + rest

    order = names(frames)
    assert order[0] == "user_message_created"
    for earlier, later in [
        ("user_message_created", "thinking"),
        ("thinking", "content"),
        ("content", "tool_use_start"),
        ("tool_use_start", "tool_use_parameter_delta"),
        ("tool_use_parameter_delta", "tool_use_parameter_streaming_complete"),
        ("tool_use_parameter_streaming_complete", "tool_execution_start"),
        ("tool_execution_start", "permission"),
        ("permission", "tool_execution_complete"),
    ]:
        assert order.index(earlier) < order.index(later), (earlier, later, order)
    assert order[-1] == "complete" and terminal_count(frames) == 1
    ids = [f.num for f in frames]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is True and done.data["isError"] is False
    assert done.data["progress"].startswith("Completed Bash tool in ")
    assert (mix.srv.config.workdir / "out.txt").read_text() == "granted\n"
    # every step has a fresh assistant message id; complete names the last one
    step_ids = {f.data["assistantMessageId"] for f in frames if f.event in ("thinking", "content")}
    assert len(step_ids) == 2
    complete = frames[-1].data
    assert complete["done"] is True and complete["messageId"] in step_ids

    history = await mix.messages(sid)
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant"]
    assert history[0]["id"] == frames[0].data["messageId"]
    call = history[1]["toolCalls"][0]
    assert call["name"] == "Bash" and call["isError"] is False and call["finished"] is True
    assert history[3]["id"] == complete["messageId"]
    session = (await mix.client.get(f"/api/sessions/{sid}")).json()
    assert session["title"] == "make a file"
    assert (session["userMessageCount"], session["assistantMessageCount"], session["toolCallCount"]) == (1, 2, 1)
    assert session["promptTokens"] > 0 and session["completionTokens"] > 0


async def test_denied_call_does_not_run_and_the_turn_completes(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch denied.txt")
    prompt = await stream.event("permission")
    answer = await mix.client.post(f"/api/permissions/{prompt.data['id']}/deny")
    assert answer.json()["denied"] is True and answer.json()["status"] == "denied"
    frames = await stream.turn()
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is False
    # it never ran, so it has no run time
    assert done.data["progress"] == "Failed Bash tool: permission denied"
    assert (done.data["status"], done.data["permission"], done.data.get("durationMs")) == ("denied", "denied", None)
    assert frames[-1].event == "complete" and terminal_count(frames) == 1
    assert not (mix.srv.config.workdir / "denied.txt").exists()
    history = await mix.messages(sid)
    call = history[1]["toolCalls"][0]
    assert "declined" in call["result"]
    assert (call["status"], call["permission"], call.get("durationMs")) == ("denied", "denied", None)
    # the id is gone now: a second answer is a 404 with the envelope
    again = await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    assert again.status_code == 404 and again.json()["error"]["type"] == "not_found"


async def test_unanswered_prompt_times_out_as_denied(make_server: ServerFactory) -> None:
    mix = await make_server(permission_timeout=0.5)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch late.txt")
    prompt = await stream.event("permission")
    frames = await stream.turn()
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is False and "permission denied" in done.data["progress"]
    assert frames[-1].event == "complete"
    assert not (mix.srv.config.workdir / "late.txt").exists()
    late = await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    assert late.status_code == 404


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and "bash" not in cmdline.split(" ", 1)[0]:
            found.append(int(entry))
    return found


async def test_cancel_kills_the_running_tool_and_ends_with_one_error(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ sleep 30.4242")
    prompt = await stream.event("permission")
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    for _ in range(100):  # the process appears once bash started it
        if _processes_with("sleep 30.4242"):
            break
        await asyncio.sleep(0.05)
    assert _processes_with("sleep 30.4242")

    cancelled = await mix.client.post(f"/api/sessions/{sid}/cancel")
    assert cancelled.json() == {"cancelled": True, "status": "cancelled", "sessionId": sid}
    frames = await stream.turn(within=10)
    assert frames[-1].event == "error" and frames[-1].data["error"] == "request cancelled by user"
    assert "complete" not in names(frames)
    for _ in range(60):
        if not _processes_with("sleep 30.4242"):
            break
        await asyncio.sleep(0.05)
    assert not _processes_with("sleep 30.4242")
    # nothing else arrives for this turn, and the session takes a new message at once
    await asyncio.sleep(0.2)
    after = stream.frames[stream.frames.index(frames[-1]) + 1 :]
    assert all(f.event == "heartbeat" for f in after), [f.event for f in after]
    assert (await mix.send(sid, "hello")).status_code == 202
    assert (await stream.turn())[-1].event == "complete"


async def test_cancel_mid_stream_keeps_the_partial_message(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=200.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 50")
    await stream.until(lambda f: f.event == "content")
    await mix.client.post(f"/api/sessions/{sid}/cancel")
    frames = await stream.turn()
    assert frames[-1].data["error"] == "request cancelled by user"
    export = (await mix.client.get(f"/api/sessions/{sid}/export")).json()
    last = export["messages"][-1]
    assert last["role"] == "assistant" and last["finishReason"] == "canceled" and last["content"]


async def test_reconnect_with_last_event_id_loses_nothing_and_two_clients_agree(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=400.0, delta_window=0.0)  # one event per token: many ids to resume among
    sid = await mix.create_session()
    # every stream takes the extension events too (the title made from the prompt): ids are then
    # contiguous, so a lost frame would show; a spec client's ids skip the frames it did not ask for
    everything = "session_updated"
    watcher = await mix.connected(sid, extensions=everything)
    first = await mix.connected(sid, extensions=everything)
    await mix.send(sid, "long 4")
    seen = await first.until(lambda f: f.event == "content" and f.num > 20)
    await first.close()
    await asyncio.sleep(0.2)  # events keep coming while nobody is listening on this connection
    resumed = await mix.stream(sid, last_event_id=seen[-1].id, extensions=everything).__aenter__()
    connected = await resumed.next()
    assert connected is not None and connected.event == "connected" and connected.id == seen[-1].id
    rest = await resumed.turn()
    reference = await watcher.turn()

    combined = seen + rest
    assert [f.num for f in combined] == [f.num for f in reference]
    assert [f.raw_data for f in combined] == [f.raw_data for f in reference]
    assert [f.num for f in reference] == list(range(reference[0].num, reference[-1].num + 1))
    assert reference[-1].event == "complete"


async def test_pending_prompt_is_sent_again_after_a_reconnect(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch again.txt")
    prompt = await stream.event("permission")
    await stream.close()
    # a fresh client (no Last-Event-ID) still learns about the prompt
    fresh = await mix.connected(sid)
    again = await fresh.next()
    assert again is not None and again.event == "permission" and again.data["id"] == prompt.data["id"]
    # a client resuming from before the prompt gets it through the replay, once
    resumed = await mix.connected(sid, last_event_id="1")
    replayed = await resumed.until(lambda f: f.event == "permission")
    assert sum(1 for f in replayed if f.event == "permission") == 1
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    assert (await resumed.turn())[-1].event == "complete"


async def test_max_steps_ends_with_an_error(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ pwd", max_steps=1)
    frames = await stream.turn()
    assert frames[-1].event == "error"
    assert frames[-1].data["error"] == "maximum iteration limit (1 steps) reached"
    assert terminal_count(frames) == 1


async def test_plan_mode_reminder_and_read_only_tools(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ pwd", plan_mode=True)
    frames = await stream.turn()
    created = frames[0]
    assert created.event == "user_message_created"
    assert created.data["content"].startswith("$ pwd\n\n<system-reminder>")
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is False and "plan mode" in done.data["result"]


async def test_slash_commands_answer_synchronously(mix: Harness) -> None:
    sid = await mix.create_session()
    help_ = await mix.send(sid, "/help")
    assert help_.status_code == 200
    body = help_.json()
    assert body["id"] == "cmd-help" and body["role"] == "assistant" and "/cost" in body["assistantResponse"]
    assert (await mix.send(sid, "/nope")).status_code == 404
    assert await mix.messages(sid) == []
    stream = await mix.connected(sid)
    # a path is a prompt, not a command
    assert (await mix.send(sid, "/etc/hosts looks odd")).status_code == 202
    assert (await stream.turn())[-1].event == "complete"


async def test_missing_provider_key_is_401_with_an_sse_error(mix: Harness) -> None:
    sid = await mix.create_session(provider="anthropic", modelId="claude-sonnet-4-6")
    stream = await mix.connected(sid)
    response = await mix.send(sid, "hello")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthorized"
    error = await stream.event("error")
    assert "anthropic" in error.data["error"]


async def test_session_events_reach_every_stream(mix: Harness) -> None:
    first = await mix.create_session()
    stream = await mix.connected(first)
    other = await mix.create_session("Other")
    created = await stream.event("session_created")
    assert created.data["sessionId"] == other and created.data["title"] == "Other"
    assert isinstance(created.data["createdAt"], int)
    assert (await mix.client.delete(f"/api/sessions/{other}")).status_code == 204
    deleted = await stream.event("session_deleted")
    assert deleted.data["sessionId"] == other and deleted.num == created.num + 1


async def test_cancel_while_a_prompt_waits_ends_the_turn_at_once(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch never.txt")
    prompt = await stream.event("permission")
    await mix.client.post(f"/api/sessions/{sid}/cancel")
    frames = await stream.turn(within=3)  # well under the 10 s permission timeout
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is False and "cancelled" in done.data["progress"]
    assert frames[-1].data["error"] == "request cancelled by user" and terminal_count(frames) == 1
    assert (await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")).status_code == 404
    assert not (mix.srv.config.workdir / "never.txt").exists()
    # the step whose tool was stopped is finished as canceled, as Go does: the export shows the turn ended
    export = (await mix.client.get(f"/api/sessions/{sid}/export")).json()
    assert [(m["role"], m.get("finishReason")) for m in export["messages"]][1:] == [("assistant", "canceled"), ("tool", None)]


async def test_sessions_are_listed_most_recently_used_first(mix: Harness) -> None:
    older = await mix.create_session("Older")
    newer = await mix.create_session("Newer")
    listed = (await mix.client.get("/api/sessions")).json()
    assert [s["id"] for s in listed][:2] == [newer, older]
    await asyncio.sleep(1.1)  # timestamps have one-second precision on the wire
    stream = await mix.connected(older)
    await mix.send(older, "hello again")
    await stream.turn()
    listed = (await mix.client.get("/api/sessions")).json()
    assert [s["id"] for s in listed][:2] == [older, newer]
    used = listed[0]
    assert used["updatedAt"] > used["createdAt"]  # RFC 3339 strings of one format compare in time order
