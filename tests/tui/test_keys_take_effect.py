"""A key stored through the welcome screen is used at once: against the REAL local server (started
by the app, as on a first run), with the OpenAI provider pointed through OPENAI_BASE_URL at a local
HTTP server speaking OpenAI's streaming chat-completions format. The status line names the model,
and the very next prompt is answered by that provider — no restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select

from mix_tui.tui.app import AppConfig, MixApp
from mix_tui.tui.screens.welcome import WelcomeScreen
from tests.server.providers.wire_server import WireServer
from tests.server.test_server_models import openai_reply
from tests.tui.conftest import opened, ready_chat, send, shown_text, turn_over, wait_for

OPENAI_KEY = "sk-test-" + "k" * 40


@pytest.fixture
def fresh_user(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


async def test_a_key_saved_on_the_welcome_screen_answers_the_next_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_user: None
) -> None:
    async with WireServer(openai_reply("Hello from the OpenAI-compatible endpoint")) as upstream:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{upstream.url}/v1")
        app = MixApp(AppConfig(demo=False, data_dir=tmp_path / "data", workdir=tmp_path))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen) and app.screen.rows, what="welcome")
            welcome = app.screen
            assert isinstance(welcome, WelcomeScreen)
            welcome.query_one("#welcome-provider", Select).value = "openai"
            welcome.query_one("#welcome-key", Input).focus()
            await pilot.press(*OPENAI_KEY, "enter")
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: chat.status.info.model == "openai/gpt-5.4", what="the model named")
            await send(pilot, chat, "hello")
            await wait_for(pilot, lambda: turn_over(chat), what="the answer")
            assert "Hello from the OpenAI-compatible endpoint" in shown_text(chat)
            assert chat.status.info.model == "openai/gpt-5.4"
            assert opened(chat).history[-1].model == "gpt-5.4"
    seen = upstream.requests[0]
    assert seen.path == "/v1/chat/completions" and seen.body["model"] == "gpt-5.4"
    assert seen.headers["authorization"] == f"Bearer {OPENAI_KEY}"
