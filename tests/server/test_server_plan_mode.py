"""Plan mode on the server: read-only tools, the plan handed back through ExitPlanMode, sub-agents too."""

from __future__ import annotations

import json

from tests.server.conftest import Harness


async def test_the_plan_comes_back_through_exit_plan_mode(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "plan\n```\n1. Read app.py\n2. Fix the bug\n```", plan_mode=True)
    frames = await stream.turn()
    assert frames[-1].event == "complete"
    assert "permission" not in {f.event for f in frames}
    call = next(f for f in frames if f.event == "tool_use_parameter_streaming_complete")
    assert call.data["name"] == "ExitPlanMode"
    assert json.loads(call.data["input"]) == {"plan": "1. Read app.py\n2. Fix the bug\n"}
    done = next(f for f in frames if f.event == "tool_execution_complete")
    assert done.data["success"] is True and "Stop here and wait" in done.data["result"]


async def test_changing_tools_are_refused_in_plan_mode(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "write x.txt\n```\nhello\n```\npython\n```\nprint(1)\n```", plan_mode=True)
    frames = await stream.turn()
    results = [f.data for f in frames if f.event == "tool_execution_complete"]
    assert [r["success"] for r in results] == [False, False]
    assert all("not available in plan mode" in r["result"] for r in results)
    assert not (mix.srv.config.workdir / "x.txt").exists()


async def test_a_task_in_plan_mode_plans_too(mix: Harness) -> None:
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "task $ touch made-by-subagent", plan_mode=True)
    frames = await stream.turn()
    nested = [f for f in frames if f.data.get("parentToolCallId")]
    created = next(f for f in nested if f.event == "user_message_created")
    assert "<system-reminder>" in created.data["content"]
    refused = next(f for f in nested if f.event == "tool_execution_complete")
    assert "not available in plan mode" in refused.data["result"]
    assert not (mix.srv.config.workdir / "made-by-subagent").exists()
