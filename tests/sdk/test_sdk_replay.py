"""Stored history replayed through the `Turn` reducer: turns grouped under their prompt, tool results
joined from either place a server may keep them, reasoning durations in either unit, the outcomes our
server stores (tool status, run time, how a prompt was answered, how the turn ended) applied as stored,
and what a live turn saw kept for servers that store none of it."""

from __future__ import annotations

from mix_tui.protocol.models import BackendMessage
from mix_tui.sdk.replay import INTERRUPTED, Observed, replay
from mix_tui.sdk.turn import TextPart, ThinkingPart, ToolPart, Turn


def message(**fields: object) -> BackendMessage:
    return BackendMessage.model_validate(fields)


CALL = {"id": "c1", "name": "Bash", "input": '{"command": "ls"}', "type": "tool_use", "finished": True}


def test_a_turn_groups_its_steps_under_the_prompt_with_results_on_the_call() -> None:
    stored = [
        message(id="u1", role="user", userInput="list files"),
        message(id="a1", role="assistant", userInput="Looking.", reasoning="hmm", reasoningDuration=3,
                toolCalls=[{**CALL, "result": "a.txt\nb.txt", "isError": False}]),
        message(id="t1", role="tool", userInput=""),
        message(id="a2", role="assistant", userInput="Two files."),
    ]  # fmt: skip
    (turn,) = replay(stored)
    assert turn.done and turn.error is None and turn.user_message_id == "u1" and turn.user_text == "list files"
    assert [type(p) for p in turn.parts] == [ThinkingPart, TextPart, ToolPart, TextPart]
    thinking = turn.parts[0]
    assert isinstance(thinking, ThinkingPart) and thinking.ended_at is not None
    assert thinking.ended_at - thinking.started_at == 3.0  # Go's whole seconds
    call = turn.tool_calls["c1"]
    assert call.arguments == {"command": "ls"} and call.result == "a.txt\nb.txt" and call.status == "ok"
    assert call.duration is None  # nobody stored it: none is shown
    assert turn.text == "Looking.\n\nTwo files."


def test_results_kept_on_the_following_tool_message_are_joined_and_read() -> None:
    stored = [
        message(id="u1", role="user", userInput="run it"),
        message(id="a1", role="assistant", userInput="", toolCalls=[CALL]),
        message(id="t1", role="tool", userInput="",
                toolCalls=[{**CALL, "result": "The user declined this tool call", "isError": True}]),
    ]  # fmt: skip
    call = replay(stored)[0].tool_calls["c1"]
    assert call.status == "denied" and call.result == "The user declined this tool call"
    assert call.permission_answer == "denied"


def test_a_bare_text_tool_message_is_the_result_of_the_single_call() -> None:
    stored = [
        message(id="u1", role="user", userInput="run it"),
        message(id="a1", role="assistant", userInput="", toolCalls=[CALL]),
        message(id="t1", role="tool", userInput="out"),
    ]
    assert replay(stored)[0].tool_calls["c1"].result == "out"


def test_our_servers_stored_outcomes_are_applied_as_stored() -> None:
    stored = [
        message(id="u1", role="user", userInput="go", turnStatus="cancelled", turnError="request cancelled by user"),
        message(id="a1", role="assistant", userInput="Partial", reasoning="r", reasoningDuration=480,
                toolCalls=[
                    {**CALL, "result": "ok", "status": "ok", "durationMs": 1500, "permission": "rule"},
                    {**CALL, "id": "c2", "result": "The user did not answer in time", "status": "timed_out",
                     "permission": "timed_out"},
                    {**CALL, "id": "c3", "result": "x", "status": "failed", "durationMs": 20, "permission": "session"},
                ]),
    ]  # fmt: skip
    (turn,) = replay(stored)
    assert turn.done and turn.error == "request cancelled by user"
    thinking = turn.parts[0]
    assert isinstance(thinking, ThinkingPart) and thinking.ended_at is not None
    assert round(thinking.ended_at - thinking.started_at, 3) == 0.48
    ok, expired, failed = (turn.tool_calls[c] for c in ("c1", "c2", "c3"))
    assert (ok.status, ok.duration, ok.permission_answer) == ("ok", 1.5, "rule")
    assert (expired.status, expired.permission_answer) == ("timed_out", "timed_out")
    assert (failed.status, failed.permission_answer) == ("failed", "session")
    assert failed.duration is not None and round(failed.duration, 3) == 0.02


def test_an_interrupted_turn_ends_as_such_and_a_running_one_stays_open() -> None:
    stored = [
        message(id="u1", role="user", userInput="one", turnStatus="interrupted"),
        message(id="a1", role="assistant", userInput="half an ans"),
        message(id="u2", role="user", userInput="two", turnStatus="running"),
        message(id="a2", role="assistant", userInput="stream", toolCalls=[{**CALL, "finished": False}]),
    ]
    first, second = replay(stored)
    assert first.done and first.interrupted and first.error == INTERRUPTED and first.text == "half an ans"
    assert not second.done and second.tool_calls["c1"].status == "ready"


def test_plan_mode_reminders_are_not_part_of_the_prompt() -> None:
    stored = [message(id="u1", role="user", userInput="plan it\n\n<system-reminder>plan mode</system-reminder>")]
    assert replay(stored)[0].user_text == "plan it"


def test_what_a_live_turn_saw_fills_in_what_another_server_does_not_store() -> None:
    live = Turn()
    from mix_tui.protocol.events import (
        Content,
        Error,
        Permission,
        Thinking,
        ToolExecutionComplete,
        ToolExecutionStart,
        ToolUseStart,
        UserMessageCreated,
    )  # fmt: skip

    live.apply(UserMessageCreated(message_id="u1", content="go"), 0.0)
    live.apply(Thinking(content="r", assistant_message_id="a1"), 0.0)
    live.apply(Content(content="Running.", assistant_message_id="a1"), 0.7)
    live.apply(ToolUseStart(id="c1", name="Bash", assistant_message_id="a1"), 0.7)
    live.apply(ToolExecutionStart(tool_call_id="c1", tool_name="Bash"), 0.8)
    live.apply(Permission(id="p1", tool_name="Bash"), 0.8)
    live.resolve_permission("p1", True, 2.0, "rule")
    live.apply(ToolExecutionComplete(tool_call_id="c1", tool_name="Bash", result="r"), 2.5)
    live.apply(Error(error="boom"), 3.0)
    observed = Observed()
    observed.remember(live)
    stored = [
        message(id="u1", role="user", userInput="go"),
        message(id="a1", role="assistant", userInput="Running.", reasoning="r", toolCalls=[{**CALL, "result": "r"}]),
    ]  # fmt: skip
    (turn,) = replay(stored, observed)
    call = turn.tool_calls["c1"]
    assert call.duration == 0.5 and call.permission_answer == "rule"
    assert turn.error == "boom"
    thinking = turn.parts[0]
    assert isinstance(thinking, ThinkingPart) and thinking.ended_at == 0.7
