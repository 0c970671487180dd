"""The provider list in Mix's wire shapes, and the provider factory."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from mix_tui import secrets
from mix_tui.server.providers.anthropic import AnthropicProvider
from mix_tui.server.providers.openai_compat import GEMINI, LOCAL, OPENAI, OPENROUTER, OpenAICompatProvider
from mix_tui.server.providers.registry import (
    DEFAULT_MODELS,
    PROVIDERS,
    auth_status_payload,
    make_provider,
    providers_payload,
)
from tests.test_secrets import MemoryKeyring


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    monkeypatch.setattr(secrets, "_memory", {})
    monkeypatch.setattr(secrets, "_broken_backend", None)
    for names in secrets.PROVIDER_ENV_VARS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_providers_payload_shape() -> None:
    payload = providers_payload()
    assert list(payload) == ["demo", "anthropic", "openai", "openrouter", "gemini"]
    # the demo pretends a window, so its context bar reads like a real model's
    assert payload["demo"] == {
        "display_name": "Offline demo (no AI)", "models": ["demo"],
        "model_details": {"demo": {"context_window": 128_000}},
    }
    for name, entry in payload.items():
        assert set(entry) == {"display_name", "models", "model_details"}  # model_details: our extension
        assert set(entry["model_details"]) <= set(entry["models"])
        assert entry["models"] and all(isinstance(m, str) for m in entry["models"])
        assert DEFAULT_MODELS[name] == entry["models"][0]
    assert "local" not in payload
    assert providers_payload(local_models=["qwen3:8b"])["local"]["models"] == ["qwen3:8b"]
    # the windows of well-known models are published (the extension the TUI's context bar reads)
    assert payload["anthropic"]["model_details"]["claude-sonnet-4-6"]["context_window"] == 200_000
    assert payload["gemini"]["model_details"]["gemini-2.5-pro"]["context_window"] == 1_048_576


def test_auth_status_follows_stored_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    status = auth_status_payload()["providers"]
    assert status["demo"] == {
        "authenticated": True,
        "auth_method": "none",
        "display_name": "Offline demo (no AI)",
    }
    assert status["anthropic"]["authenticated"] is False and status["anthropic"]["auth_method"] == "none"
    secrets.store_api_key("anthropic", "sk-ant-api03-" + "k" * 40)
    monkeypatch.setenv("GEMINI_API_KEY", "AIza" + "q" * 35)
    status = auth_status_payload(preferred="anthropic")["providers"]
    assert status["anthropic"] == {
        "authenticated": True,
        "auth_method": "api_key",
        "display_name": "Anthropic ⭐",
    }
    assert status["gemini"]["authenticated"] is True
    assert status["openai"]["authenticated"] is False
    assert set(status) == set(PROVIDERS)
    assert auth_status_payload(include_local=True)["providers"]["local"]["authenticated"] is True


def test_make_provider_builds_each_kind() -> None:
    demo = make_provider("demo", api_key=None)
    assert demo.name == "demo" and type(demo).__name__ == "DemoProvider"
    anthropic = make_provider("anthropic", api_key="sk-ant-x")
    assert isinstance(anthropic, AnthropicProvider) and anthropic.name == "anthropic"
    dialects = {}
    for name in ("openai", "openrouter", "gemini"):
        provider = make_provider(name, api_key="k")
        assert isinstance(provider, OpenAICompatProvider) and provider.name == name
        dialects[name] = (provider.dialect, provider.base_url)
    assert dialects == {
        "openai": (OPENAI, "https://api.openai.com/v1"),
        "openrouter": (OPENROUTER, "https://openrouter.ai/api/v1"),
        "gemini": (GEMINI, "https://generativelanguage.googleapis.com/v1beta/openai/"),
    }
    # "openai" pointed at another server speaks the local dialect but keeps its Mix name
    ollama = make_provider("openai", api_key=None, base_url="http://127.0.0.1:11434/v1")
    assert isinstance(ollama, OpenAICompatProvider) and (ollama.name, ollama.dialect) == ("openai", LOCAL)


def test_make_provider_rejects_unknown_and_incomplete() -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        make_provider("cohere", api_key="x")
    with pytest.raises(ValueError, match="base URL"):
        make_provider("local", api_key=None)
