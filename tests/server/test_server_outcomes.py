"""What the live view knows is stored with the messages: how each turn and each tool call ended, how
long a tool ran, how its prompt was answered, how long the model thought (issue 7, server part).

Every test compares what the live events said with what `GET …/messages` and the export say later.
"""

from __future__ import annotations

from typing import Any

from mix_tui.server.providers.demo import tokens
from mix_tui.server.providers.demo_text import chat_thinking
from tests.server.conftest import Harness, ServerFactory
from tests.server.sse import Frame

OUTCOME_KEYS = ("status", "durationMs", "permission")


def outcome(data: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(data.get(key) for key in OUTCOME_KEYS)


def completions(frames: list[Frame]) -> dict[str, dict[str, Any]]:
    return {f.data["toolCallId"]: f.data for f in frames if f.event == "tool_execution_complete"}


def stored_calls(history: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for m in history for c in m.get("toolCalls") or ()}


async def export_messages(mix: Harness, sid: str) -> list[dict[str, Any]]:
    response = await mix.client.get(f"/api/sessions/{sid}/export")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def assert_history_matches_live(mix: Harness, sid: str, frames: list[Frame]) -> dict[str, dict[str, Any]]:
    """Each call's stored outcome equals what its tool_execution_complete said, in history and export."""
    live = completions(frames)
    stored = stored_calls(await mix.messages(sid))
    exported = stored_calls(await export_messages(mix, sid))
    assert live.keys() == stored.keys() == exported.keys() and live
    for call_id, event in live.items():
        assert outcome(stored[call_id]) == outcome(event) == outcome(exported[call_id]), call_id
    return stored


async def test_tool_outcomes_and_run_times_are_stored_as_they_were_streamed(mix: Harness) -> None:
    (mix.srv.config.workdir / "notes.txt").write_text("hello\n")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    # one call needs no prompt (a read inside the workdir), one is granted once, one denied
    await mix.send(sid, "read notes.txt\n$ echo once > once.txt\n$ touch no.txt")
    answered = 0
    frames: list[Frame] = []
    while answered < 2:
        frames += await stream.until(lambda f: f.event == "permission")
        prompt = frames[-1]
        verb = "grant" if "once.txt" in prompt.data["params"]["command"] else "deny"
        response = await mix.client.post(f"/api/permissions/{prompt.data['id']}/{verb}")
        assert response.status_code == 200
        answered += 1
    frames += await stream.turn()
    assert frames[-1].event == "complete"

    stored = await assert_history_matches_live(mix, sid, frames)
    by_name = {c["name"] + (":" + c["input"] if c["name"] == "Bash" else ""): c for c in stored.values()}
    read = by_name["ReadText"]
    assert read["status"] == "ok" and "permission" not in read and read["durationMs"] >= 0
    granted = next(c for key, c in by_name.items() if "once.txt" in key)
    assert granted["status"] == "ok" and granted["permission"] == "once"
    assert isinstance(granted["durationMs"], int) and granted["durationMs"] >= 0
    denied = next(c for key, c in by_name.items() if "no.txt" in key)
    assert (denied["status"], denied["permission"]) == ("denied", "denied") and "durationMs" not in denied
    assert (mix.srv.config.workdir / "once.txt").read_text() == "once\n"
    assert not (mix.srv.config.workdir / "no.txt").exists()

    user = (await mix.messages(sid))[0]
    assert user["role"] == "user" and user["turnStatus"] == "complete" and "turnError" not in user
    # only user messages carry the turn's outcome
    assert all("turnStatus" not in m for m in (await mix.messages(sid))[1:])


async def test_grant_scope_is_recorded_and_a_bad_scope_is_refused(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    for scope in ("session", "rule"):
        await mix.send(sid, f"$ echo {scope}")
        prompt = await stream.event("permission")
        bad = await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant", params={"scope": "forever"})
        assert bad.status_code == 400 and "scope" in bad.json()["error"]["message"]
        # the refused answer left the prompt pending
        good = await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant", params={"scope": scope})
        assert good.status_code == 200 and good.json()["granted"] is True
        frames = await stream.turn()
        (event,) = completions(frames).values()
        assert (event["status"], event["permission"]) == ("ok", scope)
    stored = stored_calls(await mix.messages(sid))
    assert sorted(c["permission"] for c in stored.values()) == ["rule", "session"]


async def test_a_prompt_that_expires_is_recorded_as_timed_out(make_server: ServerFactory) -> None:
    mix = await make_server(permission_timeout=0.3)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch late.txt")
    frames = await stream.turn()
    stored = await assert_history_matches_live(mix, sid, frames)
    (call,) = stored.values()
    assert (call["status"], call["permission"]) == ("timed_out", "timed_out") and "durationMs" not in call


async def test_a_cancelled_turn_says_so_on_its_prompt(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ touch never.txt")
    await stream.event("permission")
    assert (await mix.client.post(f"/api/sessions/{sid}/cancel")).json()["cancelled"] is True
    frames = await stream.turn()
    assert frames[-1].event == "error"
    stored = await assert_history_matches_live(mix, sid, frames)
    (call,) = stored.values()
    # the prompt was settled by the cancel, not by an answer: no permission outcome
    assert call["status"] == "cancelled" and "permission" not in call and "durationMs" not in call
    user = (await mix.messages(sid))[0]
    assert (user["turnStatus"], user["turnError"]) == ("cancelled", "request cancelled by user")
    exported = (await export_messages(mix, sid))[0]
    assert (exported["turnStatus"], exported["turnError"]) == ("cancelled", "request cancelled by user")


async def test_a_failed_turn_keeps_its_error_text(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "$ pwd", max_steps=1)
    frames = await stream.turn()
    user = (await mix.messages(sid))[0]
    assert user["turnStatus"] == "error" and user["turnError"] == frames[-1].data["error"]
    assert "maximum iteration limit" in user["turnError"]
    # pwd needs no prompt: it ran, took a measured time, and no permission outcome is stored
    (call,) = (await assert_history_matches_live(mix, sid, frames)).values()
    assert call["status"] == "ok" and "permission" not in call and call["durationMs"] >= 0


async def test_a_failing_tool_is_recorded_failed(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "read missing-file.txt")
    frames = await stream.turn()
    (call,) = (await assert_history_matches_live(mix, sid, frames)).values()
    assert call["status"] == "failed" and call["isError"] is True and call["durationMs"] >= 0


async def test_a_turn_reads_running_while_it_runs(make_server: ServerFactory) -> None:
    mix = await make_server(demo_rate=100.0)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "long 5")
    await stream.event("user_message_created")
    assert (await mix.messages(sid))[0]["turnStatus"] == "running"
    await mix.client.post(f"/api/sessions/{sid}/cancel")
    await stream.turn()
    assert (await mix.messages(sid))[0]["turnStatus"] == "cancelled"


async def test_reasoning_duration_is_the_thinking_time_in_ms(make_server: ServerFactory) -> None:
    rate = 200.0  # demo tokens per second: thinking of N tokens lasts about N * 5 ms
    mix = await make_server(demo_rate=rate)
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    prompt = "how are you"
    await mix.send(sid, prompt)
    frames = await stream.turn()
    complete = frames[-1]
    assert complete.event == "complete"
    thinking_tokens = len(list(tokens(chat_thinking(prompt))))
    assert thinking_tokens >= 5
    stored = (await mix.messages(sid))[-1]
    assert stored["reasoningDuration"] == complete.data["reasoningDuration"]
    # from the first thinking delta to the first answer delta: N ticks of the demo's pacer
    expected_ms = thinking_tokens * 1000 / rate
    assert expected_ms * 0.9 <= stored["reasoningDuration"] <= expected_ms + 2000
    assert stored["reasoningDuration"] == (await export_messages(mix, sid))[-1]["reasoningDuration"]
