"""The Task tool: a real sub-agent session whose events reach the parent's stream, nested."""

from __future__ import annotations

import pytest

from tests.server.conftest import Harness
from tests.server.providers.wire_server import WireServer
from tests.server.sse import Frame
from tests.server.test_server_models import OPENAI_KEY, openai_reply


def task_call_id(frames: list[Frame]) -> str:
    return next(f.data["id"] for f in frames if f.event == "tool_use_start" and f.data["name"] == "Task")


async def test_a_task_runs_a_subagent_whose_events_nest_under_the_call(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "task $ echo from-the-subagent")
    before = await stream.until(lambda f: f.event == "permission")
    prompt = before[-1]
    call_id = task_call_id(before)
    # the sub-agent's Bash prompt comes to the parent's stream, marked as the sub-agent's
    assert prompt.data["parentToolCallId"] == call_id and prompt.data["toolName"] == "Bash"
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    frames = before + await stream.turn()
    nested = [f for f in frames if f.data.get("parentToolCallId") == call_id]
    kinds = {f.event for f in nested}
    assert {"user_message_created", "thinking", "content", "tool_use_start", "tool_execution_complete"} <= kinds
    assert "complete" not in kinds  # the sub-agent's end is the tool's result, not a turn end
    # nested events sit between the Task call's start and its completion
    start = next(i for i, f in enumerate(frames) if f.event == "tool_execution_start" and f.data["toolCallId"] == call_id)
    done_at = next(i for i, f in enumerate(frames) if f.event == "tool_execution_complete" and f.data["toolCallId"] == call_id)
    assert all(start < frames.index(f) < done_at for f in nested)
    done = frames[done_at]
    assert done.data["success"] is True and "from-the-subagent" in done.data["result"]
    assert frames[-1].event == "complete" and not frames[-1].data.get("parentToolCallId")

    sessions = (await mix.client.get("/api/sessions", params={"includeSubagents": "true"})).json()
    child = next(s for s in sessions if s["sessionType"] == "subagent")
    assert child["parentSessionId"] == sid and child["parentToolCallId"] == call_id
    assert child["subagentType"] == "general-purpose" and child["title"] == "$ echo from-the-subagent"
    assert all(s["sessionType"] != "subagent" for s in (await mix.client.get("/api/sessions")).json())
    history = await mix.messages(child["id"])
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant"]


async def test_the_subagent_uses_the_sub_agent_model(mix: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async with WireServer(openai_reply("the sub-agent's report")) as upstream:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{upstream.url}/v1")
        await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
        await mix.client.post(
            "/api/preferences",
            json={"preferred_provider": "demo", "main_agent_model": "demo", "sub_agent_model": "openai.gpt-4.1",
                  "sub_agent_max_tokens": 1234},
        )  # fmt: skip
        sid = await mix.create_session()
        stream = await mix.connected(sid)
        await mix.send(sid, "task summarise the project")
        frames = await stream.turn()
    done = next(f for f in frames if f.event == "tool_execution_complete" and not f.data.get("parentToolCallId"))
    assert done.data["result"] == "the sub-agent's report"
    body = upstream.requests[0].body
    assert body["model"] == "gpt-4.1" and body["max_tokens"] == 1234
    assert [t["function"]["name"] for t in body["tools"]]  # the sub-agent has tools too


async def test_a_subagent_cannot_nest(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "task task something")
    frames = await stream.turn()
    inner = [f for f in frames if f.event == "tool_execution_complete" and f.data.get("parentToolCallId")]
    assert inner and "cannot start sub-agents" in inner[0].data["result"]


async def test_a_subagent_prompt_is_sent_again_to_a_fresh_parent_stream(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "task $ touch later.txt")
    prompt = await stream.event("permission")
    await stream.close()
    fresh = await mix.connected(sid)  # no Last-Event-ID: only the pending prompts come again
    again = await fresh.next()
    assert again is not None and again.event == "permission" and again.data["id"] == prompt.data["id"]
    assert again.data["parentToolCallId"] == prompt.data["parentToolCallId"]
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/grant")
    assert (await fresh.turn())[-1].event == "complete"
    assert (mix.srv.config.workdir / "later.txt").exists()
