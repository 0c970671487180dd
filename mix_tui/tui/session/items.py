"""The transcript as plain data: one `UserItem` per prompt and one `AssistantItem` per turn.

Built from a `Turn` by `turn_items` and nothing else: a live turn and a stored one (replayed into a
`Turn` by `mix_tui.sdk.replay`) become the same items, so a session looks the same after a restart as
it did live. Parts come in arrival order, step after step. Widgets only ever see these items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from mix_tui.protocol.models import parse_tool_input
from mix_tui.sdk.outcome import FINISHED_STATUSES, ToolStatus
from mix_tui.sdk.turn import TextPart, ThinkingPart, ToolCallState, ToolPart, Turn
from mix_tui.tui.session.usage import TurnUsage


@dataclass(slots=True)
class UserItem:
    key: str
    text: str
    session_id: str = ""  # where its attachments are (the session's files)


@dataclass(slots=True)
class TextView:
    text: str
    message_id: str | None = None


@dataclass(slots=True)
class ThinkingView:
    text: str
    started_at: float | None = None  # monotonic; set while the thinking is live
    duration: float | None = None  # seconds, once it ended (None: not known)


@dataclass(slots=True)
class ToolView:
    id: str
    name: str
    arguments: dict[str, Any]
    input_text: str = ""
    status: ToolStatus = "ok"
    result: str | None = None
    is_error: bool = False
    started_at: float | None = None  # monotonic, while it runs
    duration: float | None = None
    permission: str | None = None  # how its prompt was answered (PermissionOutcome), None: no prompt
    children: list[Part] = field(default_factory=list)  # a subagent's parts (Task tool)
    metadata: dict[str, Any] | None = None  # the tool's response metadata (Show outputs, ...), if sent

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def auto_approved(self) -> bool:
        return self.permission == "rule"


Part: TypeAlias = TextView | ThinkingView | ToolView


@dataclass(slots=True)
class AssistantItem:
    key: str
    parts: list[Part] = field(default_factory=list)
    live: bool = False  # still streaming
    error: str | None = None
    interrupted: bool = False  # the server lost the turn (it stopped while the turn ran)
    notice: str | None = None  # a non-terminal retry notice
    usage: TurnUsage | None = None  # tokens, cost and time of a stored turn (None: not known yet)


@dataclass(slots=True)
class NoteItem:
    """A system note of this client (a command's answer, a notice worth keeping): not stored."""

    key: str
    text: str
    title: str = ""


Item: TypeAlias = UserItem | AssistantItem | NoteItem


def assistant_key(turn_key: str) -> str:
    return f"a:{turn_key}"


def turn_items(key: str, prompt: str | None, turn: Turn, session_id: str = "") -> list[Item]:
    """The prompt (when known) and the answer of one turn."""
    items: list[Item] = []
    if prompt is not None:
        items.append(UserItem(key, prompt, session_id))
    items.append(assistant_item(assistant_key(key), turn))
    return items


def assistant_item(key: str, turn: Turn) -> AssistantItem:
    notice = None
    if turn.retry_notice is not None and not turn.done:
        retry = turn.retry_notice
        notice = retry.error or "rate limited; retrying"
        if retry.retry_after:
            notice += f" (retry in {retry.retry_after} s"
            notice += f", attempt {retry.attempt}/{retry.max_attempts})" if retry.attempt and retry.max_attempts else ")"
    return AssistantItem(
        key=key,
        parts=turn_parts(turn),
        live=not turn.done,
        error=turn.error,
        interrupted=turn.interrupted,
        notice=notice,
    )


def turn_parts(turn: Turn) -> list[Part]:
    parts: list[Part] = []
    for part in turn.parts:
        if isinstance(part, TextPart):
            parts.append(TextView(part.text, part.assistant_message_id))
        elif isinstance(part, ThinkingPart):
            ended = part.ended_at
            live = ended is None and not turn.done
            duration = None if ended is None else ended - part.started_at
            # a zero-length thinking has no measured time (a server that stores none)
            parts.append(ThinkingView(part.text, part.started_at if live else None, duration or None))
        elif isinstance(part, ToolPart):
            parts.append(tool_view(part.call))
    return parts


def tool_view(call: ToolCallState) -> ToolView:
    return ToolView(
        id=call.id,
        name=call.name,
        arguments=dict(call.arguments) if call.arguments else parse_tool_input(call.input_text),
        input_text=call.input_text,
        status=call.status,
        result=call.result,
        is_error=bool(call.is_error),
        started_at=call.started_at,
        duration=call.duration,
        permission=call.permission_answer,
        children=turn_parts(call.children) if call.children is not None else [],
        metadata=call.metadata,
    )
