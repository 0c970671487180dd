"""What every tool is: a name, a JSON schema, a permission policy and an async run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..providers.base import Attachment


class MediaReadError(Exception):
    """The model could not look at the media (not multimodal, refused the file...); text for the model."""


# (prompt, media) -> the session's model's answer about that media (ReadMedia). Raises MediaReadError.
MediaReader = Callable[[str, list[Attachment]], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class SubagentRequest:
    """A sub-agent to run (the Task tool, sub_agent callbacks): its events reach the calling session's
    stream with parentToolCallId = `tool_call_id`."""

    prompt: str
    tool_call_id: str
    description: str = ""
    subagent_type: str = "general-purpose"


@dataclass(frozen=True, slots=True)
class SubagentResult:
    session_id: str  # the subagent session ("" when none could be created)
    text: str  # its final answer, or what went wrong
    ok: bool


RunSubagent = Callable[[SubagentRequest], Awaitable[SubagentResult]]


@dataclass(frozen=True, slots=True)
class Question:
    title: str
    message: str
    response_type: str  # acknowledge | text | choice
    notification_type: str  # info | warning | error | question
    timeout: int
    choices: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    type: str
    value: str | None = None


# publishes a notification on the turn's stream and waits: the answer, or None (timeout, cancel)
AskUser = Callable[[Question], Awaitable[Answer | None]]


@dataclass(slots=True)
class ToolContext:
    workdir: Path
    session_id: str
    # set by the agent when the turn is cancelled; tools that run long poll or await it
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    # per-session scratch state (TodoWrite keeps its list here)
    state: dict[str, Any] = field(default_factory=dict)
    # the session's files folder (served by the files API): where Show puts what it displays
    files_dir: Path | None = None
    # asks the session's model about images and PDF pages (None: nothing can look at media)
    media_reader: MediaReader | None = None
    # starts a sub-agent session (None: sub-agents are not available here)
    run_subagent: RunSubagent | None = None
    # raises a notification and waits for the user's answer (None: notifications are not available)
    ask_user: AskUser | None = None
    # the call being run: tool execution hands each call its own copy of the context
    tool_call_id: str = ""


@dataclass(slots=True)
class PermissionNeed:
    """What a tool must be allowed to do, as shown in the `permission` SSE event."""

    description: str  # human text, e.g. "Execute command: rm tmp.log"
    action: str  # e.g. "execute", "write", "edit", "read"
    path: str  # the directory or file concerned ("" when none)
    params: dict[str, Any]  # Bash: {command, timeout}; Write/Edit: {file_path, diff}; ...


@dataclass(slots=True)
class ToolOutcome:
    output: str
    is_error: bool = False
    # the tool's response metadata as the Mix SDK documents it per tool (Glob: number_of_files,
    # truncated; Bash: start_time, end_time; ...); stored with the result and sent to clients
    metadata: dict[str, Any] | None = None


class Tool(Protocol):
    name: str
    description: str
    input_schema: dict[str, Any]

    def permission(self, args: dict[str, Any], ctx: ToolContext) -> PermissionNeed | None:
        """None when the call may run without asking (read-only inside the workdir, allowlisted commands)."""
        ...

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        """Do the work. Failures the model should see are returned with is_error=True, not raised."""
        ...
