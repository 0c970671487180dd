"""Stored rows turned into wire models (REST) and into the conversation handed to a provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from mix_tui.protocol.models import (
    BackendMessage,
    Callback,
    CallbackResultData,
    ExportMessage,
    ExportSession,
    ExportToolCall,
    SessionData,
    ToolCallData,
    parse_tool_input,
    strip_system_reminder,
)
from mix_tui.server.callback_text import callback_context
from mix_tui.server.providers.base import ChatMessage, ToolCallRequest, ToolResult
from mix_tui.server.rows import ToolCallRow, ToolResultRow
from mix_tui.server.store import MessageRow, SessionRow

# a stored tool call and its joined result, None while it has none
JoinedCall = tuple[ToolCallRow, ToolResultRow | None]

# Wire sessionType: the official SDK only accepts main|subagent, so a fork is "main" with a parent.
_WIRE_SESSION_TYPES = ("main", "subagent")


def timestamp(seconds: float) -> datetime:
    # RFC 3339 with second precision, as Go serialises it
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def session_data(row: SessionRow, *, with_first_message: bool = False) -> SessionData:
    first = strip_system_reminder(row.first_user) if with_first_message and row.first_user else None
    return SessionData(
        id=row.id,
        title=row.title,
        session_type=row.session_type if row.session_type in _WIRE_SESSION_TYPES else "main",
        browser_mode=row.browser_mode,
        user_message_count=row.user_count,
        assistant_message_count=row.assistant_count,
        tool_call_count=row.tool_count,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cost=row.cost,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
        first_user_message=first,
        parent_session_id=row.parent_session_id,
        parent_tool_call_id=row.parent_tool_call_id,
        subagent_type=row.subagent_type,
        callbacks=[Callback.model_validate(c) for c in row.callbacks] if row.callbacks is not None else None,
        cdp_url=row.cdp_url,
        model_id=row.model_id,
        provider=row.provider,
    )


def render_listed_session(row: SessionRow) -> bytes:
    """One entry of `GET /api/sessions`, as JSON bytes (the listing keeps them ready)."""
    return session_data(row, with_first_message=True).model_dump_json(by_alias=True, exclude_none=True).encode()


def _results_by_call(messages: list[MessageRow]) -> dict[tuple[int, str], ToolResultRow]:
    """(index of the assistant message, tool-call id) -> its result: each call is joined to the first
    tool-role result that follows it."""
    joined: dict[tuple[int, str], ToolResultRow] = {}
    open_calls: dict[str, int] = {}
    for index, message in enumerate(messages):
        if message.role == "assistant":
            for call in message.tool_calls:
                open_calls[call.id] = index
        for result in message.tool_results:
            owner = open_calls.pop(result.tool_call_id, None)
            if owner is not None:
                joined[(owner, result.tool_call_id)] = result
    return joined


def _joined_calls(messages: list[MessageRow]) -> Iterator[tuple[MessageRow, list[JoinedCall] | None]]:
    """Each message with its tool calls, each call carrying its joined result or None."""
    joined = _results_by_call(messages)
    for index, m in enumerate(messages):
        calls = [(c, joined.get((index, c.id))) for c in m.tool_calls] if m.tool_calls else None
        yield m, calls


def backend_messages(messages: list[MessageRow]) -> list[BackendMessage]:
    out: list[BackendMessage] = []
    for m, joined in _joined_calls(messages):
        calls = None
        if joined is not None:
            calls = [
                ToolCallData(
                    id=c.id, name=c.name, input=c.input, type=c.type, finished=c.finished,
                    **_outcome(result),
                )
                for c, result in joined
            ]
        out.append(backend_message(m, calls))
    return out


def _outcome(result: ToolResultRow | None) -> dict[str, Any]:
    """The joined result's fields shared by ToolCallData and ExportToolCall."""
    if result is None:
        return {}
    return {
        "result": result.content, "is_error": result.is_error, "status": result.status,
        "duration_ms": result.duration_ms, "permission": result.permission, "metadata": result.metadata,
    }


def _turn(m: MessageRow) -> dict[str, Any]:
    """turnStatus/turnError, on user messages only."""
    if m.role != "user":
        return {}
    return {"turn_status": m.turn_status, "turn_error": m.turn_error}


def backend_message(m: MessageRow, calls: list[ToolCallData] | None = None) -> BackendMessage:
    # Go puts every message's text in userInput and repeats it in assistantResponse for non-user roles
    return BackendMessage(
        id=m.id,
        session_id=m.session_id,
        role=m.role,
        user_input=m.content,
        assistant_response=m.content if m.role != "user" else None,
        tool_calls=calls,
        callback_results=[CallbackResultData.model_validate(r) for r in m.callback_results]
        if m.callback_results
        else None,
        reasoning=m.reasoning or None,
        reasoning_duration=m.reasoning_duration,
        reasoning_duration_ms=m.reasoning_duration if m.reasoning else None,
        model=m.model,
        input_tokens=m.input_tokens,
        output_tokens=m.output_tokens,
        cache_creation_tokens=m.cache_creation_tokens,
        cache_read_tokens=m.cache_read_tokens,
        cost=m.cost,
        created_at=_precise(m.created_at),
        updated_at=_precise(m.updated_at),
        **_turn(m),
    )


def _precise(seconds: float) -> datetime | None:
    # sub-second, unlike the spec's RFC 3339 fields (Go's whole seconds): a turn's duration is read from it
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def export_session(row: SessionRow, messages: list[MessageRow]) -> ExportSession:
    exported: list[ExportMessage] = []
    for m, joined in _joined_calls(messages):
        calls = None
        if joined is not None:
            calls = [
                ExportToolCall(
                    id=c.id, name=c.name, input=c.input, type=c.type, finished=c.finished,
                    input_json=parse_tool_input(c.input), **_outcome(result),
                )
                for c, result in joined
            ]
        exported.append(
            ExportMessage(
                id=m.id, role=m.role, content=m.content, created_at=timestamp(m.created_at),
                updated_at=timestamp(m.updated_at), tool_calls=calls, reasoning=m.reasoning or None,
                reasoning_duration=m.reasoning_duration, model=m.model, finish_reason=m.finish_reason,
                **_turn(m),
            )
        )
    return ExportSession(
        id=row.id, title=row.title, messages=exported, user_message_count=row.user_count,
        assistant_message_count=row.assistant_count, tool_call_count=row.tool_count,
        prompt_tokens=row.prompt_tokens, completion_tokens=row.completion_tokens, cost=row.cost,
        created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at),
    )


def conversation(messages: list[MessageRow]) -> list[ChatMessage]:
    """The stored history as the provider layer wants it (providers pair calls and results themselves)."""
    chat: list[ChatMessage] = []
    for m in messages:
        if m.role == "user":
            chat.append(ChatMessage(role="user", content=m.content))
        elif m.role == "assistant":
            chat.append(
                ChatMessage(
                    role="assistant",
                    content=m.content,
                    tool_calls=[ToolCallRequest(c.id, c.name, c.input or "{}") for c in m.tool_calls],
                    reasoning=m.reasoning or "",
                    reasoning_signature=m.reasoning_signature or "",
                )
            )
        elif m.tool_results:
            chat.append(
                ChatMessage(
                    role="tool",
                    tool_results=[ToolResult(r.tool_call_id, r.name, r.content, r.is_error) for r in m.tool_results],
                )
            )
        if m.callback_results:
            shown = callback_context(m.callback_results)
            if shown:
                chat.append(ChatMessage(role="user", content=shown))
    return chat


def callbacks_json(callbacks: list[Callback] | None) -> list[dict[str, object]] | None:
    if callbacks is None:
        return None
    return [json.loads(c.to_wire_json()) for c in callbacks]
