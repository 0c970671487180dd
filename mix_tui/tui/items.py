"""The transcript as plain data: what a session shows, built from stored history or a live `Turn`.

Both sources produce the same items, so a session looks the same after a restart as it did live:
one `UserItem` per prompt and one `AssistantItem` per turn, whose parts (thinking, text, tool calls)
come in arrival order, step after step. Widgets only ever see these items; no I/O happens here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from mix_tui.protocol.models import BackendMessage, ToolCallData, parse_tool_input, reasoning_duration_ms
from mix_tui.sdk.turn import TextPart, ThinkingPart, ToolCallState, ToolPart, Turn

_FINISHED = frozenset({"ok", "failed", "denied", "cancelled"})
# how a server says a permission prompt expired unanswered (progress line or tool result)
_TIMEOUT_MARKS = ("timed out", "time out", "timeout", "no answer in time", "did not answer")


@dataclass(slots=True)
class UserItem:
    key: str
    text: str


@dataclass(slots=True)
class TextView:
    text: str
    message_id: str | None = None


@dataclass(slots=True)
class ThinkingView:
    text: str
    started_at: float | None = None  # monotonic; set while the thinking is live
    duration: float | None = None  # seconds, once it ended


@dataclass(slots=True)
class ToolView:
    id: str
    name: str
    arguments: dict[str, Any]
    input_text: str = ""
    status: str = "ok"  # streaming | ready | running | awaiting_permission | ok | failed | denied | cancelled
    result: str | None = None
    is_error: bool = False
    started_at: float | None = None  # monotonic, live only
    duration: float | None = None
    auto_approved: bool = False
    children: list[Part] = field(default_factory=list)  # a subagent's parts (Task tool)
    timed_out: bool = False  # denied because nobody answered the permission prompt in time

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED


Part: TypeAlias = TextView | ThinkingView | ToolView


@dataclass(slots=True)
class AssistantItem:
    key: str
    parts: list[Part] = field(default_factory=list)
    live: bool = False  # still streaming
    error: str | None = None
    notice: str | None = None  # a non-terminal retry notice


Item: TypeAlias = UserItem | AssistantItem


# ---- from a live turn ----------------------------------------------------------------------------


def turn_parts(turn: Turn, auto_approved: set[str] | frozenset[str] = frozenset()) -> list[Part]:
    parts: list[Part] = []
    for part in turn.parts:
        if isinstance(part, TextPart):
            parts.append(TextView(part.text, part.assistant_message_id))
        elif isinstance(part, ThinkingPart):
            ended = part.ended_at
            live = ended is None and not turn.done
            duration = None if ended is None else max(0.0, ended - part.started_at)
            parts.append(ThinkingView(part.text, part.started_at if live else None, duration))
        elif isinstance(part, ToolPart):
            parts.append(tool_view_from_state(part.call, auto_approved))
    return parts


def tool_view_from_state(call: ToolCallState, auto_approved: set[str] | frozenset[str]) -> ToolView:
    duration = None
    if call.started_at is not None and call.finished_at is not None:
        duration = max(0.0, call.finished_at - call.started_at)
    children = turn_parts(call.children, auto_approved) if call.children is not None else []
    return ToolView(
        id=call.id,
        name=call.name,
        arguments=dict(call.arguments) if call.arguments else parse_tool_input(call.input_text),
        input_text=call.input_text,
        status=call.status,
        result=call.result,
        is_error=bool(call.is_error),
        started_at=call.started_at,
        duration=duration,
        auto_approved=call.id in auto_approved,
        children=children,
        timed_out=call.status == "denied" and permission_timed_out(call.progress, call.result),
    )


def permission_timed_out(*texts: str | None) -> bool:
    """A denied call's progress line or result says the prompt expired (not a user's "no")."""
    return any(mark in text.lower() for text in texts if text for mark in _TIMEOUT_MARKS)


def live_assistant_item(key: str, turn: Turn, auto_approved: set[str] | frozenset[str]) -> AssistantItem:
    notice = None
    if turn.retry_notice is not None and not turn.done:
        notice = turn.retry_notice.error or "rate limited; retrying"
    return AssistantItem(
        key=key, parts=turn_parts(turn, auto_approved), live=not turn.done, error=turn.error, notice=notice
    )


# ---- from stored history -------------------------------------------------------------------------


@dataclass(slots=True)
class LiveMemo:
    """What this client saw live and history cannot tell: measured durations (`think:<message id>`,
    `<tool call id>`; history has no tool timings and an ambiguous reasoning unit), final tool states
    (denied and cancelled are only guessed from result text) and calls granted by a session rule."""

    durations: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    auto_approved: set[str] = field(default_factory=set)

    def remember(self, turn: Turn) -> None:
        for part in turn.parts:
            if isinstance(part, ThinkingPart) and part.ended_at is not None and part.assistant_message_id:
                self.durations[f"think:{part.assistant_message_id}"] = max(
                    0.0, part.ended_at - part.started_at
                )
        for call in turn.tool_calls.values():
            if call.started_at is not None and call.finished_at is not None:
                self.durations[call.id] = max(0.0, call.finished_at - call.started_at)
            if call.finished:
                self.statuses[call.id] = call.status


def history_items(
    messages: Sequence[BackendMessage], alias: dict[str, str] | None = None, memo: LiveMemo | None = None
) -> list[Item]:
    """Group stored messages into prompts and turns; tool results are joined onto their calls."""
    alias = alias or {}
    memo = memo or LiveMemo()
    results = _tool_results(messages)
    items: list[Item] = []
    current: AssistantItem | None = None
    for message in messages:
        if message.role == "user":
            key = alias.get(message.id, message.id)
            items.append(UserItem(key, message.text))
            current = None
            continue
        if message.role != "assistant":
            continue  # tool-role messages only carry results, already joined above
        if current is None:
            current = AssistantItem(key=f"a:{_group_owner(items, message.id)}")
            items.append(current)
        current.parts.extend(_message_parts(message, results, memo))
    return items


def _group_owner(items: list[Item], fallback: str) -> str:
    # a turn is keyed by its prompt, so the live item and the stored one share a key
    if items and isinstance(items[-1], UserItem):
        return items[-1].key
    return fallback


def _message_parts(
    message: BackendMessage, results: dict[str, tuple[str, bool]], memo: LiveMemo
) -> Iterable[Part]:
    if message.reasoning:
        measured = memo.durations.get(f"think:{message.id}")
        stored = reasoning_seconds(message.reasoning_duration)
        yield ThinkingView(message.reasoning, None, measured if measured is not None else stored)
    if message.text:
        yield TextView(message.text, message.id)
    for call in message.tool_calls or ():
        view = _stored_tool_view(call, results.get(call.id))
        view.duration = memo.durations.get(call.id)
        view.status = memo.statuses.get(call.id, view.status)
        view.timed_out = view.status == "denied" and permission_timed_out(view.result)
        view.auto_approved = call.id in memo.auto_approved
        yield view


def reasoning_seconds(raw: int | None) -> float | None:
    """A stored `reasoningDuration` in seconds, whichever unit the server used."""
    ms = reasoning_duration_ms(raw)
    return ms / 1000 if ms else None


def _stored_tool_view(call: ToolCallData, joined: tuple[str, bool] | None) -> ToolView:
    result, is_error = (call.result, bool(call.is_error)) if call.result is not None else (None, False)
    if result is None and joined is not None:
        result, is_error = joined
    return ToolView(
        id=call.id,
        name=call.name,
        arguments=call.arguments,
        input_text=call.input,
        status=_stored_status(result, is_error),
        result=result,
        is_error=is_error,
    )


def _stored_status(result: str | None, is_error: bool) -> str:
    if result is None:
        return "ok"
    lowered = result.lower()
    if any(
        mark in lowered for mark in ("permission denied", "user rejected", "user declined", "did not answer")
    ):
        return "denied"
    if "cancelled" in lowered and is_error:
        return "cancelled"
    return "failed" if is_error else "ok"


def _tool_results(messages: Sequence[BackendMessage]) -> dict[str, tuple[str, bool]]:
    """Results some servers store on the tool-role message that follows the call (by call id)."""
    found: dict[str, tuple[str, bool]] = {}
    pending: list[str] = []  # ids of the previous assistant message's calls, for a bare-text result
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
