"""Anthropic Messages API streaming through the official `anthropic` SDK.

Prompt caching: the system prompt, the tool list and the newest message carry `cache_control`
breakpoints, so each step of a tool loop re-reads the conversation from the cache.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import anthropic
from anthropic import AsyncAnthropic

from .base import (
    Attachment,
    CallOptions,
    ChatMessage,
    Finish,
    ProviderError,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageReport,
    pair_tool_results,
)
from .http_errors import is_transport_error, make_error, unavailable

DEFAULT_BASE_URL = "https://api.anthropic.com"
MIN_THINKING_BUDGET = 1024  # the API's floor for budget_tokens

_FINISH = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
}
_CACHE = {"type": "ephemeral"}
_VERSION = re.compile(r"claude-(?:[a-z]+-)?(\d+)(?:-(\d{1,2}))?(?!\d)")


def uses_adaptive_thinking(model: str) -> bool:
    """Claude 4.6 and later take thinking {"type": "adaptive"} + an effort; 5.x and Opus 4.7+ reject
    budget_tokens outright. Earlier models only know the budget form."""
    name = model.lower().replace(".", "-")
    if "mythos" in name or "fable" in name:  # adaptive-only from their first release
        return True
    m = _VERSION.search(name)
    if not m:
        return False
    return (int(m.group(1)), int(m.group(2) or 0)) >= (4, 6)


def effort_for_budget(budget: int) -> str:
    return "low" if budget <= 4096 else "medium" if budget <= 16384 else "high"


def _tool_input(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _assistant_blocks(msg: ChatMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    # unsigned thinking cannot be sent back (the API verifies the signature); drop it
    if msg.reasoning and msg.reasoning_signature:
        blocks.append({"type": "thinking", "thinking": msg.reasoning, "signature": msg.reasoning_signature})
    if msg.content.strip():
        blocks.append({"type": "text", "text": msg.content})
    for call in msg.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": _tool_input(call.arguments)}
        )
    return blocks


def _attachment_block(attachment: Attachment) -> dict[str, Any]:
    source = {"type": "base64", "media_type": attachment.media_type, "data": base64.b64encode(attachment.data).decode()}
    return {"type": "image" if attachment.is_image else "document", "source": source}


def to_anthropic_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Anthropic's alternating user/assistant list; tool results are user-turn tool_result blocks."""
    out: list[dict[str, Any]] = []
    for msg in pair_tool_results(messages):
        if msg.role == "assistant":
            role, blocks = "assistant", _assistant_blocks(msg)
        elif msg.role == "tool":
            role = "user"
            blocks = [
                {
                    "type": "tool_result",
                    "tool_use_id": r.tool_call_id,
                    "content": r.content or "(no output)",
                    "is_error": r.is_error,
                }
                for r in msg.tool_results
            ]
        else:
            role = "user"
            blocks = [_attachment_block(a) for a in msg.attachments]
            blocks += [{"type": "text", "text": msg.content}] if msg.content.strip() else []
        if not blocks:
            continue  # the API rejects empty turns
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)  # tool results first, then the user's text
        else:
            out.append({"role": role, "content": blocks})
    return out


def _in_unsigned_tool_loop(messages: list[ChatMessage]) -> bool:
    """True when the call continues a tool loop whose assistant step has no signed thinking.

    With thinking on, the API demands that such a step starts with its thinking block; without the
    signature we cannot send one, so this call goes without thinking instead of failing."""
    for msg in reversed(messages):
        if msg.role == "tool":
            continue
        return msg.role == "assistant" and bool(msg.tool_calls) and not msg.reasoning_signature
    return False


class AnthropicProvider:
    """A Provider over the Anthropic Messages API."""

    name = "anthropic"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        timeout: float = 600.0,
        max_retries: int = 0,
    ) -> None:
        self.base_url = base_url or DEFAULT_BASE_URL
        self._api_key = api_key
        # retries belong to the agent, which tells the user about rate limits
        self._client = AsyncAnthropic(
            # always explicit, so the SDK never reads ANTHROPIC_API_KEY or profiles on its own
            api_key=api_key or "unset",
            base_url=self.base_url,
            timeout=anthropic.Timeout(timeout, connect=15.0),
            max_retries=max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def build_request(self, options: CallOptions) -> dict[str, Any]:
        """The keyword arguments for messages.create (exposed for tests and debugging)."""
        messages = to_anthropic_messages(options.messages)
        if messages and messages[-1]["content"]:
            last = messages[-1]["content"][-1]
            messages[-1]["content"][-1] = {**last, "cache_control": _CACHE}
        request: dict[str, Any] = {
            "model": options.model,
            "max_tokens": options.max_tokens,
            "messages": messages,
            "stream": True,
        }
        if options.system:
            request["system"] = [{"type": "text", "text": options.system, "cache_control": _CACHE}]
        if options.tools:
            tools = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                for t in options.tools
            ]
            tools[-1]["cache_control"] = _CACHE
            request["tools"] = tools
        budget = options.thinking_budget
        if budget > 0 and not _in_unsigned_tool_loop(options.messages):
            if uses_adaptive_thinking(options.model):
                # newer models hide thinking unless asked for a summary
                request["thinking"] = {"type": "adaptive", "display": "summarized"}
                request["output_config"] = {"effort": options.reasoning_effort or effort_for_budget(budget)}
            else:
                budget = max(budget, MIN_THINKING_BUDGET)
                request["thinking"] = {"type": "enabled", "budget_tokens": budget}
                if options.max_tokens <= budget:
                    # the budget counts inside max_tokens: keep the caller's room for the answer
                    request["max_tokens"] = budget + options.max_tokens
        return request

    def _error(self, exc: BaseException) -> ProviderError:
        if isinstance(exc, anthropic.APIStatusError):
            status = exc.status_code if exc.status_code >= 400 else None  # mid-stream errors come on a 200
            return make_error(
                self.name,
                status=status,
                body=exc.body,
                fallback=exc.message,
                headers=exc.response.headers,
                secret=self._api_key,
            )
        if isinstance(exc, anthropic.APIConnectionError) or is_transport_error(exc):
            return unavailable(self.name, exc, self.base_url)
        if isinstance(exc, anthropic.APIError):
            return make_error(
                self.name, status=None, body=exc.body, fallback=exc.message, secret=self._api_key
            )
        return make_error(
            self.name, status=None, fallback=f"{type(exc).__name__}: {exc}", secret=self._api_key
        )

    async def stream(self, options: CallOptions) -> AsyncIterator[ProviderEvent]:
        if not self._api_key:
            raise ProviderError("anthropic: no API key configured", kind="auth")
        try:
            response = await self._client.messages.create(**self.build_request(options))
        except (anthropic.AnthropicError, OSError) as exc:
            raise self._error(exc) from None
        usage = UsageReport()
        tools: dict[int, tuple[str, str, list[str]]] = {}  # block index -> (id, name, json parts)
        stop_reason: str | None = None
        try:
            async for event in response:
                kind = event.type
                if kind == "message_start":
                    _merge_usage(usage, event.message.usage)
                elif kind == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        tools[event.index] = (block.id, block.name, [])
                        yield ToolCallStart(id=block.id, name=block.name)
                    elif block.type == "text" and block.text:
                        yield TextDelta(block.text)
                    elif block.type == "thinking" and block.thinking:
                        yield ThinkingDelta(block.thinking)
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        yield TextDelta(delta.text)
                    elif delta.type == "thinking_delta":
                        yield ThinkingDelta(delta.thinking)
                    elif delta.type == "signature_delta":
                        yield ThinkingDelta("", signature=delta.signature)
                    elif delta.type == "input_json_delta" and event.index in tools and delta.partial_json:
                        call_id, _, parts = tools[event.index]
                        parts.append(delta.partial_json)
                        yield ToolCallDelta(id=call_id, fragment=delta.partial_json)
                elif kind == "content_block_stop" and event.index in tools:
                    call_id, name, parts = tools.pop(event.index)
                    yield ToolCallEnd(id=call_id, name=name, arguments="".join(parts).strip() or "{}")
                elif kind == "message_delta":
                    _merge_usage(usage, event.usage)
                    stop_reason = event.delta.stop_reason or stop_reason
        except ProviderError:
            raise
        except Exception as exc:
            if isinstance(exc, anthropic.AnthropicError) or is_transport_error(exc):
                raise self._error(exc) from None
            raise
        finally:
            # also on cancellation or an early stop by the consumer: drop the HTTP stream now
            await response.close()
        yield usage
        yield Finish(_FINISH.get(stop_reason or "", "unknown"))  # type: ignore[arg-type]


def _merge_usage(usage: UsageReport, raw: Any) -> None:
    """message_start carries the input side, message_delta cumulative totals: keep the largest."""
    if raw is None:
        return
    for ours, theirs in (
        ("input_tokens", "input_tokens"),
        ("output_tokens", "output_tokens"),
        ("cache_creation_tokens", "cache_creation_input_tokens"),
        ("cache_read_tokens", "cache_read_input_tokens"),
    ):
        value = getattr(raw, theirs, None)
        if isinstance(value, int) and value > getattr(usage, ours):
            setattr(usage, ours, value)
