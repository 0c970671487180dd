"""OpenAI-compatible provider against a real local HTTP server speaking chat.completions SSE."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

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
from mix_tui.server.providers.openai_compat import OPENAI, OpenAICompatProvider
from mix_tui.server.providers.openai_stream import ThinkTagSplitter
from mix_tui.server.providers.registry import make_provider

from .wire_server import Reply, WireServer, closed_port, sse

KEY = "sk-test-0123456789abcdefghijklmnop"
READ_FILE = ToolSpec(
    "read_file",
    "Read a file",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> bytes:
    choices = (
        []
        if delta is None and finish is None
        else [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    )
    return sse(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": choices,
            **extra,
        }
    )


def usage(prompt: int, completion: int, **extra: Any) -> bytes:
    return chunk(
        usage={
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            **extra,
        }
    )


DONE = b"data: [DONE]\n\n"


def options(messages: list[ChatMessage] | None = None, **kw: Any) -> CallOptions:
    return CallOptions(
        model=kw.pop("model", "gpt-5"),
        system="You are terse.",
        messages=messages or [ChatMessage(role="user", content="hi")],
        tools=kw.pop("tools", []),
        **kw,
    )


async def collect(provider: Any, opts: CallOptions) -> list[ProviderEvent]:
    return [event async for event in provider.stream(opts)]


def openai_at(server: WireServer, key: str | None = KEY) -> OpenAICompatProvider:
    return OpenAICompatProvider("openai", api_key=key, base_url=server.url + "/v1", dialect=OPENAI)


async def test_text_reasoning_usage_and_request_shape() -> None:
    replies = Reply(
        chunks=[
            chunk({"role": "assistant", "content": ""}),
            chunk({"reasoning_content": "Let me "}),
            chunk({"reasoning_content": "think."}),
            chunk({"content": "Hello"}),
            chunk({"content": " world"}),
            chunk({}, finish="stop"),
            usage(120, 30, prompt_tokens_details={"cached_tokens": 100}),
            DONE,
        ]
    )
    async with WireServer(replies) as server:
        events = await collect(openai_at(server), options(max_tokens=1000))
    assert events == [
        ThinkingDelta("Let me "),
        ThinkingDelta("think."),
        TextDelta("Hello"),
        TextDelta(" world"),
        UsageReport(input_tokens=20, output_tokens=30, cache_read_tokens=100),
        Finish("end_turn"),
    ]
    (seen,) = server.requests
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.body["model"] == "gpt-5"
    assert seen.body["stream"] is True
    assert seen.body["stream_options"] == {"include_usage": True}
    assert seen.body["max_completion_tokens"] == 1000 and "max_tokens" not in seen.body
    assert seen.body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "hi"},
    ]
    assert "tools" not in seen.body


async def test_tool_calls_split_and_parallel_and_conversation_shape() -> None:
    replies = Reply(
        chunks=[
            chunk({"content": "Reading both."}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "read_file", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"pa'}}]}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "read_file", "arguments": '{"path":'},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'th": "a.txt"}'}}]}),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": ' "b.txt"}'}}]}),
            chunk({}, finish="tool_calls"),
            usage(50, 20),
            DONE,
        ]
    )
    history = [
        ChatMessage(role="user", content="read x"),
        ChatMessage(
            role="assistant", content="", tool_calls=[ToolCallRequest("call_0", "read_file", '{"path": "x"}')]
        ),
        ChatMessage(
            role="tool", tool_results=[ToolResult("call_0", "read_file", "no such file", is_error=True)]
        ),
        ChatMessage(role="assistant", content="It is missing."),
        ChatMessage(role="user", content="read a and b"),
    ]
    async with WireServer(replies) as server:
        events = await collect(openai_at(server), options(history, tools=[READ_FILE]))
    assert events == [
        TextDelta("Reading both."),
        ToolCallStart("call_a", "read_file"),
        ToolCallDelta("call_a", '{"pa'),
        ToolCallStart("call_b", "read_file"),
        ToolCallDelta("call_b", '{"path":'),
        ToolCallDelta("call_a", 'th": "a.txt"}'),
        ToolCallDelta("call_b", ' "b.txt"}'),
        ToolCallEnd("call_a", "read_file", '{"path": "a.txt"}'),
        ToolCallEnd("call_b", "read_file", '{"path": "b.txt"}'),
        UsageReport(input_tokens=50, output_tokens=20),
        Finish("tool_use"),
    ]
    body = server.requests[0].body
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Read a file",
                "parameters": READ_FILE.input_schema,
            },
        }
    ]
    assert body["messages"][1:] == [
        {"role": "user", "content": "read x"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path": "x"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_0", "content": "Error: no such file"},
        {"role": "assistant", "content": "It is missing."},
        {"role": "user", "content": "read a and b"},
    ]


async def test_interrupted_tool_call_gets_a_synthetic_result() -> None:
    history = [
        ChatMessage(role="user", content="go"),
        ChatMessage(
            role="assistant",
            tool_calls=[ToolCallRequest("c1", "bash", "{}"), ToolCallRequest("c2", "bash", "{}")],
        ),
        ChatMessage(
            role="tool", tool_results=[ToolResult("c2", "bash", "ok"), ToolResult("zz", "bash", "orphan")]
        ),
        ChatMessage(role="user", content="again"),
    ]
    async with WireServer(Reply(chunks=[chunk({"content": "ok"}, finish="stop"), DONE])) as server:
        await collect(openai_at(server), options(history))
    tool_msgs = [m for m in server.requests[0].body["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["c1", "c2"]
    assert tool_msgs[0]["content"].startswith("Error: The tool call was interrupted")
    assert tool_msgs[1]["content"] == "ok"


async def test_openrouter_reasoning_cost_and_request_extras() -> None:
    replies = Reply(
        chunks=[
            chunk({"reasoning": "Considering."}),
            chunk({"content": "Done."}, finish="stop"),
            usage(
                1000,
                200,
                cost=0.0123,
                prompt_tokens_details={"cached_tokens": 400, "cache_write_tokens": 100},
            ),
            DONE,
        ]
    )
    async with WireServer(replies) as server:
        provider = make_provider(
            "openrouter", api_key="sk-or-v1-abcdefabcdefabcdef", base_url=server.url + "/api/v1"
        )
        events = await collect(provider, options(model="anthropic/claude-sonnet-4.5", thinking_budget=2048))
    assert events == [
        ThinkingDelta("Considering."),
        TextDelta("Done."),
        UsageReport(
            input_tokens=500, output_tokens=200, cache_creation_tokens=100, cache_read_tokens=400, cost=0.0123
        ),
        Finish("end_turn"),
    ]
    seen = server.requests[0]
    assert seen.path == "/api/v1/chat/completions"
    assert seen.headers["x-title"] == "mix-tui"
    assert seen.body["reasoning"] == {"max_tokens": 2048}
    assert seen.body["usage"] == {"include": True}
    assert seen.body["max_tokens"] == 8192


async def test_gemini_thought_tags_and_parallel_calls_sharing_index_zero() -> None:
    replies = Reply(
        chunks=[
            chunk({"content": "<thou"}),
            chunk({"content": "ght>Plan: read it.</th"}),
            chunk({"content": "ought>Sure."}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "g1",
                            "type": "function",
                            "function": {"name": "read_file", "arguments": '{"path":"a"}'},
                        }
                    ]
                }
            ),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "g2",
                            "type": "function",
                            "function": {"name": "read_file", "arguments": '{"path":"b"}'},
                        }
                    ]
                }
            ),
            chunk({}, finish="tool_calls"),
            usage(10, 5),
            DONE,
        ]
    )
    async with WireServer(replies) as server:
        provider = make_provider(
            "gemini", api_key="AIzaSyTestTestTestTestTestTestTest123", base_url=server.url + "/v1beta/openai/"
        )
        events = await collect(
            provider, options(model="gemini-2.5-flash", thinking_budget=1024, tools=[READ_FILE])
        )
    assert [e for e in events if isinstance(e, (ThinkingDelta, TextDelta))] == [
        ThinkingDelta("Plan: read it."),
        TextDelta("Sure."),
    ]
    ends = [e for e in events if isinstance(e, ToolCallEnd)]
    assert ends == [
        ToolCallEnd("g1", "read_file", '{"path":"a"}'),
        ToolCallEnd("g2", "read_file", '{"path":"b"}'),
    ]
    assert events[-1] == Finish("tool_use")
    body = server.requests[0].body
    assert server.requests[0].path == "/v1beta/openai/chat/completions"
    assert body["extra_body"]["google"]["thinking_config"] == {
        "thinking_budget": 1024,
        "include_thoughts": True,
    }


async def test_local_server_without_key_think_tags_and_stop_after_tool_calls() -> None:
    replies = Reply(
        chunks=[
            chunk({"content": "<think>\nhmm\n</think>\n\nAnswer"}),
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "call_x", "function": {"name": "read_file", "arguments": "{}"}}
                    ]
                }
            ),
            chunk({}, finish="stop"),  # Ollama reports "stop" even after tool calls
            DONE,  # and no usage chunk at all
        ]
    )
    async with WireServer(replies) as server:
        provider = make_provider("local", api_key=None, base_url=server.url + "/v1")
        events = await collect(provider, options(model="qwen3:8b", thinking_budget=4096))
    assert events == [
        ThinkingDelta("\nhmm\n"),
        TextDelta("Answer"),
        ToolCallStart("call_x", "read_file"),
        ToolCallDelta("call_x", "{}"),
        ToolCallEnd("call_x", "read_file", "{}"),
        UsageReport(),
        Finish("tool_use"),
    ]
    body = server.requests[0].body
    assert body["max_tokens"] == 8192 and "reasoning_effort" not in body


async def test_openai_reasoning_effort_only_for_reasoning_models() -> None:
    provider = OpenAICompatProvider("openai", api_key=KEY)
    assert (
        provider.build_request(options(model="gpt-5-mini", thinking_budget=20000))["reasoning_effort"]
        == "high"
    )
    assert "reasoning_effort" not in provider.build_request(options(model="gpt-4o", thinking_budget=20000))
    assert "reasoning_effort" not in provider.build_request(options(model="o4-mini"))


async def test_401_is_an_auth_error_without_the_key() -> None:
    body = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    async with WireServer(Reply.json(401, body)) as server:
        with pytest.raises(ProviderError) as info:
            await collect(openai_at(server), options())
    assert info.value.kind == "auth" and info.value.status == 401
    assert KEY not in str(info.value) and "Incorrect API key" in str(info.value)


@pytest.mark.parametrize(
    ("headers", "expected"), [({"retry-after": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5)]
)
async def test_429_is_a_rate_limit_with_retry_after(headers: dict[str, str], expected: float) -> None:
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    async with WireServer(Reply.json(429, body, headers)) as server:
        with pytest.raises(ProviderError) as info:
            await collect(openai_at(server), options())
    assert len(server.requests) == 1  # no silent SDK retries
    assert (info.value.kind, info.value.status, info.value.retry_after) == ("rate_limit", 429, expected)


async def test_error_inside_the_stream() -> None:
    replies = Reply(
        chunks=[
            chunk({"content": "par"}),
            sse({"error": {"message": "upstream overloaded", "code": 502}}),
            DONE,
        ]
    )
    async with WireServer(replies) as server:
        provider = make_provider("openrouter", api_key="sk-or-v1-abcdefabcdefabcdef", base_url=server.url)
        seen: list[ProviderEvent] = []
        with pytest.raises(ProviderError) as info:
            async for event in provider.stream(options()):
                seen.append(event)
    assert seen == [TextDelta("par")]
    assert info.value.kind == "unavailable" and "upstream overloaded" in info.value.message


async def test_connection_refused_is_unavailable() -> None:
    provider = make_provider("local", api_key=None, base_url=f"http://127.0.0.1:{closed_port()}/v1")
    with pytest.raises(ProviderError) as info:
        await collect(provider, options())
    assert info.value.kind == "unavailable"


async def test_missing_key_fails_before_any_request() -> None:
    with pytest.raises(ProviderError) as info:
        await collect(OpenAICompatProvider("openai", api_key=None), options())
    assert info.value.kind == "auth"


async def test_cancelling_the_consumer_closes_the_http_stream() -> None:
    reply = Reply(chunks=[chunk({"content": "first"})], hold_open=True)
    async with WireServer(reply) as server:
        got_first = asyncio.Event()

        async def consume() -> None:
            async for _ in openai_at(server).stream(options()):
                got_first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(got_first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.client_gone.wait(), 5)


def test_think_tag_splitter_survives_any_chunking() -> None:
    text = "  <think>a < b, not </thin k> yet</think>\nThe answer</think>"
    for cut in range(len(text) + 1):
        for cut2 in range(cut, len(text) + 1):
            splitter = ThinkTagSplitter()
            parts = [
                *splitter.feed(text[:cut]),
                *splitter.feed(text[cut:cut2]),
                *splitter.feed(text[cut2:]),
                *splitter.finish(),
            ]
            thinking = "".join(t for k, t in parts if k == "thinking")
            answer = "".join(t for k, t in parts if k == "text")
            assert (thinking, answer) == ("a < b, not </thin k> yet", "The answer</think>"), (cut, cut2)


def test_think_tag_splitter_leaves_ordinary_text_alone() -> None:
    splitter = ThinkTagSplitter()
    parts = [*splitter.feed("<"), *splitter.feed("b>bold</b> <think>x</think>"), *splitter.finish()]
    assert "".join(t for _, t in parts) == "<b>bold</b> <think>x</think>"
    assert all(k == "text" for k, _ in parts)


async def test_stopping_early_closes_the_http_stream() -> None:
    reply = Reply(chunks=[chunk({"content": "first"})], hold_open=True)
    async with WireServer(reply) as server:
        stream = openai_at(server).stream(options())
        assert await anext(stream) == TextDelta("first")
        await stream.aclose()  # type: ignore[attr-defined]
        await asyncio.wait_for(server.client_gone.wait(), 5)
