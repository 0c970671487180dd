"""Anthropic provider against a real local HTTP server speaking the Messages SSE format."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mix_tui.server.providers.anthropic import AnthropicProvider, uses_adaptive_thinking
from mix_tui.server.providers.base import (
    CallOptions,
    ChatMessage,
    Finish,
    ProviderError,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallRequest,
    ToolCallStart,
    ToolResult,
    ToolSpec,
    UsageReport,
)
from mix_tui.server.providers.registry import make_provider

from .wire_server import Reply, WireServer, closed_port, sse

KEY = "sk-ant-api03-testtesttesttesttesttest"
BASH = ToolSpec("bash", "Run a command", {"type": "object", "properties": {"command": {"type": "string"}}})
GREP = ToolSpec("grep", "Search files", {"type": "object", "properties": {"pattern": {"type": "string"}}})


def message_start(input_tokens: int = 10, cache_write: int = 0, cache_read: int = 0) -> bytes:
    usage = {
        "input_tokens": input_tokens,
        "output_tokens": 1,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
    }
    message: dict[str, Any] = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage,
    }  # fmt: skip
    return sse({"type": "message_start", "message": message}, "message_start")


def block_start(index: int, block: dict[str, Any]) -> bytes:
    return sse({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")


def delta(index: int, body: dict[str, Any]) -> bytes:
    return sse({"type": "content_block_delta", "index": index, "delta": body}, "content_block_delta")


def block_stop(index: int) -> bytes:
    return sse({"type": "content_block_stop", "index": index}, "content_block_stop")


def message_end(stop_reason: str, output_tokens: int) -> list[bytes]:
    return [
        sse(
            {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None},
             "usage": {"output_tokens": output_tokens}},
            "message_delta",
        ),
        sse({"type": "message_stop"}, "message_stop"),
    ]  # fmt: skip


def text_reply(text: str = "ok", stop: str = "end_turn") -> Reply:
    return Reply(
        chunks=[
            message_start(),
            block_start(0, {"type": "text", "text": ""}),
            delta(0, {"type": "text_delta", "text": text}),
            block_stop(0),
            *message_end(stop, 3),
        ]
    )


def options(messages: list[ChatMessage] | None = None, **kw: Any) -> CallOptions:
    return CallOptions(
        model=kw.pop("model", "claude-haiku-4-5"),
        system=kw.pop("system", "You are terse."),
        messages=messages or [ChatMessage(role="user", content="hi")],
        tools=kw.pop("tools", []),
        **kw,
    )


def provider_at(server: WireServer, key: str | None = KEY) -> AnthropicProvider:
    return AnthropicProvider(api_key=key, base_url=server.url)


async def collect(provider: Any, opts: CallOptions) -> list[ProviderEvent]:
    return [event async for event in provider.stream(opts)]


async def test_thinking_text_parallel_tools_usage_and_request_shape() -> None:
    reply = Reply(
        chunks=[
            message_start(input_tokens=12, cache_write=2000, cache_read=300),
            sse({"type": "ping"}, "ping"),
            block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
            delta(0, {"type": "thinking_delta", "thinking": "Two searches "}),
            delta(0, {"type": "thinking_delta", "thinking": "at once."}),
            delta(0, {"type": "signature_delta", "signature": "SIG=="}),
            block_stop(0),
            block_start(1, {"type": "text", "text": ""}),
            delta(1, {"type": "text_delta", "text": "Looking."}),
            block_stop(1),
            block_start(2, {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {}}),
            delta(2, {"type": "input_json_delta", "partial_json": ""}),
            delta(2, {"type": "input_json_delta", "partial_json": '{"comm'}),
            delta(2, {"type": "input_json_delta", "partial_json": 'and": "ls"}'}),
            block_stop(2),
            block_start(3, {"type": "tool_use", "id": "toolu_2", "name": "grep", "input": {}}),
            delta(3, {"type": "input_json_delta", "partial_json": '{"pattern": "x"}'}),
            block_stop(3),
            *message_end("tool_use", 87),
        ]
    )
    history = [
        ChatMessage(role="user", content="list files"),
        ChatMessage(
            role="assistant", content="Running.", reasoning="I should list.", reasoning_signature="OLDSIG",
            tool_calls=[ToolCallRequest("toolu_0", "bash", '{"command": "ls -a"}')],
        ),
        ChatMessage(role="tool", tool_results=[ToolResult("toolu_0", "bash", "permission denied", is_error=True)]),
        ChatMessage(role="user", content="try again, and grep"),
    ]  # fmt: skip
    async with WireServer(reply) as server:
        events = await collect(
            provider_at(server), options(history, tools=[BASH, GREP], thinking_budget=2048)
        )
    assert events == [
        ThinkingDelta("Two searches "),
        ThinkingDelta("at once."),
        ThinkingDelta("", signature="SIG=="),
        TextDelta("Looking."),
        ToolCallStart("toolu_1", "bash"),
        ToolCallDelta("toolu_1", '{"comm'),
        ToolCallDelta("toolu_1", 'and": "ls"}'),
        ToolCallEnd("toolu_1", "bash", '{"command": "ls"}'),
        ToolCallStart("toolu_2", "grep"),
        ToolCallDelta("toolu_2", '{"pattern": "x"}'),
        ToolCallEnd("toolu_2", "grep", '{"pattern": "x"}'),
        UsageReport(input_tokens=12, output_tokens=87, cache_creation_tokens=2000, cache_read_tokens=300),
        Finish("tool_use"),
    ]
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/messages")
    # SDK 2.x sends the key as a bearer token; 0.x used x-api-key
    assert KEY in (
        seen.headers.get("x-api-key"),
        seen.headers.get("authorization", "").removeprefix("Bearer "),
    )
    assert "anthropic-version" in seen.headers
    body = seen.body
    assert body["model"] == "claude-haiku-4-5" and body["stream"] is True
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == 8192
    assert body["system"] == [
        {"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["tools"] == [
        {"name": "bash", "description": "Run a command", "input_schema": BASH.input_schema},
        {
            "name": "grep",
            "description": "Search files",
            "input_schema": GREP.input_schema,
            "cache_control": {"type": "ephemeral"},
        },
    ]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "list files"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should list.", "signature": "OLDSIG"},
                {"type": "text", "text": "Running."},
                {"type": "tool_use", "id": "toolu_0", "name": "bash", "input": {"command": "ls -a"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_0",
                    "content": "permission denied",
                    "is_error": True,
                },
                {"type": "text", "text": "try again, and grep", "cache_control": {"type": "ephemeral"}},
            ],
        },
    ]


async def test_adaptive_thinking_for_newer_models() -> None:
    async with WireServer(text_reply()) as server:
        await collect(provider_at(server), options(model="claude-opus-4-7", thinking_budget=8000))
    body = server.requests[0].body
    assert body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert body["output_config"] == {"effort": "medium"}
    assert [uses_adaptive_thinking(m) for m in ("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-sonnet-4-6", "claude-sonnet-5", "claude-3-7-sonnet-latest", "claude-mythos-preview")] == [
        False, False, True, True, False, True,
    ]  # fmt: skip


async def test_budget_above_max_tokens_raises_max_tokens() -> None:
    provider = AnthropicProvider(api_key=KEY)
    request = provider.build_request(options(thinking_budget=500, max_tokens=800))
    assert request["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert request["max_tokens"] == 1824
    assert "thinking" not in provider.build_request(options())


async def test_unsigned_tool_loop_goes_without_thinking() -> None:
    history = [
        ChatMessage(role="user", content="go"),
        ChatMessage(role="assistant", reasoning="unsigned", tool_calls=[ToolCallRequest("t1", "bash", "{}")]),
        ChatMessage(role="tool", tool_results=[ToolResult("t1", "bash", "")]),
    ]
    request = AnthropicProvider(api_key=KEY).build_request(options(history, thinking_budget=4000))
    assert "thinking" not in request
    assistant = request["messages"][1]["content"]
    assert [b["type"] for b in assistant] == ["tool_use"]  # unsigned thinking is never sent back
    assert request["messages"][2]["content"][0]["content"] == "(no output)"


@pytest.mark.parametrize(
    ("stop", "finish"), [("end_turn", "end_turn"), ("max_tokens", "max_tokens"), ("refusal", "unknown")]
)
async def test_stop_reasons(stop: str, finish: str) -> None:
    async with WireServer(text_reply("hello", stop)) as server:
        events = await collect(make_provider("anthropic", api_key=KEY, base_url=server.url), options())
    assert events[0] == TextDelta("hello")
    assert events[-1] == Finish(finish)  # type: ignore[arg-type]


async def test_401_is_an_auth_error_without_the_key() -> None:
    body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    async with WireServer(Reply.json(401, body)) as server:
        with pytest.raises(ProviderError) as info:
            await collect(provider_at(server), options())
    assert (info.value.kind, info.value.status) == ("auth", 401)
    assert KEY not in str(info.value) and "invalid x-api-key" in str(info.value)


async def test_429_is_a_rate_limit_with_retry_after() -> None:
    body = {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of requests exceeded"}}
    async with WireServer(Reply.json(429, body, {"retry-after": "12"})) as server:
        with pytest.raises(ProviderError) as info:
            await collect(provider_at(server), options())
    assert len(server.requests) == 1
    assert (info.value.kind, info.value.status, info.value.retry_after) == ("rate_limit", 429, 12.0)


async def test_overloaded_529_is_unavailable() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    async with WireServer(Reply.json(529, body)) as server:
        with pytest.raises(ProviderError) as info:
            await collect(provider_at(server), options())
    assert (info.value.kind, info.value.status) == ("unavailable", 529)


async def test_error_event_inside_the_stream() -> None:
    reply = Reply(
        chunks=[
            message_start(),
            block_start(0, {"type": "text", "text": ""}),
            delta(0, {"type": "text_delta", "text": "Hal"}),
            sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"),
        ]
    )
    async with WireServer(reply) as server:
        seen: list[ProviderEvent] = []
        with pytest.raises(ProviderError) as info:
            async for event in provider_at(server).stream(options()):
                seen.append(event)
    assert seen == [TextDelta("Hal")]
    assert info.value.kind == "unavailable" and info.value.status is None


async def test_stream_cut_mid_body_is_unavailable() -> None:
    reply = Reply(chunks=[message_start(), block_start(0, {"type": "text", "text": ""})])
    reply.headers["transfer-encoding"] = "chunked"  # promised chunks that never finish
    reply.chunks = [b"%x\r\n%s\r\n" % (len(c), c) for c in reply.chunks]
    async with WireServer(reply) as server:
        with pytest.raises(ProviderError) as info:
            await collect(provider_at(server), options())
    assert info.value.kind == "unavailable"


async def test_connection_refused_and_missing_key() -> None:
    with pytest.raises(ProviderError) as info:
        await collect(AnthropicProvider(api_key=KEY, base_url=f"http://127.0.0.1:{closed_port()}"), options())
    assert info.value.kind == "unavailable"
    with pytest.raises(ProviderError) as info:
        await collect(AnthropicProvider(api_key=None), options())
    assert info.value.kind == "auth"


async def test_cancelling_the_consumer_closes_the_http_stream() -> None:
    reply = Reply(
        chunks=[
            message_start(),
            block_start(0, {"type": "text", "text": ""}),
            delta(0, {"type": "text_delta", "text": "a"}),
        ],
        hold_open=True,
    )
    async with WireServer(reply) as server:
        got_first = asyncio.Event()

        async def consume() -> None:
            async for _ in provider_at(server).stream(options()):
                got_first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(got_first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.client_gone.wait(), 5)
