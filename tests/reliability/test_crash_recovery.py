"""A server killed with SIGKILL mid-turn (issue 8, item 2): what was streamed is kept, and the restarted
server ends the dead turn as interrupted instead of leaving it "running" for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mix_tui.server.prompt_queue import NOT_RUN
from mix_tui.server.providers.demo_text import long_answer
from mix_tui.server.recovery import INTERRUPTED_TOOL, INTERRUPTED_TURN
from tests.reliability.conftest import client, eventually
from tests.server.sse import SSEReader


async def _history(http: Any, sid: str) -> list[dict[str, Any]]:
    response = await http.get(f"/api/sessions/{sid}/messages")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()
    return messages


async def _new_prompt_runs_to_the_end(http: Any, sid: str) -> None:
    async with SSEReader(http, sid) as stream:
        assert (await stream.next()).event == "connected"  # type: ignore[union-attr]
        assert (await http.post(f"/api/sessions/{sid}/messages", json={"text": "hello again"})).status_code == 202
        frames = await stream.turn()
    assert frames[-1].event == "complete"
    assert (await _history(http, sid))[-2]["turnStatus"] == "complete"


async def test_kill_9_mid_answer_keeps_the_partial_text_and_interrupts_the_turn(servers: Any) -> None:
    first = servers("--demo-rate", "80")  # `long 20` then streams for ~20 s
    async with client(first) as http:
        sid = (await http.post("/api/sessions", json={"title": "crash"})).json()["id"]
        async with SSEReader(http, sid) as stream:
            await stream.next()
            assert (await http.post(f"/api/sessions/{sid}/messages", json={"text": "long 20"})).status_code == 202
            await stream.event("content")

            async def stored_partial() -> str | None:
                answers = [m for m in await _history(http, sid) if m["role"] == "assistant"]
                return answers[0].get("assistantResponse") or None if answers else None

            early = await eventually(stored_partial)  # flushed while streaming, before any step end
            queued = await http.post(f"/api/sessions/{sid}/messages", json={"text": "and then this"})
            assert queued.json()["queued"] is True  # acknowledged: a crash must not lose it
            first.kill()

    second = servers("--demo-rate", "max")
    async with client(second) as http:
        user, answer, waiting = await _history(http, sid)
        assert (user["turnStatus"], user["turnError"]) == ("interrupted", INTERRUPTED_TURN)
        # the queued prompt is kept, shown as never run (a restart does not run it by surprise)
        assert (waiting["userInput"], waiting["turnStatus"], waiting["turnError"]) == (
            "and then this", "interrupted", NOT_RUN,
        )
        assert (await http.get(f"/api/sessions/{sid}/queue")).json() == []
        full = long_answer(20)
        kept = answer["assistantResponse"]
        assert full.startswith(kept) and len(early) <= len(kept) < len(full)
        exported = (await http.get(f"/api/sessions/{sid}/export")).json()["messages"]
        assert exported[1]["finishReason"] == "interrupted" and exported[0]["turnStatus"] == "interrupted"
        await _new_prompt_runs_to_the_end(http, sid)
    assert second.stop() == 0


async def test_kill_9_while_a_prompt_waits_records_the_tool_as_not_finished(servers: Any, tmp_path: Path) -> None:
    first = servers("--demo-rate", "max")
    async with client(first) as http:
        sid = (await http.post("/api/sessions", json={"title": "crash"})).json()["id"]
        async with SSEReader(http, sid) as stream:
            await stream.next()
            await http.post(f"/api/sessions/{sid}/messages", json={"text": "$ touch never.txt"})
            await stream.event("permission")
            first.kill()

    second = servers("--demo-rate", "max")
    async with client(second) as http:
        user, call_message, results = await _history(http, sid)
        assert user["turnStatus"] == "interrupted"
        (call,) = call_message["toolCalls"]
        assert (call["status"], call["result"], call["isError"]) == ("cancelled", INTERRUPTED_TOOL, True)
        assert "permission" not in call and "durationMs" not in call
        assert results["role"] == "tool"
        # the model sees a result for every call it made, so the next turn works
        await _new_prompt_runs_to_the_end(http, sid)
    assert not (tmp_path / "work" / "never.txt").exists()


async def test_a_second_server_on_the_same_data_dir_leaves_running_turns_alone(servers: Any) -> None:
    first = servers("--demo-rate", "80")
    async with client(first) as http:
        sid = (await http.post("/api/sessions", json={"title": "busy"})).json()["id"]
        async with SSEReader(http, sid) as stream:
            await stream.next()
            await http.post(f"/api/sessions/{sid}/messages", json={"text": "long 20"})
            await stream.event("content")
            # the first server is alive: a second one must not call its turn interrupted
            second = servers("--demo-rate", "max")
            async with client(second) as other:
                assert (await _history(other, sid))[0]["turnStatus"] == "running"
            assert second.stop() == 0
            await http.post(f"/api/sessions/{sid}/cancel")
            assert (await stream.turn())[-1].data["error"] == "request cancelled by user"
        assert (await _history(http, sid))[0]["turnStatus"] == "cancelled"
    assert first.stop() == 0
