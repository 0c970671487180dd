"""The provider layer: a raw LLM stream turned into a small set of provider events.

Every provider (openai-compatible, anthropic, demo) implements `Provider.stream`, which yields
`ProviderEvent`s for ONE model call. The agent layer turns these into Mix SSE events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# ---- conversation handed to a provider -------------------------------------------------------


@dataclass(slots=True)
class ToolCallRequest:
    """A tool call the model made: `arguments` is the JSON text of its input."""

    id: str
    name: str
    arguments: str


@dataclass(slots=True)
class ToolResult:
    tool_call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass(slots=True)
class Attachment:
    """Media sent with a user message (ReadMedia): an image or a PDF, as bytes."""

    media_type: str  # image/png, image/jpeg, image/gif, image/webp, application/pdf
    data: bytes
    name: str = ""

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(slots=True)
class ChatMessage:
    """One entry of the conversation. role "tool" carries `tool_results` only."""

    role: Literal["user", "assistant", "tool"]
    content: str = ""
    # user messages only: media the model should look at, before the text
    attachments: list[Attachment] = field(default_factory=list)
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    reasoning: str = ""
    # Anthropic's opaque signature for `reasoning` (from ThinkingDelta.signature). With extended
    # thinking on, Claude needs the signed thinking block echoed back inside a tool loop.
    reasoning_signature: str = ""


@dataclass(slots=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(slots=True)
class CallOptions:
    model: str
    system: str
    messages: list[ChatMessage]
    tools: list[ToolSpec]
    max_tokens: int = 8192
    # thinking budget in tokens (0 = off); providers without reasoning ignore it
    thinking_budget: int = 0
    # the user's saved effort (low|medium|high) for effort-based APIs; None = derive it from the budget
    reasoning_effort: str | None = None


# ---- events a provider yields -----------------------------------------------------------------


@dataclass(slots=True)
class ThinkingDelta:
    text: str
    # set (with text "") when the provider signs the thinking block (Anthropic); store it on
    # ChatMessage.reasoning_signature so the next call in the same tool loop can echo the thinking
    signature: str = ""


@dataclass(slots=True)
class TextDelta:
    text: str


@dataclass(slots=True)
class ToolCallStart:
    id: str
    name: str


@dataclass(slots=True)
class ToolCallDelta:
    id: str
    fragment: str


@dataclass(slots=True)
class ToolCallEnd:
    id: str
    name: str
    arguments: str  # complete JSON text ("{}" when the model gave none)


@dataclass(slots=True)
class UsageReport:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    # USD when the provider reports it (OpenRouter); otherwise the agent prices it from the table
    cost: float | None = None


@dataclass(slots=True)
class Finish:
    reason: Literal["end_turn", "tool_use", "max_tokens", "error", "canceled", "unknown"]


ProviderEvent = ThinkingDelta | TextDelta | ToolCallStart | ToolCallDelta | ToolCallEnd | UsageReport | Finish


class ProviderError(Exception):
    """A provider call failed. `kind` lets the agent decide: auth errors and rate limits read differently."""

    def __init__(
        self,
        message: str,
        *,
        kind: Literal["auth", "rate_limit", "bad_request", "unavailable", "other"] = "other",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class Provider(Protocol):
    """One configured provider (name as in Mix: demo, openai, anthropic, openrouter, gemini)."""

    name: str

    def stream(self, options: CallOptions) -> AsyncIterator[ProviderEvent]:
        """Stream one model call. Raises ProviderError; cancellation stops the underlying HTTP stream."""
        ...


def pair_tool_results(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The conversation with every assistant tool call answered and no orphan results.

    Both OpenAI and Anthropic reject a tool call without a result right after it, or a result
    without its call; an interrupted turn (cancel, crash) leaves exactly that behind. Missing
    results become error results, orphans are dropped. Providers call this before converting.
    """
    out: list[ChatMessage] = []
    pending: list[ToolCallRequest] = []

    def settle(results: list[ToolResult]) -> None:
        answered = {r.tool_call_id: r for r in results}
        fixed = [
            answered.get(call.id)
            or ToolResult(call.id, call.name, "The tool call was interrupted; no result.", is_error=True)
            for call in pending
        ]
        out.append(ChatMessage(role="tool", tool_results=fixed))

    i = 0
    while i < len(messages):
        msg = messages[i]
        if msg.role == "tool":
            i += 1  # an orphan: its call was settled already or never made
            continue
        out.append(msg)
        pending = list(msg.tool_calls) if msg.role == "assistant" else []
        i += 1
        if pending:
            results: list[ToolResult] = []
            while i < len(messages) and messages[i].role == "tool":
                results.extend(messages[i].tool_results)
                i += 1
            settle(results)
    return out
