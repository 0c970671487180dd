"""The `Turn` reducer over the scripted transcripts and the end-of-turn rules of mix-contract.md §5.2."""

from __future__ import annotations

import time

from mix_tui.protocol.events import (
    Complete,
    Content,
    MixEventType,
    Permission,
    ToolUseParameterDelta,
    ToolUseStart,
    parse_event,
)
from mix_tui.sdk import TextPart, ThinkingPart, ToolPart, Turn
from mix_tui.sdk.turn import MAX_NESTING
from tests.sdk.sdk_transcripts import GO_AUG_TURN, GO_TURN, SPEC_TURN, SUBAGENT_TURN, Frames, as_json


def events(frames: Frames) -> list[MixEventType]:
    return [parse_event(name, as_json(data)) for name, data in frames]


def fold(frames: Frames) -> tuple[Turn, list[bool]]:
    turn = Turn()
    changed = [turn.apply(event, now=float(t)) for t, event in enumerate(events(frames))]
    return turn, changed


def ev(event_name: str, **data: object) -> MixEventType:
    return parse_event(event_name, as_json(dict(data)))


def test_spec_turn() -> None:
    turn, changed = fold(SPEC_TURN)
    assert turn.done and turn.error is None
    assert (turn.user_message_id, turn.user_text, turn.final_message_id) == ("u1", "Delete tmp.log", "a2")
    assert [type(p) for p in turn.parts] == [ThinkingPart, TextPart, ToolPart, TextPart]
    thinking = turn.parts[0]
    assert isinstance(thinking, ThinkingPart)
    assert (thinking.started_at, thinking.ended_at) == (2.0, 4.0)  # ends when the answer text starts
    assert turn.text == "I'll delete the file now.\n\nDone. `tmp.log` has been deleted."
    assert turn.thinking == "The user wants tmp.log removed; I'll run rm on it."
    call = turn.tool_calls["toolu_01"]
    assert (call.name, call.status, call.arguments) == ("Bash", "ok", {"command": "rm tmp.log"})
    assert call.input_text == '{"command":"rm tmp.log"}'
    assert call.permission is not None and call.permission.id == "perm-1"
    assert (call.started_at, call.finished_at, call.duration) == (9.0, 11.0, 2.0)
    assert call.result == "" and call.is_error is False
    assert (turn.started_at, turn.finished_at) == (1.0, 14.0)
    assert turn.pending_permissions == {}
    # connected and heartbeat are not part of the turn
    assert changed[0] is False and changed[12] is False and all(changed[1:12])


def test_the_states_a_tool_call_goes_through() -> None:
    turn = Turn()
    seen = []
    for t, event in enumerate(events(SPEC_TURN)[:12]):
        turn.apply(event, now=float(t))
        call = turn.tool_calls.get("toolu_01")
        if call is not None and (not seen or seen[-1] != call.status):
            seen.append(call.status)
        if call is not None and call.status == "streaming":
            assert call.arguments == {}
        if call is not None and call.status == "awaiting_permission":
            assert list(turn.pending_permissions) == ["perm-1"]
    assert seen == ["streaming", "ready", "running", "awaiting_permission", "ok"]


def test_tool_input_fragments_accumulate_before_completion() -> None:
    turn = Turn()
    for t, event in enumerate(events(SPEC_TURN)[:8]):
        turn.apply(event, now=float(t))
    assert turn.tool_calls["toolu_01"].input_text == '{"command": "rm tmp.log"}'


def test_go_turn_rate_limit_is_a_notice_then_the_error_ends_it_once() -> None:
    turn = Turn()
    evs = events(GO_TURN)
    for t, event in enumerate(evs[:9]):
        turn.apply(event, now=float(t))
    assert not turn.done
    assert turn.retry_notice is not None and turn.retry_notice.retry_after == 60
    assert turn.tool_calls["toolu_9"].name == "Bash"  # Go's empty toolName does not erase it
    assert turn.tool_calls["toolu_9"].status == "ok"
    assert turn.apply(evs[9], now=9.0)
    assert turn.retry_notice is None  # output resumed
    assert turn.apply(evs[10], now=10.0)
    assert turn.done and turn.error == "request cancelled by user" and turn.finished_at == 10.0
    assert turn.apply(evs[11], now=11.0) is False  # Go's duplicate
    assert turn.finished_at == 10.0
    assert turn.text == "Listing.\n\n Still here."


def test_go_aug_turn_takes_the_answer_from_complete() -> None:
    turn, _ = fold(GO_AUG_TURN)
    assert turn.done and turn.text == "Here are the files."
    call = turn.tool_calls["call_1"]
    assert (call.name, call.status, call.arguments) == ("bash", "ready", {"command": "ls"})


def test_subagent_events_nest_under_the_task_call() -> None:
    turn = Turn()
    evs = events(SUBAGENT_TURN)
    for t, event in enumerate(evs[:9]):
        turn.apply(event, now=float(t))
    task = turn.tool_calls["task_1"]
    assert task.children is not None
    assert list(turn.tool_calls) == ["task_1"]
    assert task.children.text == "sub says hi"
    assert list(turn.pending_permissions) == ["perm-sub"]
    assert task.children.tool_calls["sub_bash"].status == "awaiting_permission"
    for t, event in enumerate(evs[9:11], start=9):
        assert turn.apply(event, now=float(t))
    assert task.children.tool_calls["sub_bash"].status == "denied"
    assert task.children.done and not turn.done  # the subagent's complete is not the turn's end
    assert turn.pending_permissions == {}
    for t, event in enumerate(evs[11:], start=11):
        turn.apply(event, now=float(t))
    assert turn.done and turn.text == "All done." and turn.final_message_id == "a2"
    assert turn.find_call("sub_bash") is task.children.tool_calls["sub_bash"]


def test_permission_links_to_the_running_call_of_that_tool() -> None:
    turn = Turn()
    for call_id, name in (("t1", "ReadText"), ("t2", "Bash"), ("t3", "Bash")):
        turn.apply(ev("tool_use_start", type="tool_use_start", id=call_id, name=name), now=0.0)
        turn.apply(
            ev("tool_execution_start", type="tool_execution_start", toolCallId=call_id, toolName=""), now=1.0
        )
    perm = {"type": "permission", "sessionId": "s", "toolName": "Bash", "description": "d", "action": "a"}
    turn.apply(ev("permission", id="p1", **perm), now=2.0)
    turn.apply(ev("permission", id="p2", **perm), now=2.0)
    # no running call of that name: the only running call without a prompt takes it
    turn.apply(ev("permission", id="p3", **{**perm, "toolName": "Write"}), now=2.0)
    turn.apply(ev("permission", id="p4", **perm), now=2.0)  # nothing left to link to
    calls = turn.tool_calls
    assert [c.permission.id if c.permission else None for c in calls.values()] == ["p3", "p1", "p2"]
    assert all(c.status == "awaiting_permission" for c in calls.values())
    assert list(turn.pending_permissions) == ["p3", "p1", "p2", "p4"]
    assert turn.resolve_permission("p1", granted=True, now=9.0) and calls["t2"].status == "running"
    assert calls["t2"].started_at == 9.0  # the time spent waiting for the answer is not run time
    assert turn.resolve_permission("p2", granted=False) and calls["t3"].status == "denied"
    assert turn.resolve_permission("p4", granted=True)
    assert list(turn.pending_permissions) == ["p3"]
    assert not turn.resolve_permission("nope", granted=True)


def test_only_running_call_gets_the_prompt_whatever_its_name() -> None:
    turn = Turn()
    turn.apply(ev("tool_execution_start", type="tool_execution_start", toolCallId="x", toolName=""), now=0.0)
    turn.apply(ev("permission", type="permission", id="p", sessionId="s", toolName="Bash"), now=1.0)
    assert turn.tool_calls["x"].status == "awaiting_permission"


def test_denied_failed_and_error_results() -> None:
    turn = Turn()
    outcomes = {
        "d": (False, "Failed Bash tool after 30.0s: permission denied", None),
        "f": (False, "Failed Bash tool after 1s: exit status 1", None),
        "e": (True, "Completed Bash tool in 1ms", True),
        "o": (True, "Completed Bash tool in 1ms", False),
    }
    for call_id, (success, progress, is_error) in outcomes.items():
        data = {
            "type": "tool_execution_complete",
            "toolCallId": call_id,
            "toolName": "Bash",
            "progress": progress,
        }
        data.update(success=success, result="out", **({} if is_error is None else {"isError": is_error}))
        turn.apply(parse_event("tool_execution_complete", as_json(data)), now=1.0)
    statuses = {k: (c.status, c.is_error, c.result) for k, c in turn.tool_calls.items()}
    assert statuses == {
        "d": ("denied", True, "out"),
        "f": ("failed", True, "out"),
        "e": ("failed", True, "out"),
        "o": ("ok", False, "out"),
    }


def test_a_terminal_error_cancels_calls_still_in_flight() -> None:
    turn = Turn()
    turn.apply(
        ev("tool_execution_start", type="tool_execution_start", toolCallId="x", toolName="Bash"), now=0.0
    )
    turn.apply(ev("error", error="maximum iteration limit (5 steps) reached"), now=3.0)
    assert (
        turn.done and turn.tool_calls["x"].status == "cancelled" and turn.tool_calls["x"].finished_at == 3.0
    )


def test_retry_info_in_any_form_is_not_terminal() -> None:
    for data in (
        {"error": "slow down", "type": "rate_limit_error"},
        {"error": "x", "retryAfter": 500},
        {"error": "x", "attempt": 2},
    ):
        turn = Turn()
        assert turn.apply(parse_event("error", as_json(data)), now=0.0)
        assert not turn.done and turn.retry_notice is not None


def test_interleaved_thinking_and_text_keep_arrival_order() -> None:
    turn = Turn()
    for t, (name, text) in enumerate(
        [("thinking", "a"), ("content", "b"), ("thinking", "c"), ("content", "d")]
    ):
        turn.apply(ev(name, type=name, content=text, assistantMessageId="m1"), now=float(t))
    assert [(type(p).__name__, getattr(p, "text", "")) for p in turn.parts] == [
        ("ThinkingPart", "a"),
        ("TextPart", "b"),
        ("ThinkingPart", "c"),
        ("TextPart", "d"),
    ]
    assert turn.text == "bd" and turn.thinking == "ac"


def test_plan_mode_reminder_is_stripped_from_the_user_text() -> None:
    turn = Turn()
    content = "Plan it\n\n<system-reminder>Plan mode is active. Do not edit.</system-reminder>"
    turn.apply(
        ev("user_message_created", type="user_message_created", messageId="u", content=content), now=0.0
    )
    assert turn.user_text == "Plan it"


def test_non_turn_events_change_nothing() -> None:
    turn = Turn()
    for event in (
        ev("connected", sessionId="s"),
        ev("heartbeat", type="ping"),
        ev("session_created", type="session_created", sessionId="s2", title="t", createdAt=1),
        ev("session_deleted", type="session_deleted", sessionId="s2"),
        ev("whatever_new", x=1),
    ):
        assert turn.apply(event, now=0.0) is False
    assert turn.parts == [] and turn.started_at is None


def test_many_small_deltas_fold_in_linear_time() -> None:
    turn = Turn()
    deltas = [Content(content="0123456789abcdef", assistant_message_id="m") for _ in range(200_000)]
    pieces = [ToolUseParameterDelta(tool_call_id="t", input="x") for _ in range(100_000)]
    started = time.perf_counter()
    for index, event in enumerate(deltas):
        turn.apply(event, float(index))
        if index % 50_000 == 0:
            assert len(turn.text) == 16 * (index + 1)  # reading in between stays cheap too
    turn.apply(ToolUseStart(id="t", name="Write"), 0.0)
    for event in pieces:
        turn.apply(event, 0.0)
    # appending to an attribute string copied it every time: 80,000 deltas took 15 s
    assert time.perf_counter() - started < 5
    assert len(turn.text) == 16 * 200_000 and turn.tool_calls["t"].input_text == "x" * 100_000


def test_subagent_nesting_is_bounded_and_folds_deeper_levels() -> None:
    turn = Turn()
    turn.apply(ToolUseStart(id="c0", name="Task"), 0.0)
    depth = 3 * MAX_NESTING
    for level in range(1, depth + 1):
        turn.apply(ToolUseStart(id=f"c{level}", name="Task", parent_tool_call_id=f"c{level - 1}"), 0.0)
    turn.apply(Permission(id="p", tool_name="Task", parent_tool_call_id=f"c{depth - 1}"), 0.0)
    turn.apply(Content(content="deep", parent_tool_call_id=f"c{depth}"), 0.0)
    # a folded subagent's own end does not end the turn it was folded into
    assert not turn.apply(Complete(parent_tool_call_id=f"c{depth}"), 0.0)
    deepest = turn.find_call(f"c{depth}")
    assert deepest is not None and deepest.depth == MAX_NESTING
    assert list(turn.pending_permissions) == ["p"]
    assert turn.resolve_permission("p", granted=True)
    turn.apply(Complete(), 1.0)
    assert turn.done and turn.error is None
