"""Scripted SSE transcripts in the dialects met in the wild (mix-contract.md §4), as events and bytes.

- SPEC_TURN: the spec-shaped turn of §4.6 (grant flow), framed as our server does: per-session ids.
- GO_TURN: the real Go server: per-connection ids restarting at 1, `retry:` on every frame,
  `rate_limit_error` as an event *name*, empty `toolName` on tool_execution_*, and the final error
  sent twice.
- GO_AUG_TURN: the Aug-2025 framing: `event:` + `data:` only (no `id:`), the legacy `tool` event,
  and `complete` as the only carrier of the answer text.
- SUBAGENT_TURN: a Task tool whose subagent events carry `parentToolCallId`.
"""

from __future__ import annotations

import json
from typing import Any

from tests.sdk.sdk_wire import frame

SESSION = "9b2f0c8e-5d1a-4c39-9a51-2f1f0c6b7d11"
Frames = list[tuple[str, dict[str, Any]]]

SPEC_TURN: Frames = [
    ("connected", {"sessionId": SESSION}),
    (
        "user_message_created",
        {"type": "user_message_created", "messageId": "u1", "content": "Delete tmp.log"},
    ),
    (
        "thinking",
        {"type": "thinking", "content": "The user wants tmp.log removed; ", "assistantMessageId": "a1"},
    ),
    ("thinking", {"type": "thinking", "content": "I'll run rm on it.", "assistantMessageId": "a1"}),
    ("content", {"type": "content", "content": "I'll delete the file now.", "assistantMessageId": "a1"}),
    (
        "tool_use_start",
        {"type": "tool_use_start", "name": "Bash", "id": "toolu_01", "assistantMessageId": "a1"},
    ),
    (
        "tool_use_parameter_delta",
        {
            "type": "tool_use_parameter_delta",
            "toolCallId": "toolu_01",
            "input": '{"command": "rm ',
            "assistantMessageId": "a1",
        },
    ),
    (
        "tool_use_parameter_delta",
        {
            "type": "tool_use_parameter_delta",
            "toolCallId": "toolu_01",
            "input": 'tmp.log"}',
            "assistantMessageId": "a1",
        },
    ),
    (
        "tool_use_parameter_streaming_complete",
        {
            "type": "tool_use_parameter_streaming_complete",
            "name": "Bash",
            "input": '{"command":"rm tmp.log"}',
            "id": "toolu_01",
            "assistantMessageId": "a1",
        },
    ),
    (
        "tool_execution_start",
        {
            "type": "tool_execution_start",
            "toolName": "Bash",
            "progress": "Executing Bash tool",
            "toolCallId": "toolu_01",
        },
    ),
    (
        "permission",
        {
            "type": "permission",
            "id": "perm-1",
            "sessionId": SESSION,
            "toolName": "Bash",
            "description": "Execute command: rm tmp.log",
            "action": "Execute command: rm tmp.log",
            "path": "/home/me/.mix/sessions/x",
            "params": {"command": "rm tmp.log", "timeout": 0},
        },
    ),
    (
        "tool_execution_complete",
        {
            "type": "tool_execution_complete",
            "toolName": "Bash",
            "progress": "Completed Bash tool in 38.4ms",
            "success": True,
            "toolCallId": "toolu_01",
            "result": "",
            "isError": False,
        },
    ),
    ("heartbeat", {"type": "ping"}),
    (
        "content",
        {"type": "content", "content": "Done. `tmp.log` has been deleted.", "assistantMessageId": "a2"},
    ),
    (
        "complete",
        {"type": "complete", "content": "Done. `tmp.log` has been deleted.", "messageId": "a2", "done": True},
    ),
]

GO_TURN: Frames = [
    ("connected", {"sessionId": SESSION}),
    ("user_message_created", {"type": "user_message_created", "messageId": "u9", "content": "list files"}),
    ("content", {"type": "content", "content": "Listing.", "assistantMessageId": "a9"}),
    (
        "tool_use_start",
        {"type": "tool_use_start", "name": "Bash", "id": "toolu_9", "assistantMessageId": "a9"},
    ),
    (
        "tool_use_parameter_streaming_complete",
        {
            "type": "tool_use_parameter_streaming_complete",
            "name": "Bash",
            "input": '{"command":"ls"}',
            "id": "toolu_9",
        },
    ),
    (
        "tool_execution_start",
        {
            "type": "tool_execution_start",
            "toolName": "",
            "progress": "Executing Bash tool",
            "toolCallId": "toolu_9",
        },
    ),
    (
        "tool_execution_complete",
        {
            "type": "tool_execution_complete",
            "toolName": "",
            "progress": "Completed Bash tool in 4.1ms",
            "success": True,
            "toolCallId": "toolu_9",
        },
    ),
    ("heartbeat", {"type": "ping"}),
    (
        "rate_limit_error",
        {"error": "Rate limit exceeded, retrying", "retryAfter": 60, "attempt": 1, "maxAttempts": 3},
    ),
    ("content", {"type": "content", "content": " Still here.", "assistantMessageId": "a10"}),
    ("error", {"error": "request cancelled by user"}),
    ("error", {"error": "request cancelled by user"}),
]

GO_AUG_TURN: Frames = [
    ("connected", {"sessionId": SESSION}),
    ("heartbeat", {"type": "ping"}),
    (
        "tool",
        {"type": "tool", "name": "bash", "input": {"command": "ls"}, "id": "call_1", "status": "running"},
    ),
    (
        "tool",
        {"type": "tool", "name": "bash", "input": {"command": "ls"}, "id": "call_1", "status": "completed"},
    ),
    ("summarize", {"type": "summarize", "progress": "compacting", "done": False}),
    ("complete", {"type": "complete", "content": "Here are the files.", "done": True}),
]

SUBAGENT_TURN: Frames = [
    ("connected", {"sessionId": SESSION}),
    ("user_message_created", {"type": "user_message_created", "messageId": "u2", "content": "research it"}),
    (
        "tool_use_start",
        {"type": "tool_use_start", "name": "Task", "id": "task_1", "assistantMessageId": "a1"},
    ),
    (
        "tool_use_parameter_streaming_complete",
        {
            "type": "tool_use_parameter_streaming_complete",
            "name": "Task",
            "input": '{"prompt":"look"}',
            "id": "task_1",
        },
    ),
    (
        "tool_execution_start",
        {
            "type": "tool_execution_start",
            "toolName": "Task",
            "progress": "Executing Task tool",
            "toolCallId": "task_1",
        },
    ),
    (
        "content",
        {
            "type": "content",
            "content": "sub says hi",
            "assistantMessageId": "s1",
            "parentToolCallId": "task_1",
        },
    ),
    (
        "tool_use_start",
        {"type": "tool_use_start", "name": "Bash", "id": "sub_bash", "parentToolCallId": "task_1"},
    ),
    (
        "tool_execution_start",
        {
            "type": "tool_execution_start",
            "toolName": "Bash",
            "progress": "Executing Bash tool",
            "toolCallId": "sub_bash",
            "parentToolCallId": "task_1",
        },
    ),
    (
        "permission",
        {
            "type": "permission",
            "id": "perm-sub",
            "sessionId": SESSION,
            "toolName": "Bash",
            "description": "Execute command: make",
            "action": "Execute command: make",
            "parentToolCallId": "task_1",
        },
    ),
    (
        "tool_execution_complete",
        {
            "type": "tool_execution_complete",
            "toolName": "Bash",
            "progress": "Failed Bash tool after 2.1s: permission denied",
            "success": False,
            "toolCallId": "sub_bash",
            "parentToolCallId": "task_1",
        },
    ),
    (
        "complete",
        {
            "type": "complete",
            "content": "sub done",
            "messageId": "s2",
            "done": True,
            "parentToolCallId": "task_1",
        },
    ),
    (
        "tool_execution_complete",
        {
            "type": "tool_execution_complete",
            "toolName": "Task",
            "progress": "Completed Task tool in 3.0s",
            "success": True,
            "toolCallId": "task_1",
        },
    ),
    ("content", {"type": "content", "content": "All done.", "assistantMessageId": "a2"}),
    ("complete", {"type": "complete", "content": "All done.", "messageId": "a2", "done": True}),
]


def go_retry(name: str, data: dict[str, Any]) -> int:
    """The `retry:` value Go writes for each frame (mix-contract.md §4.2)."""
    if name == "heartbeat":
        return 45000
    if name in ("error", "rate_limit_error"):
        return int(data.get("retryAfter") or 750)
    return 30000


def encode(
    frames: Frames, *, first_id: int | None = 1, go_retries: bool = False, eol: str = "\n"
) -> list[bytes]:
    """One bytes object per frame. `first_id=None` writes no `id:` lines ([go-aug])."""
    out = []
    for index, (name, data) in enumerate(frames):
        event_id = None if first_id is None else first_id + index
        retry = go_retry(name, data) if go_retries else None
        out.append(frame(name, data, id=event_id, retry=retry, eol=eol))
    return out


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))
