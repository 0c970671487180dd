"""`PATCH /api/sessions/{id}/model` (extension): one session's next turns go to another provider and
model; `null` hands the session back to the preferences. And the model facts the picker shows."""

from __future__ import annotations

import pytest

from tests.server.conftest import Harness, ServerFactory
from tests.server.providers.wire_server import WireServer
from tests.server.test_server_http import envelope
from tests.server.test_server_models import OPENAI_KEY, _answer, openai_reply


async def test_a_session_switched_to_another_model_answers_from_it(mix: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async with WireServer(openai_reply("from gpt-4.1")) as upstream:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{upstream.url}/v1")
        await mix.client.post("/api/auth/api-key", json={"provider": "openai", "api_key": OPENAI_KEY})
        await mix.client.post("/api/preferences", json={"preferred_provider": "demo", "main_agent_model": "demo"})
        sid = await mix.create_session()
        other = await mix.create_session("another")
        assert "demo" in (await _answer(mix, sid)).lower()
        patched = await mix.client.patch(f"/api/sessions/{sid}/model", json={"provider": "openai", "modelId": "gpt-4.1"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["provider"] == "openai" and patched.json()["modelId"] == "gpt-4.1"
        assert await _answer(mix, sid) == "from gpt-4.1"
        assert "demo" in (await _answer(mix, other)).lower()  # only that session moved
        cleared = await mix.client.patch(f"/api/sessions/{sid}/model", json={"provider": None, "modelId": None})
        assert cleared.status_code == 200 and "provider" not in cleared.json()
        assert "demo" in (await _answer(mix, sid)).lower()  # back to the preferences
    assert [r.body["model"] for r in upstream.requests] == ["gpt-4.1"]
    stored = await mix.messages(sid)
    assert [m.get("model") for m in stored if m["role"] == "assistant"][1] == "gpt-4.1"


async def test_bad_bodies_are_400_and_unknown_sessions_404(mix: Harness) -> None:
    sid = await mix.create_session()
    url = f"/api/sessions/{sid}/model"
    envelope(await mix.client.patch(url, json={}), 400, "validation_error")
    envelope(await mix.client.patch(url, json={"provider": "nope"}), 400, "validation_error")
    envelope(await mix.client.patch(url, json={"provider": 3}), 400, "validation_error")
    envelope(await mix.client.patch(url, json={"modelId": ["x"]}), 400, "validation_error")
    envelope(await mix.client.patch(url, json={"modelId": "m" * 500}), 400, "validation_error")
    envelope(await mix.client.patch(url, content=b"[1]"), 400)
    envelope(await mix.client.patch("/api/sessions/nope/model", json={"modelId": "gpt-5"}), 404)
    only_model = await mix.client.patch(url, json={"modelId": "openrouter.deepseek-v3.1"})
    assert only_model.status_code == 200 and only_model.json()["modelId"] == "openrouter.deepseek-v3.1"


async def test_the_providers_list_says_context_window_and_price_where_known(mix: Harness) -> None:
    providers = (await mix.client.get("/api/preferences/providers")).json()
    openai = providers["openai"]
    assert openai["models"][0] == "gpt-5.4"  # the spec's shape is unchanged
    details = openai["model_details"]
    assert details["gpt-4.1"] == {"context_window": 1_047_576, "input_price": 2.0, "output_price": 8.0}
    assert providers["anthropic"]["model_details"]["claude-haiku-4-5"]["context_window"] == 200_000
    # the demo has a window (its answers fill a context gauge) and no price: nothing unknown is said
    assert providers["demo"]["model_details"]["demo"] == {"context_window": 128_000}


async def test_serve_model_is_listed_first_for_its_provider(make_server: ServerFactory) -> None:
    """`serve --provider openai --model bench`: a client that shows "the provider's first model" as
    the default (ours does, while no preference is saved) names the model the server will use."""
    mix = await make_server(provider="openai", model="bench")
    providers = (await mix.client.get("/api/preferences/providers")).json()
    assert providers["openai"]["models"][0] == "bench"
    assert providers["openai"]["models"].count("bench") == 1 and "gpt-5.4" in providers["openai"]["models"]
    assert providers["anthropic"]["models"][0] != "bench"  # only its own provider
