"""Which models a server offers, which one the next prompt goes to, and switching it.

The catalogue is `GET /api/preferences/providers` (or the `available_providers` of `GET
/api/preferences`), marked with which providers have credentials (`/api/auth/status`) and, where
our server says (`model_details`), context window and price.

A choice applies to the open session's next prompt, in the way the server can:
1. our server switches that one session (`PATCH /api/sessions/{id}/model`, an extension);
2. a Mix (Go) server has only global preferences: they change, so every session follows (said so);
3. a server with neither fixes the model at create: new chats get it, this one keeps its own.
"Also the default" updates the preferences (`preferred_provider` + `main_agent_model` together: a
model without its provider would follow the old provider's name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mix_tui.protocol.models import PreferencesResponse, ProviderInfo, SessionData
from mix_tui.sdk.errors import MixError, UnsupportedError

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient


@dataclass(frozen=True, slots=True)
class ModelEntry:
    provider: str
    model: str
    provider_name: str = ""
    context_window: int | None = None
    input_price: float | None = None  # USD per 1M tokens
    output_price: float | None = None
    ready: bool = True  # the provider has credentials (or needs none)

    @property
    def key(self) -> str:
        return model_key(self.provider, self.model)


@dataclass
class Catalog:
    entries: list[ModelEntry] = field(default_factory=list)
    default: tuple[str, str] | None = None  # the server's preferred (provider, main model)
    has_preferences: bool = False  # the server keeps defaults (GET /api/preferences answers)
    problem: str = ""  # why the list is empty (a server without the endpoints)

    def find(self, provider: str, model: str) -> ModelEntry | None:
        return next((e for e in self.entries if e.provider == provider and e.model == model), None)

    def first_model(self, provider: str) -> str | None:
        """The provider's first listed model (our server lists its default first)."""
        return next((e.model for e in self.entries if e.provider == provider), None)


def model_key(provider: str, model: str) -> str:
    """"openai/gpt-4.1" (provider names never hold a slash; model ids may: split at the first)."""
    return f"{provider}/{model}"


def split_key(key: str) -> tuple[str, str] | None:
    provider, slash, model = key.partition("/")
    return (provider, model) if slash and provider and model else None


def preferred_of(response: PreferencesResponse | None) -> tuple[str, str] | None:
    prefs = response.preferences if response is not None else None
    if prefs is None or not prefs.preferred_provider:
        return None
    return prefs.preferred_provider, prefs.main_agent_model or ""


async def load_catalog(client: MixClient) -> Catalog:
    catalog = Catalog()
    infos: dict[str, ProviderInfo] | None = None
    prefs: PreferencesResponse | None = None
    try:
        prefs = await client.preferences.get()
        catalog.has_preferences = True
        catalog.default = preferred_of(prefs)
    except MixError:
        prefs = None
    try:
        infos = await client.preferences.providers()
    except MixError as exc:
        infos = prefs.available_providers if prefs is not None and prefs.available_providers else None
        if infos is None:
            catalog.problem = f"this server does not list its models ({exc.message}); type a model id instead"
    ready: dict[str, bool] = {}
    try:
        status = await client.auth.status()
        ready = {name: p.authenticated for name, p in status.providers.items()}
        if catalog.default is None:
            # nothing saved: Go (and our server, for its --provider) mark the preferred one with " ⭐"
            starred = [name for name, p in status.providers.items() if p.display_name.rstrip().endswith("⭐")]
            catalog.default = (starred[0], "") if starred else None
    except MixError:
        pass
    for name, info in (infos or {}).items():
        details = info.model_details or {}
        display = info.display_name.replace("⭐", "").strip() or name
        for model in info.models:
            facts = details.get(model)
            catalog.entries.append(
                ModelEntry(
                    provider=name, model=model, provider_name=display,
                    context_window=facts.context_window if facts else None,
                    input_price=facts.input_price if facts else None,
                    output_price=facts.output_price if facts else None,
                    ready=ready.get(name, True),
                )
            )  # fmt: skip
    return catalog


def next_model(session: SessionData | None, pin: tuple[str, str | None] | None, catalog: Catalog) -> str:
    """What the status line says the next prompt goes to: the session's own model, else the pin this
    client creates new sessions with, else the server's default; "server default" when unknown."""
    provider: str | None = None
    model: str | None = None
    if session is not None and (session.provider or session.model_id):
        provider, model = session.provider, session.model_id
    elif session is None and pin is not None:
        provider, model = pin
    elif catalog.default is not None:
        provider, model = catalog.default
    if not provider and not model:
        return "server default"
    if provider and not model:
        if catalog.default is not None and catalog.default[0] == provider and catalog.default[1]:
            model = catalog.default[1]
        else:
            model = catalog.first_model(provider) or "default"
    if not provider:
        return str(model)
    return model_key(provider, str(model))


async def apply_to_session(client: MixClient, session_id: str, provider: str, model: str, catalog: Catalog) -> str:
    """Make the session's next prompts use the model; the note that says how it was done.
    Raises `MixError` when the server refused every way."""
    key = model_key(provider, model)
    try:
        await client.sessions.set_model(session_id, provider, model)
    except UnsupportedError:
        if not catalog.has_preferences:
            raise UnsupportedError(
                f"this server fixes a session's model when it is created: new chats will use {key}, "
                "this one keeps its own"
            ) from None
        await set_default(client, provider, model)
        return f"The next prompts go to {key}. This server has one model for all sessions: it is now the default."
    return f"This session's next prompts go to {key}."


async def set_default(client: MixClient, provider: str, model: str) -> None:
    """The server's default for sessions that do not name a model (raises `MixError`)."""
    await client.preferences.update(preferred_provider=provider, main_agent_model=model)
