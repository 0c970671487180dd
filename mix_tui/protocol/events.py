"""The SSE events of the Mix contract as typed models, a discriminated union on the event name.

`parse_event(name, data)` is the one way in: it maps legacy names (`tool`, `tool_parameter_delta`,
`rate_limit_error`), returns `Unknown` for names it does not know and raises `EventParseError` for a
payload it cannot read. `encode_event(event, id)` is the one way out (exact wire names, one line of
compact JSON). Neither does I/O.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal, get_args

import pydantic_core
from pydantic import Field, ValidationError

from mix_tui.protocol.models import CamelModel, NullableList, reasoning_duration_ms


class EventParseError(ValueError):
    """The frame named an event we know but its data could not be read."""

    def __init__(self, name: str, data: str, reason: str) -> None:
        super().__init__(f"malformed {name!r} event: {reason}")
        self.name = name
        self.data = data
        self.reason = reason


class MixEvent(CamelModel):
    """Base of every SSE payload. `event_name` is the SSE `event:` field; it is not in the JSON."""

    event_name: ClassVar[str]
    # the event-name discriminator; excluded from the JSON payload
    event: str = Field(default="", exclude=True)
    parent_tool_call_id: str | None = None

    @property
    def is_subagent(self) -> bool:
        return bool(self.parent_tool_call_id)


class _Typed(MixEvent):
    """Payloads that carry `type` equal to the event name."""

    type: str = ""


class Connected(MixEvent):
    event_name: ClassVar[str] = "connected"
    event: Literal["connected"] = Field(default="connected", exclude=True)
    session_id: str = ""
    # extension of ours: names the id sequence. Ids of different epochs are unrelated (the server
    # restarted); a server that replays after Last-Event-ID sends it, Go does not.
    stream_epoch: str | None = None


class Heartbeat(_Typed):
    event_name: ClassVar[str] = "heartbeat"
    event: Literal["heartbeat"] = Field(default="heartbeat", exclude=True)
    type: str = "ping"


class UserMessageCreated(_Typed):
    event_name: ClassVar[str] = "user_message_created"
    type: str = "user_message_created"
    event: Literal["user_message_created"] = Field(default="user_message_created", exclude=True)
    message_id: str
    content: str = ""


class Thinking(_Typed):
    event_name: ClassVar[str] = "thinking"
    type: str = "thinking"
    event: Literal["thinking"] = Field(default="thinking", exclude=True)
    content: str = ""
    assistant_message_id: str | None = None


class Content(_Typed):
    event_name: ClassVar[str] = "content"
    type: str = "content"
    event: Literal["content"] = Field(default="content", exclude=True)
    content: str = ""
    assistant_message_id: str | None = None


class ToolUseStart(_Typed):
    event_name: ClassVar[str] = "tool_use_start"
    type: str = "tool_use_start"
    event: Literal["tool_use_start"] = Field(default="tool_use_start", exclude=True)
    id: str
    name: str = ""
    assistant_message_id: str | None = None


class ToolUseParameterDelta(_Typed):
    event_name: ClassVar[str] = "tool_use_parameter_delta"
    type: str = "tool_use_parameter_delta"
    event: Literal["tool_use_parameter_delta"] = Field(default="tool_use_parameter_delta", exclude=True)
    tool_call_id: str
    input: str = ""
    assistant_message_id: str | None = None


class ToolUseParameterStreamingComplete(_Typed):
    event_name: ClassVar[str] = "tool_use_parameter_streaming_complete"
    type: str = "tool_use_parameter_streaming_complete"
    event: Literal["tool_use_parameter_streaming_complete"] = Field(
        default="tool_use_parameter_streaming_complete", exclude=True
    )
    id: str
    name: str = ""
    input: str = ""
    assistant_message_id: str | None = None


class ToolExecutionStart(_Typed):
    event_name: ClassVar[str] = "tool_execution_start"
    type: str = "tool_execution_start"
    event: Literal["tool_execution_start"] = Field(default="tool_execution_start", exclude=True)
    tool_call_id: str
    tool_name: str = ""  # may be "" from Go: look the name up by toolCallId
    progress: str = ""


class ToolExecutionComplete(_Typed):
    event_name: ClassVar[str] = "tool_execution_complete"
    type: str = "tool_execution_complete"
    event: Literal["tool_execution_complete"] = Field(default="tool_execution_complete", exclude=True)
    tool_call_id: str
    tool_name: str = ""
    progress: str = ""
    success: bool = True
    # extension of ours (DESIGN.md §2.3): the tool's output, truncated, and whether it is an error
    result: str | None = None
    is_error: bool | None = None
    # extensions, the same values history stores on ToolCallData: how the call ended, its run time
    # (the wait for a permission answer excluded) and how its prompt was answered
    status: str | None = None
    duration_ms: int | None = None
    permission: str | None = None
    # extension: the tool's response metadata (as on ToolCallData), when it is small enough
    metadata: dict[str, Any] | None = None


class Permission(_Typed):
    event_name: ClassVar[str] = "permission"
    type: str = "permission"
    event: Literal["permission"] = Field(default="permission", exclude=True)
    id: str
    session_id: str = ""
    tool_name: str = ""
    description: str = ""
    action: str = ""
    path: str | None = None
    params: dict[str, Any] | None = None


class Notification(_Typed):
    event_name: ClassVar[str] = "notification"
    type: str = "notification"
    event: Literal["notification"] = Field(default="notification", exclude=True)
    id: str
    session_id: str = ""
    notification_type: str = "info"
    title: str = ""
    message: str = ""
    response_type: str = "acknowledge"
    timeout: int = 0
    created_at: int = 0
    choices: NullableList[str] | None = None


class Complete(_Typed):
    event_name: ClassVar[str] = "complete"
    type: str = "complete"
    event: Literal["complete"] = Field(default="complete", exclude=True)
    done: bool = True
    content: str | None = None
    message_id: str | None = None
    reasoning: str | None = None
    reasoning_duration: int | None = None

    @property
    def reasoning_ms(self) -> int | None:
        return reasoning_duration_ms(self.reasoning_duration)


class Error(MixEvent):
    event_name: ClassVar[str] = "error"
    event: Literal["error"] = Field(default="error", exclude=True)
    error: str = ""
    # a classification, not the event name: authentication_error, rate_limit_error, ...
    type: str | None = None
    retry_after: int | None = None
    attempt: int | None = None
    max_attempts: int | None = None

    @property
    def is_retry_notice(self) -> bool:
        """Rate-limit and retry notices do not end a turn (mix-contract.md §5.2)."""
        return (
            self.type == "rate_limit_error"
            or self.retry_after is not None
            or self.attempt is not None
            or self.max_attempts is not None
        )


class SessionCreated(_Typed):
    event_name: ClassVar[str] = "session_created"
    type: str = "session_created"
    event: Literal["session_created"] = Field(default="session_created", exclude=True)
    session_id: str
    title: str = ""
    created_at: int = 0


class SessionDeleted(_Typed):
    event_name: ClassVar[str] = "session_deleted"
    type: str = "session_deleted"
    event: Literal["session_deleted"] = Field(default="session_deleted", exclude=True)
    session_id: str


class SessionUpdated(_Typed):
    """Extension of ours: a session's title changed (a rename, or the title made from the first
    prompt). Sent only to streams that ask for it (`/stream?...&extensions=session_updated`): the
    official SDKs raise on an event name they do not know, so spec clients never see it."""

    event_name: ClassVar[str] = "session_updated"
    type: str = "session_updated"
    event: Literal["session_updated"] = Field(default="session_updated", exclude=True)
    session_id: str
    title: str = ""


class Unknown(MixEvent):
    """An event name this client does not know; kept so callers can log or ignore it."""

    event_name: ClassVar[str] = "unknown"
    event: Literal["unknown"] = Field(default="unknown", exclude=True)
    name: str = ""
    data: Any = None


class StreamResync(MixEvent):
    """Extension of ours, event name `resync`: the server cannot replay from the client's
    Last-Event-ID (it fell behind the replay ring, or the id is from before a restart). The stream
    goes on live from this frame's id; the client must re-read history. `last_event_id` is the
    oldest id the server still has. Not in `MixEventType`: spec clients see an unknown event."""

    event_name: ClassVar[str] = "resync"
    event: Literal["resync"] = Field(default="resync", exclude=True)
    reason: str = ""
    last_event_id: str | None = None


MixEventType = (
    Connected
    | Heartbeat
    | UserMessageCreated
    | Thinking
    | Content
    | ToolUseStart
    | ToolUseParameterDelta
    | ToolUseParameterStreamingComplete
    | ToolExecutionStart
    | ToolExecutionComplete
    | Permission
    | Notification
    | Complete
    | Error
    | SessionCreated
    | SessionDeleted
    | SessionUpdated
    | Unknown
)

KnownEvent = Annotated[MixEventType, Field(discriminator="event")]
"""Every event, discriminated on the (excluded) `event` field set from the SSE event name."""

EXTENSION_EVENT_TYPES: dict[str, type[MixEvent]] = {SessionUpdated.event_name: SessionUpdated}
"""Events of ours beyond the spec, sent only to streams that ask for them by name."""

EVENT_TYPES: dict[str, type[MixEvent]] = {
    cls.event_name: cls
    for cls in get_args(MixEventType)
    if cls is not Unknown and cls.event_name not in EXTENSION_EVENT_TYPES
}
"""The 16 spec event names; the only ones a server of ours puts on the wire unasked."""

# legacy and unofficial names, read as their current counterparts
_RENAMED: dict[str, type[MixEvent]] = {
    "tool_parameter_delta": ToolUseParameterDelta,
    "rate_limit_error": Error,
}


def parse_event(name: str, data: str) -> MixEventType:
    """Read one SSE frame's `event:` and `data:` into a typed event.

    Hot path (the benchmark runs 100k frames through it): a dict lookup, then pydantic's JSON parser.
    """
    cls = EVENT_TYPES.get(name) or _RENAMED.get(name) or EXTENSION_EVENT_TYPES.get(name)
    if cls is None:
        if name == "tool":
            return _parse_legacy_tool(data)
        return Unknown(name=name, data=_loads_or_text(data))
    try:
        event = cls.model_validate_json(data or "{}")
    except ValidationError as exc:
        raise EventParseError(name, data, _short_reason(exc)) from None
    if name == "rate_limit_error" and isinstance(event, Error) and not event.type:
        event.type = "rate_limit_error"
    return event  # type: ignore[return-value]


def _parse_legacy_tool(data: str) -> MixEventType:
    """≤0.7 `tool` event: status "running" declared a call, "completed" meant its arguments were final."""
    payload = _loads_or_text(data)
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
        raise EventParseError("tool", data, "expected an object with an id")
    raw_input = payload.get("input", "")
    text_input = raw_input if isinstance(raw_input, str) else json.dumps(raw_input)
    if payload.get("status") == "completed":
        return ToolUseParameterStreamingComplete(
            id=payload["id"], name=str(payload.get("name", "")), input=text_input
        )
    return ToolUseStart(id=payload["id"], name=str(payload.get("name", "")))


def _loads_or_text(data: str) -> Any:
    """JSON if it is JSON, else the text; pydantic's parser bounds the nesting (a hostile 100,000-deep
    array would blow the stack of `json.loads`), so anything deeper also stays text."""
    try:
        return pydantic_core.from_json(data)
    except ValueError:
        return data


def _short_reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "data"
    return f"{where}: {first.get('msg', 'invalid')}"


def encode_event(event: MixEvent, event_id: int | str | None = None, retry: int | None = None) -> bytes:
    """One SSE frame: `id:`, `event:`, a single line of compact JSON, a blank line."""
    payload = event.model_dump_json(by_alias=True, exclude_none=True)
    head = f"id: {event_id}\n" if event_id is not None else ""
    tail = f"retry: {retry}\n" if retry is not None else ""
    return f"{head}event: {event.event_name}\ndata: {payload}\n{tail}\n".encode()
