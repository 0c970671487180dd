"""Session callbacks run after successful matching tool calls, through the real agent loop."""

from __future__ import annotations

from typing import Any

import pytest

from mix_tui.server.callbacks import matches
from mix_tui.server.rows import MessageRow
from mix_tui.server.views import conversation
from tests.server.conftest import Harness
from tests.server.sse import SSEReader


async def with_callbacks(mix: Harness, callbacks: list[dict[str, Any]]) -> tuple[str, SSEReader]:
    sid = await mix.create_session()
    patched = await mix.client.patch(f"/api/sessions/{sid}/callbacks", json={"callbacks": callbacks})
    assert patched.status_code == 200, patched.text
    return sid, await mix.connected(sid)


def callback_results(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for m in history if m["role"] == "tool" for r in (m.get("callbackResults") or [])]


async def test_bash_script_gets_the_documented_variables_and_asks_like_bash(
    mix: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOMETHING_API_KEY", "should-not-leak-0123456789")
    script = (
        'echo "$CALLBACK_TOOL_NAME|$CALLBACK_TOOL_ID|$CALLBACK_SESSION_ID"; echo "$CALLBACK_TOOL_RESULT"; '
        "env | grep -c API_KEY; echo oops >&2"
    )
    sid, stream = await with_callbacks(mix, [{"toolName": "bash", "type": "bash_script", "name": "log", "bashCommand": script}])
    await mix.send(sid, "$ echo hello")
    tool_prompt = await stream.event("permission")
    assert tool_prompt.data["description"] == "Execute command: echo hello"
    await mix.client.post(f"/api/permissions/{tool_prompt.data['id']}/grant")
    callback_prompt = await stream.event("permission")
    assert callback_prompt.data["toolName"] == "Bash"
    assert callback_prompt.data["description"].startswith("Callback 'log': Execute command: echo")
    await mix.client.post(f"/api/permissions/{callback_prompt.data['id']}/grant")
    frames = await stream.turn()
    assert frames[-1].event == "complete"
    call_id = next(f.data["id"] for f in stream.frames if f.event == "tool_use_start")
    (result,) = callback_results(await mix.messages(sid))
    assert result == {
        "tool_call_id": call_id, "tool_name": "Bash", "callback_type": "bash_script", "callback_name": "log",
        "success": True, "stdout": f"Bash|{call_id}|{sid}\nhello\n0", "stderr": "oops", "exit_code": 0,
    }  # fmt: skip


async def test_an_allowlisted_script_runs_without_asking_and_failures_are_recorded(mix: Harness) -> None:
    sid, stream = await with_callbacks(mix, [
        {"toolName": "Glob", "type": "bash_script", "bashCommand": "pwd"},
        {"toolName": "*", "type": "bash_script", "name": "boom", "bashCommand": "exit 3"},
    ])  # fmt: skip
    await mix.send(sid, "glob *.nothing")
    prompt = await stream.event("permission")  # only `exit 3` asks
    assert "boom" in prompt.data["description"]
    await mix.client.post(f"/api/permissions/{prompt.data['id']}/deny")
    await stream.turn()
    pwd, boom = callback_results(await mix.messages(sid))
    assert pwd["success"] is True and pwd["stdout"] == str(mix.srv.config.workdir) and pwd["callback_name"] == "Callback #1"
    assert boom["success"] is False and boom["error"] == "permission denied" and "stdout" not in boom


async def test_failed_tool_calls_run_no_callbacks(mix: Harness) -> None:
    sid, stream = await with_callbacks(mix, [{"toolName": "*", "type": "bash_script", "bashCommand": "pwd"}])
    await mix.send(sid, "read no-such-file.txt")
    await stream.turn()
    assert callback_results(await mix.messages(sid)) == []


async def test_send_message_injects_a_user_message_the_model_answers(mix: Harness) -> None:
    sid, stream = await with_callbacks(
        mix, [{"toolName": "Glob", "type": "send_message", "messageContent": "Thanks! What did you find?"}]
    )
    await mix.send(sid, "glob *.md")
    frames = await stream.turn()
    created = [f.data["content"] for f in frames if f.event == "user_message_created"]
    assert created == ["glob *.md", "Thanks! What did you find?"]
    history = await mix.messages(sid)
    roles = [m["role"] for m in history]
    assert roles == ["user", "assistant", "tool", "tool", "user", "assistant"]
    assert history[4]["userInput"] == "Thanks! What did you find?"
    (result,) = callback_results(history)
    assert result["callback_type"] == "send_message" and result["success"] is True


async def test_sub_agent_callback_runs_a_subagent_with_the_tool_context(mix: Harness) -> None:
    sid, stream = await with_callbacks(
        mix, [{"toolName": "Glob", "type": "sub_agent", "name": "review", "subAgentPrompt": "Review this result."}]
    )
    await mix.send(sid, "glob *.md")
    frames = await stream.turn()
    assert frames[-1].event == "complete"
    (result,) = callback_results(await mix.messages(sid))
    assert result["success"] is True and result["subagent_result"]
    sessions = (await mix.client.get("/api/sessions", params={"includeSubagents": "true"})).json()
    child = next(s for s in sessions if s["id"] == result["subagent_id"])
    assert child["sessionType"] == "subagent" and child["parentSessionId"] == sid
    prompt = (await mix.messages(child["id"]))[0]["userInput"]
    assert prompt.startswith("Review this result.\n\nTool execution context:\nTool: Glob\n")


def test_exclude_from_context_hides_a_result_from_the_model() -> None:
    shown = {"tool_call_id": "c1", "tool_name": "Bash", "callback_type": "bash_script", "success": True, "stdout": "seen"}
    hidden = {**shown, "stdout": "secret-ish", "exclude_from_context": True}
    rows = [MessageRow(id="m", session_id="s", role="tool", callback_results=[shown, hidden])]
    (note,) = conversation(rows)
    assert note.role == "user" and "seen" in note.content and "secret-ish" not in note.content
    assert conversation([MessageRow(id="m", session_id="s", role="tool", callback_results=[hidden])]) == []


@pytest.mark.parametrize(
    ("pattern", "tool", "expected"),
    [("*", "Grep", True), ("bash", "Bash", True), ("todo_write", "TodoWrite", True), ("show", "Show", True),
     ("ShowMedia", "Show", True), ("Bash", "Grep", False), ("", "Bash", False)],
)  # fmt: skip
def test_tool_name_matching(pattern: str, tool: str, expected: bool) -> None:
    assert matches(pattern, tool) is expected
