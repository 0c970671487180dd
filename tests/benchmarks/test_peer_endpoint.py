"""The peers benchmark's local endpoint and ACP agent speak their wire formats (the peers themselves
are never installed or run here): a 3-section answer streamed as OpenAI chat-completion chunks (read
with httpx, with the openai SDK and through mix-tui's own openai provider), as Ollama NDJSON, and
relayed by the ACP agent over stdio."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SECTIONS = 3


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


peer_endpoint = load("peer_endpoint")
ANSWER = peer_endpoint.answer_text(SECTIONS)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Any]:
    with peer_endpoint.Endpoint(SECTIONS) as running:
        yield running


def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def sse_data(response: httpx.Response) -> list[str]:
    return [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]


def test_the_answer_is_the_demo_long_answer_with_an_end_marker() -> None:
    from mix_tui.server.providers.demo_text import long_answer

    assert ANSWER.startswith(long_answer(SECTIONS))
    assert ANSWER.rstrip().endswith(peer_endpoint.end_marker(SECTIONS))
    assert "".join(peer_endpoint.answer_tokens(SECTIONS)) == ANSWER
    assert len(peer_endpoint.answer_tokens(SECTIONS)) > 100  # one small token a chunk


def test_openai_stream_chunks(endpoint: Any) -> None:
    body = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    sent_before = endpoint.seen.answers_sent
    with httpx.stream("POST", f"{endpoint.url}/v1/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        data = sse_data(response)
    until(lambda: endpoint.seen.answers_sent == sent_before + 1)  # noted once the last chunk is out
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "bench" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == ANSWER
    assert not any("usage" in c for c in chunks)  # only when asked for


def test_openai_usage_chunk_when_asked_and_a_whole_completion_without_stream(endpoint: Any) -> None:
    body = {"model": "m", "stream": True, "stream_options": {"include_usage": True}, "messages": []}
    with httpx.stream("POST", f"{endpoint.url}/v1/chat/completions", json=body, timeout=30) as response:
        data = sse_data(response)
    usage = json.loads(data[-2])
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == len(peer_endpoint.answer_tokens(SECTIONS))

    whole = httpx.post(f"{endpoint.url}/v1/chat/completions", json={"model": "m", "messages": []}, timeout=30).json()
    assert whole["object"] == "chat.completion"
    assert whole["choices"][0]["message"] == {"role": "assistant", "content": ANSWER}
    assert [m["id"] for m in httpx.get(f"{endpoint.url}/v1/models").json()["data"]] == ["bench"]


def test_the_openai_sdk_reads_the_stream(endpoint: Any) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{endpoint.url}/v1", api_key="not-a-key", max_retries=0)
    stream = client.chat.completions.create(model="bench", messages=[{"role": "user", "content": "x"}], stream=True)
    pieces, finish = [], None
    for chunk in stream:
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    assert "".join(pieces) == ANSWER and finish == "stop"


async def test_mix_tui_openai_provider_streams_the_answer(endpoint: Any) -> None:
    """The path the benchmark measures mix-tui on: `--provider openai --base-url ENDPOINT/v1`."""
    from mix_tui.server.providers.base import CallOptions, TextDelta
    from mix_tui.server.providers.registry import make_provider

    provider = make_provider("openai", api_key="not-a-key", base_url=f"{endpoint.url}/v1")
    options = CallOptions(model="bench", system="", messages=[], tools=[], max_tokens=1000)
    text = "".join([e.text async for e in provider.stream(options) if isinstance(e, TextDelta)])
    await provider.aclose()
    assert text == ANSWER


def test_ollama_chat_ndjson_and_model_listing(endpoint: Any) -> None:
    body = {"model": "bench:latest", "messages": [{"role": "user", "content": "hi"}]}
    sent_before = endpoint.seen.answers_sent
    with httpx.stream("POST", f"{endpoint.url}/api/chat", json=body, timeout=30) as response:
        assert response.status_code == 200
        lines = [json.loads(line) for line in response.iter_lines() if line]
    until(lambda: endpoint.seen.answers_sent == sent_before + 1)
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert lines[-1]["done_reason"] == "stop" and lines[-1]["eval_count"] == len(lines) - 1
    assert all(line["model"] == "bench:latest" and line["message"]["role"] == "assistant" for line in lines)
    assert "".join(line["message"]["content"] for line in lines) == ANSWER

    whole = httpx.post(f"{endpoint.url}/api/chat", json={**body, "stream": False}, timeout=30).json()
    assert whole["done"] is True and whole["message"]["content"] == ANSWER
    assert [m["name"] for m in httpx.get(f"{endpoint.url}/api/tags").json()["models"]] == ["bench:latest"]
    shown = httpx.post(f"{endpoint.url}/api/show", json={"model": "bench:latest"}).json()
    assert "completion" in shown["capabilities"] and shown["details"]["family"] == "bench"
    assert httpx.get(f"{endpoint.url}/api/ps").json() == {"models": []}


def test_acp_agent_relays_the_stream_as_session_updates(endpoint: Any) -> None:
    agent = subprocess.Popen(
        [sys.executable, str(BENCHMARKS / "peer_acp_agent.py"), endpoint.url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert agent.stdin is not None and agent.stdout is not None

    def request(ident: int, method: str, params: dict[str, Any]) -> None:
        agent.stdin.write(json.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": params}) + "\n")
        agent.stdin.flush()

    def reply_to(ident: int, updates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        for line in agent.stdout:
            message = json.loads(line)
            assert message["jsonrpc"] == "2.0"
            if message.get("id") == ident:
                return message
            assert message["method"] == "session/update" and updates is not None
            updates.append(message["params"])
        raise AssertionError("the agent closed its output")

    try:
        request(1, "initialize", {"protocolVersion": 1, "clientCapabilities": {}})
        assert reply_to(1)["result"]["protocolVersion"] == 1
        request(2, "session/new", {"cwd": str(BENCHMARKS), "mcpServers": []})
        session = reply_to(2)["result"]["sessionId"]
        request(3, "session/prompt", {"sessionId": session, "prompt": [{"type": "text", "text": "hi"}]})
        updates: list[dict[str, Any]] = []
        assert reply_to(3, updates)["result"] == {"stopReason": "end_turn"}
        assert {u["sessionId"] for u in updates} == {session}
        assert {u["update"]["sessionUpdate"] for u in updates} == {"agent_message_chunk"}
        assert "".join(u["update"]["content"]["text"] for u in updates) == ANSWER
        request(4, "session/load", {})
        assert reply_to(4)["error"]["code"] == -32601
    finally:
        agent.stdin.close()
        agent.wait(10)
