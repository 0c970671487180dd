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
from mix_tui.server.rows import storable
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
    """One call's outcome as the model sees it (output, is_error) and as history records it."""

    call: ToolCallRequest
    output: str
    is_error: bool
    status: str = "failed"  # ok | failed | denied | timed_out | cancelled
    duration_ms: int | None = None  # None when the tool never ran
    permission: str | None = None  # once | session | rule | denied | timed_out; None: no prompt
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
    env.publish(ToolExecutionStart(tool_call_id=call.id, tool_name=call.name, progress=f"Executing {call.name} tool"))
    run, failure = await _execute(call, env)
    run.output = storable(run.output)  # file names decoded with surrogateescape, odd tool output
    ran = f" after {format_duration(run.duration_ms / 1000)}" if run.duration_ms is not None else ""
    if failure is not None:
        progress = f"Failed {call.name} tool{ran}: {failure}"
    else:
        progress = f"Completed {call.name} tool in {format_duration((run.duration_ms or 0) / 1000)}"
    env.publish(
        ToolExecutionComplete(
            tool_call_id=call.id,
            tool_name=call.name,
            progress=progress,
            success=failure is None,
            result=truncate_bytes(run.output),
            is_error=run.is_error,
            status=run.status,
            duration_ms=run.duration_ms,
            permission=run.permission,
            metadata=event_metadata(run.metadata),
        )
    )
    return run


def event_metadata(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata small enough for the live event (history always has all of it)."""
    if metadata is None or len(json.dumps(metadata, default=str)) > EVENT_RESULT_LIMIT:
        return None
    return metadata


async def _execute(call: ToolCallRequest, env: ToolEnv) -> tuple[ToolRun, str | None]:
    """The call's outcome, and the failure text for the progress line (None on success).

    The record always says what happened: a tool that never started is denied, timed out or
    cancelled; one that ran reports its own result, ok or failed, even when a cancel arrived while it
    ran (a file it wrote stays written). A cancel that lands before the start wins over a grant.
    """

    def not_run(output: str, status: str, failure: str, permission: str | None = None) -> tuple[ToolRun, str]:
        return ToolRun(call, output, True, status, None, permission), failure

    if env.context.cancelled.is_set():
        return not_run(CANCELLED, "cancelled", "cancelled")
    tool = env.tools.get(call.name)
    if tool is None:
        names = ", ".join(sorted(env.allowed))
        return not_run(f"Unknown tool {call.name!r}. Available tools: {names}.", "failed", "unknown tool")
    if call.name not in env.allowed:
        return not_run(f"The {call.name} tool is not available in plan mode.", "failed", "not available in plan mode")
    args = validate_input(tool, call.arguments)
    if isinstance(args, str):
        return not_run(args, "failed", "invalid input")
    try:
        need = tool.permission(args, env.context)
    except Exception as exc:  # a policy bug must not crash the turn; asking is the safe side
        log.exception("permission check of %s failed", call.name)
        return not_run(f"The {call.name} tool could not check its permissions: {exc}", "failed", "error")
    permission: str | None = None
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
            return not_run(DECLINED, "denied", "permission denied", "denied")
        if answer == "timeout":
            return not_run(TIMED_OUT, "timed_out", "permission denied (no answer in time)", "timed_out")
        if answer == "cancelled":
            return not_run(CANCELLED, "cancelled", "cancelled")
        permission = request.scope
        if env.context.cancelled.is_set():  # granted and cancelled at once: the cancel wins, nothing runs
            return not_run(CANCELLED, "cancelled", "cancelled", permission)
    started = time.monotonic()
    try:
        outcome = await tool.run(args, dataclasses.replace(env.context, tool_call_id=call.id))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("tool %s raised", call.name)
        run = ToolRun(call, f"The {call.name} tool failed: {type(exc).__name__}: {exc}", True, "failed",
                      _ms_since(started), permission)
        return run, "error"
    elapsed = _ms_since(started)
    if not outcome.is_error:
        return ToolRun(call, outcome.output, False, "ok", elapsed, permission, outcome.metadata), None
    # an error result while the turn was being cancelled is the cancel's doing (Bash killed, or not run)
    if env.context.cancelled.is_set():
        run = ToolRun(call, outcome.output or CANCELLED, True, "cancelled", elapsed, permission, outcome.metadata)
        return run, "cancelled"
    run = ToolRun(call, outcome.output, True, "failed", elapsed, permission, outcome.metadata)
    return run, _first_line(outcome.output)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _first_line(text: str, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "error"
    return line if len(line) <= limit else line[: limit - 1] + "…"
