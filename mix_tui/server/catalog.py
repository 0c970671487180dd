"""Which provider and model a session uses, and the provider objects themselves (cached per key).

Resolution order for a turn: the session's own `provider`/`modelId` (set at create), then the saved
preferences, then the server's `--provider`/`--model`; model ids may be Mix-style (model_ids.py).
Read on every turn, so a saved key or a preferences update applies to the next turn without a
restart. Keys come from `mix_tui.secrets` only.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

from mix_tui import secrets
from mix_tui.server.config import ServerConfig
from mix_tui.server.prompt import THINKING_BUDGETS, thinking_budget
from mix_tui.server.providers import model_ids, registry
from mix_tui.server.providers.base import Provider
from mix_tui.server.providers.demo import DemoProvider
from mix_tui.server.providers.model_ids import Choice

KEYLESS = frozenset({"demo", registry.LOCAL_PROVIDER})
DEFAULT_MAX_TOKENS = {"main_agent": 8192, "sub_agent": 4096}
# what a saved reasoning effort asks of budget-based providers (the spec's thinking levels)
EFFORT_BUDGETS = {
    "low": THINKING_BUDGETS["basic"],
    "medium": THINKING_BUDGETS["medium"],
    "high": THINKING_BUDGETS["maximum"],
}
ANSWER_ROOM = 4096


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
    """The provider and API model of a main-agent turn (model ids as in model_ids.py)."""
    prefs = prefs or {}
    preferred = str(prefs.get("preferred_provider") or config.provider)
    if session_model:
        return model_ids.resolve(session_model, session_provider or preferred, pinned=bool(session_provider))
    provider = session_provider or preferred
    main_model = prefs.get("main_agent_model")
    # the preferred model belongs to the preferred provider; a session pinned elsewhere uses that default
    if main_model and provider == preferred:
        return model_ids.resolve(str(main_model), provider)
    return model_ids.resolve(default_model(provider, config), provider, pinned=True)


def choose_sub_agent(parent: Choice, prefs: dict[str, Any] | None) -> Choice:
    """The sub-agent's model (Task tool, sub_agent callbacks): the preference, else the parent's."""
    sub_model = (prefs or {}).get("sub_agent_model")
    if not sub_model or not str(sub_model).strip():
        return parent
    return model_ids.resolve(str(sub_model), parent.provider)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    """Everything a turn takes from the session and the preferences besides the conversation."""

    choice: Choice
    max_tokens: int
    thinking_budget: int
    reasoning_effort: str | None  # low|medium|high from the preferences; None = derive from the budget


def agent_settings(
    choice: Choice, prefs: dict[str, Any] | None, *, sub_agent: bool, thinking_level: str | None, text: str
) -> AgentSettings:
    """Max tokens and reasoning for a turn. A `thinking_level` in the request wins; without one, the
    prompt's keywords, then the agent's saved reasoning effort decide."""
    prefs = prefs or {}
    role = "sub_agent" if sub_agent else "main_agent"
    max_tokens = _positive_int(prefs.get(f"{role}_max_tokens")) or DEFAULT_MAX_TOKENS[role]
    effort = normalise_effort(prefs.get(f"{role}_reasoning_effort"))
    budget = thinking_budget(thinking_level, text)
    if thinking_level is not None or budget:
        effort = None  # the request (or its keywords) chose: providers derive effort from the budget
    elif effort is not None:
        budget = EFFORT_BUDGETS[effort]
    if budget:
        max_tokens = max(max_tokens, budget + ANSWER_ROOM)  # the budget must fit inside max_tokens
    return AgentSettings(choice, max_tokens, budget, effort)


def normalise_effort(value: object) -> str | None:
    text = str(value or "").strip().lower()
    if text == "minimal":
        return "low"
    return text if text in EFFORT_BUDGETS else None


def _positive_int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def has_credentials(provider: str) -> bool:
    """Blocking (keyring): call through asyncio.to_thread."""
    return provider in KEYLESS or secrets.get_api_key(provider) is not None


def first_configured_provider() -> str:
    """The server default when --provider is not given: the first provider with a key, else demo."""
    for name, spec in registry.PROVIDERS.items():
        if spec.needs_key and secrets.get_api_key(name) is not None:
            return name
    return "demo"


def has_model_key() -> bool:
    """Blocking (keyring). True when some model provider (not a tool like brave) has a key."""
    return first_configured_provider() != "demo"


def adopt_on_first_key(provider: str, had_model_key: bool, preferred: str, config: ServerConfig) -> bool:
    """Whether a key just saved for `provider` should make it the preferred provider: yes when it is
    the first model provider with a key and the user was on the offline demo (issue 10.1), unless the
    operator chose the provider with --provider (a script storing a key must not leave a pinned demo)."""
    spec = registry.PROVIDERS.get(provider)
    fresh = spec is not None and spec.needs_key and not had_model_key
    return fresh and preferred == "demo" and not config.provider_pinned


# the official clients' conventions for pointing them at another endpoint (proxies, local servers)
BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}


def base_url_for(name: str, config: ServerConfig) -> str | None:
    """`--base-url` (openai and local only) wins over the environment variable."""
    if name in ("openai", registry.LOCAL_PROVIDER) and config.base_url:
        return config.base_url
    variable = BASE_URL_ENV.get(name)
    value = os.environ.get(variable, "").strip() if variable else ""
    return value or None


class ProviderPool:
    """Provider clients reused across turns (connection pools), rebuilt when the key or endpoint changes."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._cache: dict[tuple[str, str | None, str | None], Provider] = {}

    def get(self, name: str) -> Provider:
        """Blocking (keyring): call through asyncio.to_thread. Raises ValueError for unknown names."""
        if name == "demo":
            return DemoProvider(rate=self._config.demo_rate)  # math.inf = as fast as possible
        key = None if name == registry.LOCAL_PROVIDER else secrets.get_api_key(name)
        base_url = base_url_for(name, self._config)
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
