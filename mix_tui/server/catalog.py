"""Which provider and model a session uses, and the provider objects themselves (cached per key).

Resolution order for a turn: the session's own `provider`/`modelId` (set at create), then the saved
preferences, then the server's `--provider`/`--model`. Keys come from `mix_tui.secrets` only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from mix_tui import secrets
from mix_tui.server.config import ServerConfig
from mix_tui.server.providers import registry
from mix_tui.server.providers.base import Provider
from mix_tui.server.providers.demo import DemoProvider

KEYLESS = frozenset({"demo", registry.LOCAL_PROVIDER})


@dataclass(frozen=True, slots=True)
class Choice:
    provider: str
    model: str


def known_providers(config: ServerConfig) -> list[str]:
    names = list(registry.PROVIDERS)
    if config.base_url or config.provider == registry.LOCAL_PROVIDER:
        names.append(registry.LOCAL_PROVIDER)
    return names


def default_model(provider: str, config: ServerConfig) -> str:
    if provider == config.provider and config.model:
        return config.model
    return registry.DEFAULT_MODELS.get(provider, config.model or "default")


def choose(
    session_provider: str | None, session_model: str | None, prefs: dict[str, Any] | None, config: ServerConfig
) -> Choice:
    prefs = prefs or {}
    provider = session_provider or prefs.get("preferred_provider") or config.provider
    if session_model:
        return Choice(provider, session_model)
    # the preferred model only applies to the preferred provider
    if provider == prefs.get("preferred_provider") and prefs.get("main_agent_model"):
        return Choice(provider, str(prefs["main_agent_model"]))
    return Choice(provider, default_model(provider, config))


def has_credentials(provider: str) -> bool:
    """Blocking (keyring): call through asyncio.to_thread."""
    return provider in KEYLESS or secrets.get_api_key(provider) is not None


def first_configured_provider() -> str:
    """The server default when --provider is not given: the first provider with a key, else demo."""
    for name, spec in registry.PROVIDERS.items():
        if spec.needs_key and secrets.get_api_key(name) is not None:
            return name
    return "demo"


class ProviderPool:
    """Provider clients reused across turns (connection pools), rebuilt when the key changes."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._cache: dict[tuple[str, str | None, str | None], Provider] = {}

    def get(self, name: str) -> Provider:
        """Blocking (keyring): call through asyncio.to_thread. Raises ValueError for unknown names."""
        if name == "demo":
            return DemoProvider(rate=self._config.demo_rate)  # math.inf = as fast as possible
        key = None if name == registry.LOCAL_PROVIDER else secrets.get_api_key(name)
        base_url = self._config.base_url if name in ("openai", registry.LOCAL_PROVIDER) else None
        cache_key = (name, key, base_url)
        provider = self._cache.get(cache_key)
        if provider is None:
            provider = registry.make_provider(name, api_key=key, base_url=base_url)
            self._cache[cache_key] = provider
        return provider

    async def aclose(self) -> None:
        for provider in self._cache.values():
            closer = getattr(provider, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
        self._cache.clear()
