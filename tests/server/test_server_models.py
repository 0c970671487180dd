"""Keys, models and preferences take effect on the next turn, through the real agent loop.

The providers are real (the official openai/anthropic clients) talking to scripted servers on
127.0.0.1 that speak each provider's streaming wire format, reached through OPENAI_BASE_URL /
ANTHROPIC_BASE_URL as the official clients' users would configure them.
"""

from __future__ import annotations

from typing import Any

import pytest

from mix_tui.cli import build_parser
from mix_tui.server.launcher import config_from_args
from tests.server.conftest import Harness, ServerFactory
from tests.server.providers.test_anthropic import text_reply
from tests.server.providers.wire_server import Reply, WireServer, sse

OPENAI_KEY = "sk-test-" + "o" * 30
ANTHROPIC_KEY = "sk-ant-" + "a" * 30


def openai_reply(text: str) -> Reply:
    def chunk(**fields: Any) -> bytes:
        return sse({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", **fields})

    return Reply(
        chunks=[
            chunk(choices=[{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]),
            chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
            chunk(choices=[], usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}),
            b"data: [DONE]\n\n",
        ]
    )


async def _answer(mix: Harness, sid: str, text: str = "hi", **extra: Any) -> str:
    stream = await mix.connected(sid)
    sent = await mix.send(sid, text, **extra)
    assert sent.status_code == 202, sent.text
    frames = await stream.turn()
    await stream.close()
    assert frames[-1].event == "complete", frames[-1]
    return str(frames[-1].data.get("content", ""))


async def test_a_saved_key_answers_the_very_next_turn(mix: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async with WireServer(openai_reply("Hello from the local OpenAI-compatible server")) as upstream:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{upstream.url}/v1")
        sid = await mix.create_session()
        assert "demo" in (await _answer(mix, sid)).lower()
        stored = await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
        assert stored.status_code == 200 and "preferred" in stored.json()["message"]
        assert OPENAI_KEY not in stored.text
        prefs = (await mix.client.get("/api/preferences")).json()["preferences"]
        assert prefs["preferred_provider"] == "openai" and prefs["main_agent_model"] == "gpt-5.4"
        # same session, same server process, no restart
        assert await _answer(mix, sid) == "Hello from the local OpenAI-compatible server"
    seen = upstream.requests[0]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert seen.body["model"] == "gpt-5.4" and seen.body["stream"] is True
    history = await mix.messages(sid)
    assert history[-1]["model"] == "gpt-5.4"


async def test_a_second_key_does_not_steal_the_preference(mix: Harness) -> None:
    await mix.client.post("/api/auth/api-key", json={"provider": "anthropic", "api_key": ANTHROPIC_KEY})
    await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
    await mix.client.post("/api/auth/api-key", json={"provider": "brave", "api_key": "BSA" + "b" * 28})
    prefs = (await mix.client.get("/api/preferences")).json()["preferences"]
    assert prefs["preferred_provider"] == "anthropic"


async def test_an_explicit_provider_is_not_left_when_a_key_is_saved(make_server: ServerFactory) -> None:
    # `serve --provider demo` pins the demo: the SDK quickstart stores a key first, and must still get the demo
    mix = await make_server(provider_pinned=True)
    sid = await mix.create_session()
    stored = await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
    assert stored.status_code == 200 and "preferred" not in stored.json()["message"]
    assert (await mix.client.get("/api/preferences")).json()["preferences"] is None
    assert "demo" in (await _answer(mix, sid)).lower()
    assert (await mix.messages(sid))[-1]["model"] == "demo"


def test_only_the_provider_flag_pins_the_provider() -> None:
    parser = build_parser()
    pinned, _ = config_from_args(parser.parse_args(["serve", "--no-token", "--provider", "demo"]))
    chosen, _ = config_from_args(parser.parse_args(["serve", "--no-token"]))
    assert pinned.provider_pinned and pinned.provider == "demo"
    assert not chosen.provider_pinned


async def test_a_tool_key_alone_keeps_the_demo(mix: Harness) -> None:
    stored = await mix.client.post("/api/auth/api-key", json={"provider": "brave", "api_key": "BSA" + "b" * 28})
    assert stored.status_code == 200
    assert (await mix.client.get("/api/preferences")).json()["preferences"] is None


async def test_preferences_with_mix_style_ids_and_effort_reach_the_provider(
    mix: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with WireServer(text_reply("from claude"), text_reply("from claude 4.6")) as upstream:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", upstream.url)
        await mix.client.post("/api/auth/api-key", json={"provider": "anthropic", "api_key": ANTHROPIC_KEY})
        updated = await mix.client.post(
            "/api/preferences",
            json={
                "preferred_provider": "anthropic",
                "main_agent_model": "anthropic.claude-sonnet-4",
                "main_agent_max_tokens": 2000,
                "main_agent_reasoning_effort": "high",
            },
        )
        assert updated.status_code == 200
        sid = await mix.create_session()
        assert await _answer(mix, sid) == "from claude"
        # a preferences update changes what the next turn uses
        await mix.client.post("/api/preferences", json={"main_agent_model": "claude-sonnet-4.6"})
        assert await _answer(mix, sid, thinking_level="basic") == "from claude 4.6"
    first, second = (r.body for r in upstream.requests)
    assert upstream.requests[0].path == "/v1/messages"
    assert first["model"] == "claude-sonnet-4-0"
    # the saved effort becomes the budget of a budget-based model, inside a raised max_tokens
    assert first["thinking"] == {"type": "enabled", "budget_tokens": 31999}
    assert first["max_tokens"] > 31999
    # the message's own thinking level wins over the saved effort
    assert second["model"] == "claude-sonnet-4-6"
    assert second["output_config"] == {"effort": "low"}


async def test_base_url_flag_wins_over_the_environment(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with WireServer(openai_reply("from the flag")) as flagged, WireServer() as env_target:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{env_target.url}/v1")
        mix = await make_server(provider="openai", base_url=f"{flagged.url}/v1")
        await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
        sid = await mix.create_session()
        assert await _answer(mix, sid) == "from the flag"
    assert env_target.requests == []


async def test_a_session_model_id_names_its_provider(mix: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async with WireServer(openai_reply("gpt 4.1 here")) as upstream:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{upstream.url}/v1")
        await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
        await mix.client.post("/api/preferences", json={"preferred_provider": "demo"})
        sid = await mix.create_session(modelId="openai.gpt-4.1", provider="openai")
        assert await _answer(mix, sid) == "gpt 4.1 here"
    assert upstream.requests[0].body["model"] == "gpt-4.1"
