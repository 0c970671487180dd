"""The providers the local server offers, in Mix's wire shapes, and the factory that builds them.

Provider names are Mix's: demo, anthropic, openai, openrouter, gemini; plus `local` for an
OpenAI-compatible server of the user's own (Ollama, vLLM, llama.cpp), listed only when configured.
Functions that look up keys go to the OS keyring, which can block: call them via asyncio.to_thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mix_tui import secrets

from .base import Provider


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    display_name: str
    models: tuple[str, ...]  # the first is the default
    needs_key: bool


DEMO_DISPLAY_NAME = "Offline demo (no AI)"
DEMO_CONTEXT_WINDOW = 128_000  # the demo pretends one, so its context bar reads like a real model's

PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec("demo", DEMO_DISPLAY_NAME, ("demo",), needs_key=False),
        ProviderSpec(
            "anthropic",
            "Anthropic",
            (
                "claude-sonnet-4-6",
                "claude-opus-4-7",
                "claude-opus-4-6",
                "claude-haiku-4-5",
                "claude-sonnet-5",
                "claude-opus-5",
            ),
            needs_key=True,
        ),
        ProviderSpec(
            "openai",
            "OpenAI",
            ("gpt-5.4", "gpt-5.4-mini", "gpt-5.2", "gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o", "o4-mini"),
            needs_key=True,
        ),
        ProviderSpec(
            "openrouter",
            "OpenRouter",
            (
                "anthropic/claude-sonnet-4.5",
                "openai/gpt-5",
                "google/gemini-2.5-pro",
                "google/gemini-2.5-flash",
                "deepseek/deepseek-chat",
                "x-ai/grok-code-fast-1",
            ),
            needs_key=True,
        ),
        ProviderSpec(
            "gemini",
            "Google Gemini",
            ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash"),
            needs_key=True,
        ),
    )
}

LOCAL_PROVIDER = "local"
LOCAL_DISPLAY_NAME = "Local OpenAI-compatible server"

DEFAULT_MODELS: dict[str, str] = {name: spec.models[0] for name, spec in PROVIDERS.items()}


def providers_payload(local_models: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """`GET /api/preferences/providers` (and `available_providers`): {name: {display_name, models}}.

    `local_models`: the models of a configured local server; None leaves `local` out. The extension
    field `model_details` holds the context window and price of each model where known."""
    from .model_details import model_details

    out = {
        name: {"display_name": s.display_name, "models": list(s.models), "model_details": model_details(s.models)}
        for name, s in PROVIDERS.items()
    }
    out["demo"]["model_details"] = {"demo": {"context_window": DEMO_CONTEXT_WINDOW}}
    if local_models is not None:
        out[LOCAL_PROVIDER] = {"display_name": LOCAL_DISPLAY_NAME, "models": list(local_models), "model_details": {}}
    return out


def is_authenticated(name: str) -> bool:
    spec = PROVIDERS.get(name)
    if spec is None:
        return name == LOCAL_PROVIDER
    return not spec.needs_key or secrets.get_api_key(name) is not None


def auth_status_payload(preferred: str | None = None, *, include_local: bool = False) -> dict[str, Any]:
    """`GET /api/auth/status`: {"providers": {name: {authenticated, auth_method, display_name}}}.

    Like Mix's Go server, the preferred provider's display name gets a trailing " ⭐"."""
    entries: dict[str, dict[str, Any]] = {}
    names = [*PROVIDERS, *([LOCAL_PROVIDER] if include_local else [])]
    for name in names:
        spec = PROVIDERS.get(name)
        has_key = spec is not None and spec.needs_key and secrets.get_api_key(name) is not None
        display = spec.display_name if spec else LOCAL_DISPLAY_NAME
        entries[name] = {
            "authenticated": has_key or spec is None or not spec.needs_key,
            "auth_method": "api_key" if has_key else "none",
            "display_name": f"{display} ⭐" if name == preferred else display,
        }
    return {"providers": entries}


def make_provider(name: str, *, api_key: str | None, base_url: str | None = None) -> Provider:
    """A ready provider. `base_url` overrides the endpoint (e.g. OpenAI pointed at Ollama).

    Raises ValueError for an unknown name, or for `local` without a base URL."""
    if name == "demo":
        from .demo import DemoProvider  # written separately; only loaded when asked for

        return DemoProvider()
    if name == "anthropic":
        from .anthropic import AnthropicProvider

        return AnthropicProvider(api_key=api_key, base_url=base_url)
    if name in ("openai", "openrouter", "gemini", LOCAL_PROVIDER):
        if name == LOCAL_PROVIDER and not base_url:
            raise ValueError("the local provider needs a base URL, e.g. http://127.0.0.1:11434/v1")
        from .openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(name, api_key=api_key, base_url=base_url)
    raise ValueError(f"unknown provider {name!r}; expected one of: {', '.join([*PROVIDERS, LOCAL_PROVIDER])}")
