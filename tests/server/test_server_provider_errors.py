"""Provider failures as a client sees them, against a scripted OpenAI-compatible endpoint on 127.0.0.1.

The chain is real: our server → the `local` provider (openai SDK) → HTTP → this endpoint.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mix_tui.server.launcher import bind_socket
from mix_tui.server.permissions import PermissionRegistry
from mix_tui.server.providers.base import ToolCallRequest
from mix_tui.server.tool_exec import ToolEnv, run_tools, truncate_bytes
from mix_tui.server.tools import ToolContext, all_tools
from tests.server.conftest import ServerFactory
from tests.server.sse import is_terminal


class ScriptedLLM:
    """chat.completions that fails as the model name says: `rate-limited-once`, `bad-key`, else answers."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def completions(self, request: Request) -> Response:
        body = json.loads(await request.body())
        model = body["model"]
        self.calls.append(model)
        if model == "bad-key":
            return JSONResponse({"error": {"message": "Incorrect API key provided", "type": "invalid_api_key"}}, 401)
        if model == "rate-limited-once" and self.calls.count(model) == 1:
            return JSONResponse(
                {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}},
                429,
                headers={"retry-after-ms": "50"},
            )

        words = ("Hello", " there")
        if model == "split-surrogates":  # an emoji's surrogate pair split across two deltas
            words = ("Hi \ud83d", "\ude00!")

        async def chunks() -> AsyncIterator[bytes]:
            base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model}
            first, second = words
            for delta, finish in (({"role": "assistant", "content": first}, None), ({"content": second}, None), ({}, "stop")):
                frame = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                yield f"data: {json.dumps(frame)}\n\n".encode()
            usage = {**base, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}}
            yield f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode()

        return StreamingResponse(chunks(), media_type="text/event-stream")


@pytest.fixture
async def llm() -> AsyncIterator[tuple[str, ScriptedLLM]]:
    scripted = ScriptedLLM()
    app = Starlette(routes=[Route("/v1/chat/completions", scripted.completions, methods=["POST"])])
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1", scripted
    server.should_exit = True
    await task


async def test_rate_limit_is_a_notice_then_a_retry(make_server: ServerFactory, llm: tuple[str, ScriptedLLM]) -> None:
    url, scripted = llm
    mix = await make_server(provider="local", base_url=url, model="rate-limited-once")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    assert (await mix.send(sid, "hi")).status_code == 202
    frames = await stream.turn()
    notices = [f for f in frames if f.event == "error"]
    assert len(notices) == 1 and not is_terminal(notices[0])
    notice = notices[0].data
    assert notice["type"] == "rate_limit_error" and notice["attempt"] == 1 and notice["maxAttempts"] == 3
    assert notice["retryAfter"] == 50
    assert frames[-1].event == "complete" and frames[-1].data["content"] == "Hello there"
    assert scripted.calls == ["rate-limited-once", "rate-limited-once"]
    session = (await mix.client.get(f"/api/sessions/{sid}")).json()
    assert (session["promptTokens"], session["completionTokens"]) == (12, 2)


async def test_auth_failure_ends_the_turn(make_server: ServerFactory, llm: tuple[str, ScriptedLLM]) -> None:
    url, _ = llm
    mix = await make_server(provider="local", base_url=url, model="bad-key")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "hi")
    frames = await stream.turn()
    assert [f.event for f in frames] == ["user_message_created", "error"]
    assert frames[-1].data["type"] == "authentication_error"
    history = await mix.messages(sid)
    assert [m["role"] for m in history] == ["user"]  # no empty assistant message is left behind


async def test_lone_surrogates_from_a_provider_are_replaced_not_fatal(
    make_server: ServerFactory, llm: tuple[str, ScriptedLLM]
) -> None:
    url, _ = llm
    mix = await make_server(provider="local", base_url=url, model="split-surrogates")
    sid = await mix.create_session()
    stream = await mix.connected(sid)
    await mix.send(sid, "hi")
    frames = await stream.turn()
    assert frames[-1].event == "complete"
    assert "".join(f.data["content"] for f in frames if f.event == "content") == "Hi \ufffd\ufffd!"
    assert (await mix.messages(sid))[-1]["assistantResponse"] == "Hi \ufffd\ufffd!"


async def test_unknown_tools_and_bad_input_become_results_the_model_sees(tmp_path: Path) -> None:
    published: list[object] = []
    env = ToolEnv(
        session_id="s",
        tools=all_tools(),
        allowed=frozenset({"Bash", "ReadText"}),
        context=ToolContext(workdir=tmp_path, session_id="s"),
        permissions=PermissionRegistry(1.0),
        publish=lambda event: published.append(event) or len(published),
    )
    calls = [
        ToolCallRequest("1", "Teleport", "{}"),
        ToolCallRequest("2", "ReadText", "{not json"),
        ToolCallRequest("3", "ReadText", '{"nope": 1}'),
        ToolCallRequest("4", "Write", '{"file_path": "x", "content": "y"}'),
    ]
    runs = await run_tools(calls, env)
    assert all(run.is_error for run in runs)
    assert "Unknown tool 'Teleport'" in runs[0].output
    assert "not valid JSON" in runs[1].output
    assert runs[2].output.startswith("Invalid input for ReadText")
    assert "not available" in runs[3].output and not (tmp_path / "x").exists()
    assert len(published) == 8  # a start and a complete for each


def test_event_results_are_cut_at_64_kib_on_a_character_boundary() -> None:
    text = "é" * 40_000  # 80,000 bytes of UTF-8
    cut = truncate_bytes(text)
    assert len(cut.encode()) <= 64 * 1024 and cut.endswith("(truncated)")
    assert truncate_bytes("short") == "short"
