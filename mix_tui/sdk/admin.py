"""The set-up resource groups: preferences, auth, system, tools (snake_case bodies on the wire)."""

from __future__ import annotations

import builtins
from typing import Any

from mix_tui.protocol.models import (
    AuthStatus,
    AuthValidation,
    CommandInfo,
    Health,
    LLMTool,
    LLMToolList,
    McpServer,
    OAuthCallbackRequest,
    OAuthCallbackResponse,
    OAuthHealth,
    OAuthStart,
    PreferencesResponse,
    ProviderInfo,
    StatusMessage,
    StoreApiKeyRequest,
    SystemInfo,
    ToolsStatus,
    UpdatePreferencesRequest,
    UserPreferences,
)
from mix_tui.sdk.transport import Transport, parse, parse_list, parse_map
from mix_tui.sdk.transport import path_part as q


class _Group:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


class Preferences(_Group):
    """Model and provider defaults. Dropped from the newest spec: callers should treat 404 as absent."""

    async def get(self) -> PreferencesResponse:
        return parse(PreferencesResponse, await self._t.request("GET", "/api/preferences"))

    async def update(self, **fields: Any) -> UserPreferences:
        """Update only the given fields (`main_agent_model=...`, `preferred_provider=...`, ...)."""
        unknown = set(fields) - set(UpdatePreferencesRequest.model_fields)
        if unknown:
            raise TypeError(f"unknown preference field(s): {', '.join(sorted(unknown))}")
        body = UpdatePreferencesRequest.model_validate(fields).to_wire()
        return parse(UserPreferences, await self._t.request("POST", "/api/preferences", json=body))

    async def providers(self) -> dict[str, ProviderInfo]:
        return parse_map(ProviderInfo, await self._t.request("GET", "/api/preferences/providers"))

    async def reset(self) -> UserPreferences:
        return parse(UserPreferences, await self._t.request("POST", "/api/preferences/reset"))


class Auth(_Group):
    async def status(self) -> AuthStatus:
        return parse(AuthStatus, await self._t.request("GET", "/api/auth/status"))

    async def store_api_key(self, provider: str, api_key: str) -> StatusMessage:
        body = StoreApiKeyRequest(provider=provider, api_key=api_key).to_wire()
        return parse(StatusMessage, await self._t.request("POST", "/api/auth/api-key", json=body))

    async def validate(self) -> AuthValidation:
        return parse(AuthValidation, await self._t.request("GET", "/api/auth/validate"))

    async def delete(self, provider: str) -> StatusMessage:
        return parse(StatusMessage, await self._t.request("DELETE", f"/api/auth/{q(provider)}"))

    async def start_oauth(self, provider: str = "anthropic") -> OAuthStart:
        return parse(OAuthStart, await self._t.request("POST", f"/api/auth/oauth/{q(provider)}"))

    async def oauth_callback(self, provider: str, code: str, state: str) -> OAuthCallbackResponse:
        body = OAuthCallbackRequest(provider=provider, code=code, state=state).to_wire()
        return parse(
            OAuthCallbackResponse, await self._t.request("POST", "/api/auth/oauth-callback", json=body)
        )

    async def oauth_health(self) -> OAuthHealth:
        return parse(OAuthHealth, await self._t.request("GET", "/health/auth"))


class System(_Group):
    async def health(self) -> Health:
        return parse(Health, await self._t.request("GET", "/health"))

    async def info(self) -> SystemInfo:
        return parse(SystemInfo, await self._t.request("GET", "/api/system/info"))

    async def commands(self) -> list[CommandInfo]:
        """Slash commands for autocomplete; Go may answer `null`."""
        return parse_list(CommandInfo, await self._t.request("GET", "/api/commands"))

    async def command(self, name: str) -> CommandInfo:
        return parse(CommandInfo, await self._t.request("GET", f"/api/commands/{q(name.lstrip('/'))}"))

    async def mcp(self) -> list[McpServer]:
        return parse_list(McpServer, await self._t.request("GET", "/api/mcp"))


class Tools(_Group):
    async def status(self) -> ToolsStatus:
        return parse(ToolsStatus, await self._t.request("GET", "/api/tools/status"))

    async def list(self) -> builtins.list[LLMTool]:
        """The tool definitions the model sees."""
        return parse(LLMToolList, await self._t.request("GET", "/api/tools")).tools

    async def credentials_status(self) -> ToolsStatus:
        return parse(ToolsStatus, await self._t.request("GET", "/api/tools/credentials-status"))
