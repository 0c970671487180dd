"""OpenAI chat.completions streaming, for OpenAI, OpenRouter, Google Gemini's OpenAI-compatible
endpoint and local OpenAI-compatible servers (Ollama, vLLM, llama.cpp), through the `openai` SDK.

Usage is normalised to the Anthropic convention used across providers: `input_tokens` excludes cached
prompt tokens (OpenAI's `prompt_tokens` includes them).
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI

from .base import (
    Attachment,
    CallOptions,
    ChatMessage,
    Finish,
    ProviderError,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    UsageReport,
    pair_tool_results,
)
from .http_errors import is_transport_error, make_error, unavailable
from .openai_stream import ThinkTagSplitter, ToolCallAssembler


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between servers that all speak chat.completions."""

    name: str
    base_url: str
    max_tokens_param: str  # OpenAI's newer models reject "max_tokens"; most others only know it
    think_tags: bool  # thoughts arrive inside the text as <think>/<thought> blocks


OPENAI = Dialect("openai", "https://api.openai.com/v1", "max_completion_tokens", False)
OPENROUTER = Dialect("openrouter", "https://openrouter.ai/api/v1", "max_tokens", False)
GEMINI = Dialect("gemini", "https://generativelanguage.googleapis.com/v1beta/openai/", "max_tokens", True)
LOCAL = Dialect("local", "http://127.0.0.1:11434/v1", "max_tokens", True)  # default: Ollama
DIALECTS = {d.name: d for d in (OPENAI, OPENROUTER, GEMINI, LOCAL)}

_FINISH = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use", "length": "max_tokens"}
_OPENAI_REASONING = re.compile(r"^(o\d|gpt-5)")
_GEMINI_VERSION = re.compile(r"gemini-(\d+)(?:\.(\d+))?")


def effort_for_budget(budget: int) -> str:
    return "low" if budget <= 4096 else "medium" if budget <= 16384 else "high"


def reasoning_params(
    dialect: Dialect, model: str, budget: int, effort: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(request kwargs, extra body) asking for reasoning in this server's dialect; empty when off.

    `effort` is the user's saved reasoning effort: effort-based APIs get it as is, budget-based
    ones get the budget it was turned into."""
    if budget <= 0:
        return {}, {}
    if dialect is OPENAI:
        # only reasoning models accept reasoning_effort; OpenAI never streams their thoughts
        if _OPENAI_REASONING.match(model.rsplit("/", 1)[-1]):
            return {"reasoning_effort": effort or effort_for_budget(budget)}, {}
        return {}, {}
    if dialect is OPENROUTER:
        # OpenRouter takes one or the other, and maps it onto each upstream model's own knob
        return {}, {"reasoning": {"effort": effort} if effort else {"max_tokens": budget}}
    if dialect is GEMINI:
        m = _GEMINI_VERSION.search(model)
        if m and (int(m.group(1)), int(m.group(2) or 0)) >= (2, 5):
            # Google's documented nesting: extra_body.google inside the request's extra_body
            config = {"thinking_config": {"thinking_budget": budget, "include_thoughts": True}}
            return {}, {"extra_body": {"google": config}}
    return {}, {}


def to_openai_messages(options: CallOptions) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if options.system:
        out.append({"role": "system", "content": options.system})
    for msg in pair_tool_results(options.messages):
        out.extend(_convert(msg))
    return out


def _attachment_part(attachment: Attachment) -> dict[str, Any]:
    data_url = f"data:{attachment.media_type};base64,{base64.b64encode(attachment.data).decode()}"
    if attachment.is_image:
        return {"type": "image_url", "image_url": {"url": data_url}}
    # chat.completions' file part (PDF input), as OpenAI documents it
    return {"type": "file", "file": {"filename": attachment.name or "document.pdf", "file_data": data_url}}


def _convert(msg: ChatMessage) -> list[dict[str, Any]]:
    if msg.role == "user":
        if not msg.attachments:
            return [{"role": "user", "content": msg.content}]
        parts = [_attachment_part(a) for a in msg.attachments]
        return [{"role": "user", "content": [*parts, {"type": "text", "text": msg.content}]}]
    if msg.role == "tool":
        return [
            {
                "role": "tool",
                "tool_call_id": r.tool_call_id,
                # chat.completions has no error flag: say it in the text
                "content": f"Error: {r.content}"
                if r.is_error and not r.content.startswith("Error")
                else r.content,
            }
            for r in msg.tool_results
        ]
    entry: dict[str, Any] = {"role": "assistant", "content": msg.content or (None if msg.tool_calls else "")}
    if msg.tool_calls:
        entry["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments or "{}"}}
            for c in msg.tool_calls
        ]
    return [entry]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def usage_report(usage: Any) -> UsageReport:
    """UsageReport from a chat.completions `usage` object (OpenAI, OpenRouter, DeepSeek shapes)."""
    prompt = _int(getattr(usage, "prompt_tokens", 0))
    completion = _int(getattr(usage, "completion_tokens", 0))
    details = getattr(usage, "prompt_tokens_details", None)
    cached = _int(getattr(details, "cached_tokens", 0)) or _int(getattr(usage, "prompt_cache_hit_tokens", 0))
    written = _int(getattr(details, "cache_write_tokens", 0))
    cost = getattr(usage, "cost", None)
    return UsageReport(
        input_tokens=max(0, prompt - cached - written),
        output_tokens=completion,
        cache_creation_tokens=written,
        cache_read_tokens=cached,
        cost=float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None,
    )


class OpenAICompatProvider:
    """A Provider over chat.completions. `name` is the Mix provider name it serves."""

    def __init__(
        self,
        name: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        dialect: Dialect | None = None,
        timeout: float = 600.0,
        max_retries: int = 0,
    ) -> None:
        self.name = name
        if dialect is None:
            dialect = DIALECTS.get(name, LOCAL)
            if dialect is OPENAI and base_url and "api.openai.com" not in base_url:
                dialect = LOCAL  # "openai" pointed at some other server
        self.dialect = dialect
        self.base_url = base_url or dialect.base_url
        self._api_key = api_key
        headers = {"X-Title": "mix-tui"} if dialect is OPENROUTER else None
        # Retries are the agent's job (it reports rate limits to the user); the SDK must not hide them.
        # Local servers need no key, but the SDK insists on one: never let it fall back to OPENAI_API_KEY.
        self._client = AsyncOpenAI(
            api_key=api_key or "no-key",
            base_url=self.base_url,
            timeout=openai.Timeout(timeout, connect=15.0),
            max_retries=max_retries,
            default_headers=headers,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def build_request(self, options: CallOptions) -> dict[str, Any]:
        """The keyword arguments for chat.completions.create (exposed for tests and debugging)."""
        kwargs, extra_body = reasoning_params(
            self.dialect, options.model, options.thinking_budget, options.reasoning_effort
        )
        request: dict[str, Any] = {
            "model": options.model,
            "messages": to_openai_messages(options),
            "stream": True,
            "stream_options": {"include_usage": True},
            self.dialect.max_tokens_param: options.max_tokens,
            **kwargs,
        }
        if options.tools:
            request["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
                }
                for t in options.tools
            ]
        if self.dialect is OPENROUTER:
            extra_body["usage"] = {"include": True}  # ask OpenRouter to report the cost
        if extra_body:
            request["extra_body"] = extra_body
        return request

    def _error(self, exc: BaseException) -> ProviderError:
        if isinstance(exc, openai.APIStatusError):
            return make_error(
                self.name,
                status=exc.status_code,
                body=exc.body,
                fallback=exc.message,
                headers=exc.response.headers,
                secret=self._api_key,
            )
        if isinstance(exc, openai.APIConnectionError) or is_transport_error(exc):
            return unavailable(self.name, exc, self.base_url)
        if isinstance(exc, openai.APIError):  # an error object inside the stream
            return make_error(
                self.name, status=None, body=exc.body, fallback=exc.message, secret=self._api_key
            )
        return make_error(
            self.name, status=None, fallback=f"{type(exc).__name__}: {exc}", secret=self._api_key
        )

    async def stream(self, options: CallOptions) -> AsyncIterator[ProviderEvent]:
        if not self._api_key and self.dialect is not LOCAL:
            raise ProviderError(f"{self.name}: no API key configured", kind="auth")
        try:
            response = await self._client.chat.completions.create(**self.build_request(options))
        except (openai.OpenAIError, OSError) as exc:
            raise self._error(exc) from None
        tools = ToolCallAssembler()
        tags = ThinkTagSplitter() if self.dialect.think_tags else None
        usage = UsageReport()
        finish: str | None = None
        try:
            async for chunk in response:
                if getattr(chunk, "usage", None) is not None:
                    usage = usage_report(chunk.usage)
                for choice in chunk.choices or []:
                    if choice.index not in (0, None):
                        continue  # we never ask for n > 1
                    for event in self._delta_events(choice.delta, tools, tags):
                        yield event
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except ProviderError:
            raise
        except Exception as exc:
            if isinstance(exc, openai.OpenAIError) or is_transport_error(exc):
                raise self._error(exc) from None
            raise
        finally:
            # also runs when the consumer is cancelled or stops early: drop the HTTP stream now
            await response.close()
        for kind, text in tags.finish() if tags else []:
            yield ThinkingDelta(text) if kind == "thinking" else TextDelta(text)
        for event in tools.finish():
            yield event
        yield usage
        if finish == "error":
            raise ProviderError(f"{self.name}: the model stream ended with an error", kind="unavailable")
        reason = _FINISH.get(finish or "", "unknown")  # content_filter, or no finish_reason at all
        if tools and reason == "end_turn":
            reason = "tool_use"  # Ollama and others say "stop" after tool calls
        yield Finish(reason)  # type: ignore[arg-type]

    @staticmethod
    def _delta_events(
        delta: Any, tools: ToolCallAssembler, tags: ThinkTagSplitter | None
    ) -> list[ProviderEvent]:
        if delta is None:
            return []
        events: list[ProviderEvent] = []
        # DeepSeek and vLLM: reasoning_content; OpenRouter (and newer vLLM/Ollama): reasoning
        reasoning = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
        if isinstance(reasoning, str) and reasoning:
            events.append(ThinkingDelta(reasoning))
        content = delta.content
        if isinstance(content, str) and content:
            if tags is None:
                events.append(TextDelta(content))
            else:
                events.extend(
                    ThinkingDelta(t) if k == "thinking" else TextDelta(t) for k, t in tags.feed(content)
                )
        for fragment in delta.tool_calls or []:
            events.extend(tools.feed(fragment))
        return events
