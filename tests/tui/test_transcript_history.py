"""Turning stored history into transcript items: turns grouped under their prompt, tool results
joined from either place a server may keep them, and reasoning durations in either unit."""

from __future__ import annotations

from mix_tui.protocol.models import BackendMessage
from mix_tui.tui.items import (
    AssistantItem,
    TextView,
    ThinkingView,
    ToolView,
    UserItem,
    history_items,
    reasoning_seconds,
)


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
    items = history_items(stored)
    assert [type(i) for i in items] == [UserItem, AssistantItem]
    turn = items[1]
    assert isinstance(turn, AssistantItem) and turn.key == "a:u1"
    assert [type(p) for p in turn.parts] == [ThinkingView, TextView, ToolView, TextView]
    tool = turn.parts[2]
    assert isinstance(tool, ToolView)
    assert tool.arguments == {"command": "ls"} and tool.result == "a.txt\nb.txt" and tool.status == "ok"
    thinking = turn.parts[0]
    assert isinstance(thinking, ThinkingView) and thinking.duration == 3.0


def test_results_kept_on_the_following_tool_message_are_joined_too() -> None:
    stored = [
        message(id="u1", role="user", userInput="run it"),
        message(id="a1", role="assistant", userInput="", toolCalls=[CALL]),
        message(id="t1", role="tool", userInput="",
                toolCalls=[{**CALL, "result": "The user declined this tool call", "isError": True}]),
    ]  # fmt: skip
    tool = history_items(stored)[1].parts[0]  # type: ignore[union-attr]
    assert isinstance(tool, ToolView)
    assert tool.status == "denied" and tool.result == "The user declined this tool call"


def test_a_bare_text_tool_message_is_the_result_of_the_single_call() -> None:
    stored = [
        message(id="u1", role="user", userInput="run it"),
        message(id="a1", role="assistant", userInput="", toolCalls=[CALL]),
        message(id="t1", role="tool", userInput="out"),
    ]
    tool = history_items(stored)[1].parts[0]  # type: ignore[union-attr]
    assert isinstance(tool, ToolView) and tool.result == "out"


def test_plan_mode_reminders_are_not_shown_and_aliases_keep_live_keys() -> None:
    stored = [
        message(id="u1", role="user", userInput="plan it\n\n<system-reminder>plan mode</system-reminder>")
    ]
    items = history_items(stored, alias={"u1": "live-7"})
    assert items == [UserItem("live-7", "plan it")]


def test_reasoning_durations_read_in_either_unit() -> None:
    assert reasoning_seconds(None) is None and reasoning_seconds(0) is None
    assert reasoning_seconds(4) == 4.0  # Go: whole seconds
    assert reasoning_seconds(250) == 0.25  # ours / the spec: milliseconds
    assert reasoning_seconds(12_000) == 12.0
