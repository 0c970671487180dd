"""The server's half of the settings screen: preferences (main and sub-agent model, max tokens,
reasoning effort — sent as the preferences the SDK documents) and provider keys (status, add,
delete). Plain async calls that answer with what to tell the user; no widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mix_tui.protocol.models import AuthStatus, UserPreferences
from mix_tui.sdk.errors import MixError

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

EFFORTS = ("low", "medium", "high")  # what our server's providers take (Go stores any string)
MAX_TOKENS_LIMIT = 10_000_000
TOOL_KEYS = {"brave": "Brave Search (the Search tool)"}  # keys that are no model provider


@dataclass
class ServerState:
    preferences: UserPreferences | None = None
    has_preferences: bool = False
    auth: AuthStatus | None = None
    problem: str = ""

    @property
    def starred_provider(self) -> str | None:
        """The provider the server marks as its preferred one (" ⭐", Go's and our server's way)."""
        providers = self.auth.providers if self.auth is not None else {}
        return next((name for name, p in providers.items() if p.display_name.rstrip().endswith("⭐")), None)


async def load(client: MixClient) -> ServerState:
    state = ServerState()
    problems = []
    try:
        response = await client.preferences.get()
        state.has_preferences = True
        state.preferences = response.preferences or UserPreferences()
    except MixError as exc:
        problems.append(f"no preferences on this server ({exc.message}): models are chosen per chat with /model")
    try:
        state.auth = await client.auth.status()
    except MixError as exc:
        problems.append(f"the server did not say which keys it has ({exc.message})")
    state.problem = "; ".join(problems)
    return state


def parse_max_tokens(text: str) -> int:
    """The typed number, or ValueError with a message for the user."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("max tokens must be a whole number") from None
    if not 1 <= value <= MAX_TOKENS_LIMIT:
        raise ValueError(f"max tokens must be between 1 and {MAX_TOKENS_LIMIT:,}")
    return value


async def update(client: MixClient, **fields: Any) -> tuple[UserPreferences | None, str]:
    """Save some preferences; (the server's answer, what to tell the user)."""
    try:
        saved = await client.preferences.update(**fields)
    except MixError as exc:
        return None, f"not saved: {exc.message}"
    names = ", ".join(name.replace("_", " ") for name in fields)
    return saved, f"saved on the server: {names}"


async def store_key(client: MixClient, provider: str, key: str) -> str | None:
    """None when stored; else the server's reason (the key is never echoed)."""
    try:
        await client.auth.store_api_key(provider, key)
    except MixError as exc:
        return exc.message
    return None


async def delete_key(client: MixClient, provider: str) -> str:
    try:
        answer = await client.auth.delete(provider)
    except MixError as exc:
        return f"not deleted: {exc.message}"
    return answer.message or f"the key for {provider} is deleted"


def key_rows(auth: AuthStatus | None) -> list[tuple[str, str, str, bool]]:
    """(provider, display name, state, deletable) per provider the server names."""
    rows = []
    for name, entry in (auth.providers if auth is not None else {}).items():
        display = (entry.display_name or name).replace("⭐", "").strip()
        display = TOOL_KEYS.get(name, display)
        if entry.auth_method in ("api_key", "oauth"):
            rows.append((name, display, f"key stored ({entry.auth_method.replace('_', ' ')})", True))
        elif entry.authenticated:
            rows.append((name, display, "ready, no key needed", False))
        else:
            rows.append((name, display, "needs an API key", False))
    return rows
