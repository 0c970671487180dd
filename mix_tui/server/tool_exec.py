"""Running one step's tool calls: in parallel, each with its permission prompt when the tool asks.

Per call: `tool_execution_start` → (`permission` → wait) → `tool_execution_complete`. Nothing the
model sends can crash the turn: unknown tools, bad input, a tool that raises, all become error
results the model sees.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mix_tui.protocol.events import MixEvent, ToolExecutionComplete, ToolExecutionStart
from mix_tui.server.permissions import PermissionRegistry
from mix_tui.server.providers.base import ToolCallRequest
from mix_tui.server.tools import Tool, ToolContext, validate_input

log = logging.getLogger(__name__)

EVENT_RESULT_LIMIT = 64 * 1024  # bytes of tool output carried in tool_execution_complete (DESIGN.md §2.3)
DECLINED = "The user declined this tool call; stop and wait for instructions."
TIMED_OUT = (
    "The user did not answer the permission prompt in time, so the tool call was not run; "
    "stop and wait for instructions."
)
CANCELLED = "Tool execution cancelled."


@dataclass(slots=True)
class ToolRun:
    call: ToolCallRequest
    output: str
    is_error: bool
    metadata: dict[str, Any] | None = None  # the tool's response metadata, when it ran


@dataclass(slots=True)
class ToolEnv:
    """What tool execution needs from the turn."""

    session_id: str
    tools: dict[str, Tool]
    allowed: frozenset[str]
    context: ToolContext
    permissions: PermissionRegistry
    publish: Callable[[MixEvent], int]


def format_duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms" if seconds < 1 else f"{seconds:.1f}s"


def truncate_bytes(text: str, limit: int = EVENT_RESULT_LIMIT) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    marker = "\n… (truncated)"
    return data[: limit - len(marker.encode())].decode("utf-8", "ignore") + marker


async def run_tools(calls: list[ToolCallRequest], env: ToolEnv) -> list[ToolRun]:
    return list(await asyncio.gather(*(_run_one(call, env) for call in calls)))


async def _run_one(call: ToolCallRequest, env: ToolEnv) -> ToolRun:
    started = time.monotonic()
    env.publish(ToolExecutionStart(tool_call_id=call.id, tool_name=call.name, progress=f"Executing {call.name} tool"))
    output, is_error, failure, metadata = await _execute(call, env)
    elapsed = format_duration(time.monotonic() - started)
    if failure is not None:
        progress = f"Failed {call.name} tool after {elapsed}: {failure}"
    else:
        progress = f"Completed {call.name} tool in {elapsed}"
    env.publish(
        ToolExecutionComplete(
            tool_call_id=call.id,
            tool_name=call.name,
            progress=progress,
            success=failure is None,
            result=truncate_bytes(output),
            is_error=is_error,
            metadata=event_metadata(metadata),
        )
    )
    return ToolRun(call, output, is_error, metadata)


def event_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata small enough for the live event (history always has all of it)."""
    if metadata is None or len(json.dumps(metadata, default=str)) > EVENT_RESULT_LIMIT:
        return None
    return metadata


async def _execute(
    call: ToolCallRequest, env: ToolEnv
) -> tuple[str, bool, str | None, dict[str, Any] | None]:
    """(output for the model, is_error, failure text for the progress line or None, metadata)."""
    if env.context.cancelled.is_set():
        return CANCELLED, True, "cancelled", None
    tool = env.tools.get(call.name)
    if tool is None:
        names = ", ".join(sorted(env.allowed))
        return f"Unknown tool {call.name!r}. Available tools: {names}.", True, "unknown tool", None
    if call.name not in env.allowed:
        return f"The {call.name} tool is not available in plan mode.", True, "not available in plan mode", None
    args = validate_input(tool, call.arguments)
    if isinstance(args, str):
        return args, True, "invalid input", None
    try:
        need = tool.permission(args, env.context)
    except Exception as exc:  # a policy bug must not crash the turn; asking is the safe side
        log.exception("permission check of %s failed", call.name)
        return f"The {call.name} tool could not check its permissions: {exc}", True, "error", None
    if need is not None:
        request = env.permissions.create(
            env.session_id,
            {
                "tool_name": call.name,
                "description": need.description,
                "action": need.action,
                "path": need.path,
                "params": need.params,
            },
        )
        # the frame id lets a reconnecting client get the prompt again while it is pending
        request.frame_id = env.publish(request.event)
        answer = await env.permissions.wait(request, env.context.cancelled)
        if answer == "denied":
            return DECLINED, True, "permission denied", None
        if answer == "timeout":
            return TIMED_OUT, True, "permission denied (no answer in time)", None
        if answer == "cancelled":
            return CANCELLED, True, "cancelled", None
    try:
        outcome = await tool.run(args, dataclasses.replace(env.context, tool_call_id=call.id))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("tool %s raised", call.name)
        return f"The {call.name} tool failed: {type(exc).__name__}: {exc}", True, "error", None
    if env.context.cancelled.is_set():
        return outcome.output or CANCELLED, True, "cancelled", outcome.metadata
    failure = _first_line(outcome.output) if outcome.is_error else None
    return outcome.output, outcome.is_error, failure, outcome.metadata


def _first_line(text: str, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "error"
    return line if len(line) <= limit else line[: limit - 1] + "…"
