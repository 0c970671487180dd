"""Stored history folded into `Turn`s by replaying it as the events a live stream would have carried.

A live turn and a stored one are built by the same reducer, so they can only differ where the stored
messages lack something. Each user message opens a turn; its assistant messages replay as thinking
(on a virtual clock that advances by the stored reasoning time), answer text and tool calls; tool
results come from the call itself or from the tool-role message that follows (Go stores them there).
What our server stores beside the spec's fields (a call's status, run time and how its permission was
answered; how the turn ended) is applied as it was recorded. For servers that store none of it,
`Observed` carries what this client saw live, so a turn does not change its looks when it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mix_tui.protocol.events import (
    Complete,
    Content,
    Error,
    Thinking,
    ToolExecutionComplete,
    ToolExecutionStart,
    ToolUseParameterStreamingComplete,
    ToolUseStart,
    UserMessageCreated,
)
from mix_tui.protocol.models import BackendMessage, ToolCallData
from mix_tui.sdk.outcome import known_status, stored_outcome
from mix_tui.sdk.turn import ThinkingPart, ToolCallState, Turn

INTERRUPTED = "interrupted: the server stopped while this turn ran"


@dataclass(slots=True)
class Observed:
    """What the client saw of turns live that a server may not store (ours stores all of it)."""

    tool_durations: dict[str, float] = field(default_factory=dict)  # tool call id -> seconds
    permission_answers: dict[str, str] = field(default_factory=dict)  # tool call id -> PermissionOutcome
    tool_statuses: dict[str, str] = field(default_factory=dict)  # tool call id -> final ToolStatus
    thinking: dict[str, float] = field(default_factory=dict)  # assistant message id -> seconds
    turn_errors: dict[str, str] = field(default_factory=dict)  # user message id -> terminal error

    def remember(self, turn: Turn) -> None:
        for part in turn.parts:
            if isinstance(part, ThinkingPart) and part.ended_at is not None and part.assistant_message_id:
                self.thinking[part.assistant_message_id] = max(0.0, part.ended_at - part.started_at)
        for call in turn.tool_calls.values():
            duration = call.duration
            if duration is not None and call.status not in ("denied", "timed_out"):
                self.tool_durations[call.id] = max(0.0, duration)
            if call.permission_answer:
                self.permission_answers[call.id] = call.permission_answer
            if call.finished:
                self.tool_statuses[call.id] = call.status
        if turn.user_message_id and turn.error:
            self.turn_errors[turn.user_message_id] = turn.error


_NOTHING_OBSERVED = Observed()


@dataclass(slots=True)
class _Clock:
    now: float = 0.0

    def advance(self, seconds: float) -> float:
        self.now += max(0.0, seconds)
        return self.now


def replay(messages: Sequence[BackendMessage], observed: Observed | None = None) -> list[Turn]:
    """One `Turn` per stored prompt, in order (messages before the first prompt open a turn too).

    A turn whose prompt says it is still running (`turnStatus: "running"`) is left unfinished."""
    observed = observed or Observed()
    results = _tool_results(messages)
    turns: list[Turn] = []
    prompt: BackendMessage | None = None
    turn: Turn | None = None
    clock = _Clock()
    for message in messages:
        if message.role == "user":
            if turn is not None:
                _end(turn, prompt, observed, clock)
            turn, prompt = Turn(), message
            turns.append(turn)
            turn.apply(UserMessageCreated(message_id=message.id, content=message.user_input), clock.now)
            continue
        if message.role != "assistant":
            continue  # tool-role messages carry results, joined onto their calls
        if turn is None:
            turn = Turn()
            turns.append(turn)
        _replay_assistant(turn, message, results, observed, clock)
    if turn is not None:
        _end(turn, prompt, observed, clock)
    return turns


def _replay_assistant(
    turn: Turn,
    message: BackendMessage,
    results: dict[str, tuple[str, bool]],
    observed: Observed,
    clock: _Clock,
) -> None:
    amid = message.id
    if message.reasoning:
        turn.apply(Thinking(content=message.reasoning, assistant_message_id=amid), clock.now)
        ms = message.reasoning_ms
        seconds = ms / 1000 if ms is not None else observed.thinking.get(amid, 0.0)
        _close_thinking(turn, clock.advance(seconds))
    if message.text:
        turn.apply(Content(content=message.text, assistant_message_id=amid), clock.now)
    for call in message.tool_calls or ():
        _replay_call(turn, call, amid, results.get(call.id), observed, clock)


def _close_thinking(turn: Turn, now: float) -> None:
    # the next event would close it too, but a message may end on its thinking
    last = turn.parts[-1] if turn.parts else None
    if isinstance(last, ThinkingPart) and last.ended_at is None:
        last.ended_at = now


def _replay_call(
    turn: Turn,
    call: ToolCallData,
    amid: str,
    joined: tuple[str, bool] | None,
    observed: Observed,
    clock: _Clock,
) -> None:
    turn.apply(ToolUseStart(id=call.id, name=call.name, assistant_message_id=amid), clock.now)
    turn.apply(ToolUseParameterStreamingComplete(id=call.id, name=call.name, input=call.input), clock.now)
    result, is_error = (call.result, bool(call.is_error)) if call.result is not None else (None, False)
    if result is None and joined is not None:
        result, is_error = joined
    state = turn.find_call(call.id)
    assert state is not None
    if call.status is not None:
        observed = _NOTHING_OBSERVED  # the server stores outcomes: nothing is filled in from memory
    status = known_status(call.status) or known_status(observed.tool_statuses.get(call.id))
    if status is None and result is None and not call.finished:
        return  # still running on the server: the live stream tells the rest
    status = status or stored_outcome(result, is_error)
    ran = status not in ("denied", "timed_out")
    seconds = _duration(call, observed)
    if ran:
        turn.apply(ToolExecutionStart(tool_call_id=call.id, tool_name=call.name), clock.now)
        if seconds is None:
            state.started_at = None  # unknown: no duration is shown
    end = clock.advance(seconds or 0.0)
    turn.apply(
        ToolExecutionComplete(
            tool_call_id=call.id, tool_name=call.name, success=ran, result=result, is_error=is_error,
            metadata=call.metadata,
        ),
        end,
    )
    _settle(state, status, call.permission or observed.permission_answers.get(call.id))


def _duration(call: ToolCallData, observed: Observed) -> float | None:
    if call.duration_ms is not None:
        return max(0, call.duration_ms) / 1000
    return observed.tool_durations.get(call.id)


def _settle(state: ToolCallState, status: str, permission: str | None) -> None:
    """Apply the stored outcome over what the reducer guessed from a bare event."""
    state.status = status  # type: ignore[assignment]  # checked by known_status / stored_outcome
    if status in ("denied", "timed_out"):
        state.permission_answer = status
        state.started_at = state.finished_at  # it never ran: no duration
    elif permission:
        state.permission_answer = permission


def _end(turn: Turn, prompt: BackendMessage | None, observed: Observed, clock: _Clock) -> None:
    status = prompt.turn_status if prompt is not None else None
    if status == "running":
        return
    error = prompt.turn_error if prompt is not None else None
    if error is None and prompt is not None:
        error = observed.turn_errors.get(prompt.id)
    if status == "interrupted":
        turn.interrupt(clock.now, error or INTERRUPTED)
    elif error or status in ("error", "cancelled"):
        turn.apply(Error(error=error or status or "error"), clock.now)
    else:
        turn.apply(Complete(), clock.now)


def _tool_results(messages: Sequence[BackendMessage]) -> dict[str, tuple[str, bool]]:
    """Results stored on the tool-role message that follows the call (by call id); a bare-text result
    belongs to the previous assistant message's only call."""
    found: dict[str, tuple[str, bool]] = {}
    pending: list[str] = []
    for message in messages:
        if message.role == "assistant":
            pending = [call.id for call in message.tool_calls or () if call.result is None]
        elif message.role == "tool":
            matched = False
            for call in message.tool_calls or ():
                if call.result is not None:
                    found[call.id] = (call.result, bool(call.is_error))
                    matched = True
            if not matched and len(pending) == 1 and message.text:
                found[pending[0]] = (message.text, False)
            pending = []
    return found
