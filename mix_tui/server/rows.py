"""The rows the store reads and writes (plain dataclasses; views.py turns them into wire models)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


def new_id() -> str:
    return str(uuid.uuid4())


def storable(text: str) -> str:
    """`text` as valid Unicode: a lone surrogate (a provider's split escape, a file name decoded with
    surrogateescape) can be neither stored in SQLite nor sent as JSON; it becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


@dataclass(slots=True)
class SessionRow:
    id: str
    title: str
    session_type: str
    browser_mode: str
    created_at: float
    updated_at: float
    cdp_url: str | None = None
    custom_system_prompt: str | None = None
    prompt_mode: str = "default"
    parent_session_id: str | None = None
    parent_tool_call_id: str | None = None
    subagent_type: str | None = None
    forked: bool = False
    callbacks: list[dict[str, Any]] | None = None
    provider: str | None = None
    model_id: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    user_count: int = 0
    assistant_count: int = 0
    tool_count: int = 0
    first_user: str | None = None
    seq: int = 0  # creation order, the tie-break of the list's order


@dataclass(slots=True)
class ToolCallRow:
    id: str
    name: str
    input: str
    type: str = "tool_use"
    finished: bool = True


@dataclass(slots=True)
class ToolResultRow:
    tool_call_id: str
    name: str
    content: str
    is_error: bool = False
    # how the call ended (ok | failed | denied | timed_out | cancelled), its run time without the wait
    # for a permission answer, and how that prompt was settled (once | session | rule | denied |
    # timed_out; None when no prompt was needed)
    status: str | None = None
    duration_ms: int | None = None
    permission: str | None = None
    metadata: dict[str, Any] | None = None  # the tool's response metadata (ToolOutcome.metadata)


@dataclass(slots=True)
class MessageRow:
    id: str
    session_id: str
    role: str
    content: str = ""
    reasoning: str | None = None
    reasoning_signature: str | None = None
    reasoning_duration: int | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cache_read_tokens: int | None = None
    cost: float | None = None
    finish_reason: str | None = None
    # user messages only: how the turn this prompt started ended (running | complete | error |
    # cancelled | interrupted) and the text of its terminal error event
    turn_status: str | None = None
    turn_error: str | None = None
    # tool-role messages made by session callbacks: CallbackResultData dicts (wire names)
    callback_results: list[dict[str, Any]] | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    tool_calls: list[ToolCallRow] = field(default_factory=list)
    tool_results: list[ToolResultRow] = field(default_factory=list)


# columns stored as JSON text
JSON_MESSAGE_FIELDS = frozenset({"callback_results"})

MESSAGE_FIELDS = (
    "id session_id role content reasoning reasoning_signature reasoning_duration model input_tokens "
    "output_tokens cache_creation_tokens cache_read_tokens cost finish_reason turn_status turn_error "
    "callback_results created_at updated_at"
).split()

PREFERENCE_FIELDS = (
    "preferred_provider main_agent_model main_agent_max_tokens main_agent_reasoning_effort "
    "sub_agent_model sub_agent_max_tokens sub_agent_reasoning_effort"
).split()
