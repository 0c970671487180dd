"""Every REST shape of the Mix contract, once.

Lenient on input: unknown fields are ignored, `null` lists read as empty, and the quirks of real Go
servers (mix-contract.md §2-§4, §8) are accepted. Exact on output: `to_wire()` emits the spec's
names and casing (camelCase for sessions and messages, snake_case for send, auth and preferences).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

T = TypeVar("T")

BROWSER_MODE_DEFAULT = "local-browser-service"
_SYSTEM_REMINDER = re.compile(r"\s*<system-reminder>.*?</system-reminder>\s*$", re.DOTALL)


def _none_to_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_to_empty_dict(value: Any) -> Any:
    return {} if value is None else value


NullableList = Annotated[list[T], BeforeValidator(_none_to_empty_list)]
"""A list that a Go server may send as `null` (a nil slice)."""


def strip_system_reminder(text: str) -> str:
    """Drop the plan-mode `<system-reminder>` suffix Go appends to stored user text."""
    return _SYSTEM_REMINDER.sub("", text)


def reasoning_duration_ms(value: int | None) -> int | None:
    """The spec says ms, Go sends whole seconds. Under a minute a value is read as seconds (a Go
    thinking of 4 s, not 4 ms); from 60 on as ms, since sub-second thinking in ms (our server's
    200-600 ms) is far more common than a Go thinking longer than a minute."""
    if value is None or value < 0:
        return None
    return value * 1000 if 0 < value < 60 else value


class WireModel(BaseModel):
    """snake_case on the wire (send body, auth, preferences, callback results)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_wire_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class CamelModel(WireModel):
    """camelCase on the wire (sessions, messages, SSE payloads, rewind and fork bodies)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, alias_generator=to_camel)


# ---- errors ------------------------------------------------------------------------------------

ErrorType = Literal["bad_request", "not_found", "internal_error", "unauthorized", "validation_error"]


class RESTError(WireModel):
    code: int
    message: str
    type: str = "internal_error"


class ErrorResponse(WireModel):
    error: RESTError


# ---- sessions ----------------------------------------------------------------------------------


class Callback(CamelModel):
    tool_name: str
    type: str
    name: str | None = None
    bash_command: str | None = None
    bash_timeout: int | None = None
    sub_agent_prompt: str | None = None
    sub_agent_type: str | None = None
    message_content: str | None = None
    exclude_from_context: bool | None = None
    include_full_history: bool | None = None


class CallbackResultData(WireModel):
    tool_call_id: str
    tool_name: str
    callback_type: str
    success: bool
    callback_name: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    error: str | None = None
    exit_code: int | None = None
    subagent_id: str | None = None
    subagent_result: str | None = None
    exclude_from_context: bool | None = None


def _first_user_text(value: Any) -> Any:
    """Older Go servers sent the stored parts JSON (`[{"type":"text","data":{"text":...}}]`)."""
    if not isinstance(value, str) or not value.startswith("["):
        return value
    try:
        parts = json.loads(value)
    except ValueError:
        return value
    if not isinstance(parts, list):
        return value
    texts: list[str] = []
    for part in parts:
        if isinstance(part, dict):
            data = part.get("data")
            if isinstance(data, dict) and isinstance(data.get("text"), str):
                texts.append(data["text"])
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
    return "\n".join(texts) if texts else value


class SessionData(CamelModel):
    id: str
    title: str = ""
    session_type: str = "main"
    browser_mode: str = BROWSER_MODE_DEFAULT
    user_message_count: int = 0
    assistant_message_count: int = 0
    tool_call_count: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    created_at: datetime | None = None
    # extension of ours: the last activity (a message stored); spec clients ignore it
    updated_at: datetime | None = None
    first_user_message: Annotated[str | None, BeforeValidator(_first_user_text)] = None
    parent_session_id: str | None = None
    parent_tool_call_id: str | None = None
    subagent_type: str | None = None
    callbacks: list[Callback] | None = None
    cdp_url: str | None = None
    model_id: str | None = None
    provider: str | None = None

    @property
    def last_active(self) -> datetime | None:
        """When the session was last used: `updatedAt` where the server sends it, else its creation."""
        return self.updated_at or self.created_at

    @property
    def message_count(self) -> int:
        return self.user_message_count + self.assistant_message_count


class UpdateSessionRequest(CamelModel):
    """Extension: `PATCH /api/sessions/{id}` renames a session (spec servers have no such route)."""

    title: str


class CreateSessionRequest(CamelModel):
    title: str
    browser_mode: str = BROWSER_MODE_DEFAULT
    cdp_url: str | None = None
    custom_system_prompt: str | None = None
    prompt_mode: str | None = None
    session_type: str | None = None
    subagent_type: str | None = None
    callbacks: list[Callback] | None = None
    model_id: str | None = None
    provider: str | None = None


class UpdateSessionModelRequest(CamelModel):
    """Extension (our server): `PATCH /api/sessions/{id}/model`; null clears (the preferences apply)."""

    provider: str | None = None
    model_id: str | None = None


class UpdateCallbacksRequest(CamelModel):
    callbacks: NullableList[Callback]


class RewindRequest(CamelModel):
    message_id: str
    cleanup_media: bool = True


class ForkRequest(CamelModel):
    """Extension: `messageIndex` is the number of leading messages copied (mix-contract.md §5.6)."""

    message_index: int = Field(ge=0)
    title: str = "Forked Session"


class CancelResponse(CamelModel):
    """Spec `{cancelled}`; Go `{status:"cancelled", sessionId}`. Servers of ours send both."""

    cancelled: bool | None = None
    status: str | None = None
    session_id: str | None = None
    # extension: prompts withdrawn from the send queue by `?queue=true`
    withdrawn: int | None = None

    @property
    def ok(self) -> bool:
        return bool(self.cancelled) or self.status == "cancelled"


# ---- messages ----------------------------------------------------------------------------------


# Extensions our server stores with the messages so a reopened session shows what the live one did
# (spec clients ignore them; other servers leave them out and clients fall back to heuristics).
ToolOutcome = Literal["ok", "failed", "denied", "timed_out", "cancelled"]
"""How a finished tool call ended (`ToolCallData.status`)."""
PermissionOutcome = Literal["once", "session", "rule", "denied", "timed_out"]
"""How a call's permission prompt was settled (`ToolCallData.permission`): allowed once, allowed for
the session (this call and later matching ones), granted by an earlier session rule, denied by the
user, or expired unanswered. Absent when the call needed no prompt."""
TurnStatus = Literal["running", "complete", "error", "cancelled", "interrupted"]
"""How the turn a prompt started ended (`BackendMessage.turnStatus`, on user messages); "interrupted"
is a turn that was running when the server stopped."""
GrantScope = Literal["once", "session", "rule"]
"""`?scope=` on a grant (extension): what the client's answer covers, recorded as the call's
`permission`. Spec servers ignore the parameter."""


class ToolCallData(CamelModel):
    id: str
    name: str = ""
    input: str = ""
    type: str = "tool_use"
    finished: bool = True
    result: str | None = None
    is_error: bool | None = None
    screenshot_urls: list[str] | None = None
    # extensions (see ToolOutcome / PermissionOutcome); plain strings so newer values never fail
    status: str | None = None
    duration_ms: int | None = None  # the tool's run time, the wait for a permission answer excluded
    permission: str | None = None
    # extension: the tool's response metadata as the Mix SDK documents it per tool (Glob
    # number_of_files/truncated, Bash start_time/end_time, Show outputs, ...); Go's export has it too
    metadata: dict[str, Any] | None = None

    @property
    def arguments(self) -> dict[str, Any]:
        """The input parsed; `{}` when it is not (yet) a JSON object."""
        return parse_tool_input(self.input)


def parse_tool_input(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class BackendMessage(CamelModel):
    id: str
    session_id: str = ""
    role: str
    user_input: str = ""
    assistant_response: str | None = None
    tool_calls: list[ToolCallData] | None = None
    callback_results: list[CallbackResultData] | None = None
    reasoning: str | None = None
    reasoning_duration: int | None = None
    # extension: the same in ms, unambiguous (Go's `reasoningDuration` is whole seconds)
    reasoning_duration_ms: int | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cache_read_tokens: int | None = None
    cost: float | None = None
    # extensions on user messages (see TurnStatus): how the turn this prompt started ended
    turn_status: str | None = None
    turn_error: str | None = None
    # extension: when the message was stored and last written (sub-second; a step's answer is written
    # while it streams), so a reopened session can tell how long a turn took
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def text(self) -> str:
        """What to show: user text without the plan-mode reminder, or the assistant's answer."""
        if self.role == "user":
            return strip_system_reminder(self.user_input)
        return self.assistant_response if self.assistant_response is not None else self.user_input

    @property
    def reasoning_ms(self) -> int | None:
        if self.reasoning_duration_ms is not None:
            return max(0, self.reasoning_duration_ms)
        return reasoning_duration_ms(self.reasoning_duration)


class SendMessageRequest(WireModel):
    text: str
    plan_mode: bool | None = None
    thinking_level: Literal["off", "basic", "medium", "maximum"] | None = None
    max_steps: int | None = Field(default=None, ge=1)


class SendMessageAccepted(CamelModel):
    status: str = "processing"
    session_id: str = ""
    # extension: the prompt waits behind a running turn (ours queue it; Go runs it at once) and
    # can be withdrawn with DELETE /api/sessions/{id}/queue/{queueId} until it starts
    queued: bool | None = None
    queue_id: str | None = None
    queue_position: int | None = None


# ---- permissions and notifications -------------------------------------------------------------


class PermissionAnswer(CamelModel):
    """Spec `{granted}` / `{denied}`; Go `{status, id, message}`. Our server sends both."""

    granted: bool | None = None
    denied: bool | None = None
    status: str | None = None
    id: str | None = None
    message: str | None = None


class NotificationResponseRequest(WireModel):
    type: Literal["acknowledge", "text", "choice"]
    value: str | None = None


# ---- export ------------------------------------------------------------------------------------


class ExportToolCall(CamelModel):
    id: str
    name: str = ""
    input: str = ""
    type: str = "tool_use"
    finished: bool = True
    input_json: dict[str, Any] | None = None
    result: str | None = None
    is_error: bool | None = None
    screenshot_urls: list[str] | None = None
    # extensions, as on ToolCallData
    status: str | None = None
    duration_ms: int | None = None
    permission: str | None = None
    metadata: dict[str, Any] | None = None  # as Go's export sends it (see ToolCallData.metadata)


class ExportMessage(CamelModel):
    id: str
    role: str
    content: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    tool_calls: list[ExportToolCall] | None = None
    reasoning: str | None = None
    reasoning_duration: int | None = None
    model: str | None = None
    finish_reason: str | None = None
    # extensions on user messages, as on BackendMessage
    turn_status: str | None = None
    turn_error: str | None = None


class ExportSession(CamelModel):
    id: str
    title: str = ""
    messages: NullableList[ExportMessage] = Field(default_factory=list)
    user_message_count: int | None = None
    assistant_message_count: int | None = None
    tool_call_count: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# ---- search (extension) ------------------------------------------------------------------------


class SearchHit(CamelModel):
    """One stored message that matches, with a snippet; `highlights` are [start, end) offsets of the
    matched words in `snippet`."""

    session_id: str
    session_title: str = ""
    message_id: str
    role: str = "user"
    snippet: str = ""
    highlights: NullableList[tuple[int, int]] = Field(default_factory=list)
    created_at: datetime | None = None


class SearchResults(CamelModel):
    """`GET /api/search?q=` (extension of ours, SQLite FTS5): best matches first."""

    query: str = ""
    results: NullableList[SearchHit] = Field(default_factory=list)
    total: int = 0  # matches in all, `results` holds at most `limit` of them
    took_ms: float | None = None


# ---- files -------------------------------------------------------------------------------------


class FileInfo(CamelModel):
    name: str
    size: int = 0
    modified: int = 0
    is_dir: bool = False
    url: str | None = None  # required by the spec, missing from some Go versions
    is_common: bool | None = None
    original_name: str | None = None


# ---- auth --------------------------------------------------------------------------------------

AuthProvider = Literal["anthropic", "openai", "openrouter", "gemini", "brave"]


class StoreApiKeyRequest(WireModel):
    provider: str
    api_key: str


class StatusMessage(WireModel):
    """`{status, provider?, message}`: api-key store, credential delete, token refresh."""

    status: str = ""
    provider: str | None = None
    message: str = ""


class ProviderAuth(WireModel):
    authenticated: bool = False
    auth_method: str = "none"
    display_name: str = ""


class AuthStatus(WireModel):
    providers: Annotated[dict[str, ProviderAuth], BeforeValidator(_none_to_empty_dict)] = Field(
        default_factory=dict
    )

    @property
    def any_authenticated(self) -> bool:
        return any(p.authenticated for p in self.providers.values())


class AuthValidation(WireModel):
    valid: bool = False
    provider: str = ""
    auth_method: str = "none"
    message: str = ""
    error: str | None = None


class OAuthStart(WireModel):
    auth_url: str
    state: str
    message: str = ""


class OAuthCallbackRequest(WireModel):
    provider: str
    code: str
    state: str


class OAuthCallbackResponse(WireModel):
    status: str = ""
    provider: str = ""
    message: str = ""
    expires_in: int | None = None


class OAuthProviderHealth(WireModel):
    provider: str
    status: str
    expires_at: str | None = None
    expires_in: str | None = None
    last_refresh: str | None = None
    error: str | None = None


class OAuthHealth(WireModel):
    status: str
    providers: Annotated[dict[str, OAuthProviderHealth], BeforeValidator(_none_to_empty_dict)] = Field(
        default_factory=dict
    )
    timestamp: str | None = None


# ---- preferences -------------------------------------------------------------------------------


class UpdatePreferencesRequest(WireModel):
    """Only the fields sent are updated."""

    preferred_provider: str | None = None
    main_agent_model: str | None = None
    main_agent_max_tokens: int | None = None
    main_agent_reasoning_effort: str | None = None
    sub_agent_model: str | None = None
    sub_agent_max_tokens: int | None = None
    sub_agent_reasoning_effort: str | None = None


class UserPreferences(UpdatePreferencesRequest):
    created_at: int | None = None
    updated_at: int | None = None


class ModelDetails(WireModel):
    """Extension (our server): what is known of one model; prices in USD per 1M tokens."""

    context_window: int | None = None
    input_price: float | None = None
    output_price: float | None = None


class ProviderInfo(WireModel):
    display_name: str = ""
    models: NullableList[str] = Field(default_factory=list)
    # extension (our server): model id -> context window and price, where known
    model_details: dict[str, ModelDetails] | None = None

    @field_validator("models", mode="before")
    @classmethod
    def _models_as_list(cls, value: Any) -> Any:
        # the unused ProviderInfo component says "object"; accept a map of id -> anything
        return list(value) if isinstance(value, dict) else value


class PreferencesResponse(WireModel):
    preferences: UserPreferences | None = None
    available_providers: Annotated[dict[str, ProviderInfo], BeforeValidator(_none_to_empty_dict)] = Field(
        default_factory=dict
    )


# ---- system, commands, MCP, tools --------------------------------------------------------------


class HealthServices(WireModel):
    backend: str = ""
    database: str = ""


class Health(WireModel):
    status: str
    timestamp: str | None = None
    version: str | None = None
    environment: str | None = None
    services: HealthServices | None = None


class SystemInfo(CamelModel):
    storage_base_path: str
    working_directory: str | None = None  # extension: where the server's tools act (mix-tui serve)


class CommandInfo(WireModel):
    name: str
    description: str = ""
    usage: str | None = None
    type: str | None = None


class McpTool(WireModel):
    name: str
    description: str = ""


class McpServer(WireModel):
    name: str
    connected: bool = False
    status: str = "disconnected"
    tools: NullableList[McpTool] = Field(default_factory=list)


class LLMTool(WireModel):
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    required: NullableList[str] = Field(default_factory=list)


class LLMToolList(WireModel):
    tools: NullableList[LLMTool] = Field(default_factory=list)


class ToolStatusEntry(WireModel):
    provider: str = ""
    display_name: str = ""
    description: str = ""
    api_key_required: bool = False
    authenticated: bool = False
    api_key_format: str | None = None


class ToolCategory(WireModel):
    display_name: str = ""
    description: str | None = None
    icon: str | None = None
    tools: NullableList[ToolStatusEntry] = Field(default_factory=list)


class ToolsStatus(WireModel):
    categories: Annotated[dict[str, ToolCategory], BeforeValidator(_none_to_empty_dict)] = Field(
        default_factory=dict
    )
