"""Health, system info, MCP, tools, provider keys (auth) and preferences."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mix_tui import __version__, secrets
from mix_tui.protocol.models import StoreApiKeyRequest, SystemInfo, UpdatePreferencesRequest
from mix_tui.server import catalog
from mix_tui.server.http import ApiError, json_body, parse, runtime, wire
from mix_tui.server.providers import registry
from mix_tui.server.store import PREFERENCE_FIELDS

OAUTH_UNSUPPORTED = "OAuth is not supported by this server"
DEFAULT_MAX_TOKENS = {"main_agent_max_tokens": 8192, "sub_agent_max_tokens": 4096}
MAX_TOKENS_LIMIT = 10_000_000  # far above any model's output limit; SQLite integers end at 2**63


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


async def health(request: Request) -> Response:
    rt = runtime(request)
    try:
        await rt.store.run(rt.store.get_preferences)
        database = "connected"
    except Exception:
        database = "error"
    return wire(
        {
            "status": "ok",
            "timestamp": _now(),
            "version": __version__,
            "environment": "local",
            "services": {"backend": "healthy", "database": database},
        }
    )


async def oauth_health(request: Request) -> Response:
    return wire({"status": "healthy", "providers": {}, "timestamp": _now()})


async def system_info(request: Request) -> Response:
    config = runtime(request).config
    # workingDirectory is our extension: clients need it to tell a path inside the workdir from one outside
    return wire(
        SystemInfo(storage_base_path=str(config.sessions_dir.resolve()), working_directory=str(config.workdir.resolve()))
    )


async def mcp(request: Request) -> Response:
    return wire([])


async def llm_tools(request: Request) -> Response:
    tools = runtime(request).tools.values()
    return wire(
        {
            "tools": [
                {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.input_schema,
                    "required": list(t.input_schema.get("required", [])),
                }
                for t in tools
            ]
        }
    )


# tools that need a key of their own: tool name -> (key provider in secrets, display name)
_KEYED_TOOLS = {"Search": ("brave", "Brave Search")}


async def tools_status(request: Request) -> Response:
    tools = runtime(request).tools.values()
    keyed = {name: await asyncio.to_thread(secrets.get_api_key, provider) is not None
             for name, (provider, _) in _KEYED_TOOLS.items()}  # fmt: skip
    # `provider` is the service behind a tool: the key's owner for keyed tools (the SDK's tools
    # example looks for "brave" there); built-in tools name themselves
    entries = [
        {
            "provider": _KEYED_TOOLS[t.name][0] if t.name in _KEYED_TOOLS else t.name,
            "display_name": t.name,
            "description": t.description.strip().splitlines()[0] if t.description.strip() else "",
            "api_key_required": t.name in keyed,
            "authenticated": keyed.get(t.name, True),
        }
        for t in tools
    ]
    return wire({"categories": {"core": {"display_name": "Built-in tools", "tools": entries}}})


async def tools_credentials(request: Request) -> Response:
    brave = await asyncio.to_thread(secrets.get_api_key, "brave") is not None
    search = {
        "provider": "brave",
        "display_name": "Brave Search",
        "description": "Web, image and video search for the Search tool",
        "api_key_required": True,
        "api_key_format": "BSA…",
        "authenticated": brave,
    }
    return wire(
        {
            "categories": {
                "search": {
                    "display_name": "Web search",
                    "description": "Services the Search tool queries",
                    "icon": "search",
                    "tools": [search],
                }
            }
        }
    )


# ---- auth ---------------------------------------------------------------------------------------


async def _preferred(request: Request) -> str:
    rt = runtime(request)
    prefs = await rt.store.run(rt.store.get_preferences) or {}
    return str(prefs.get("preferred_provider") or rt.config.provider)


async def auth_status(request: Request) -> Response:
    rt = runtime(request)
    preferred = await _preferred(request)
    include_local = registry.LOCAL_PROVIDER in catalog.known_providers(rt.config)
    payload = await asyncio.to_thread(registry.auth_status_payload, preferred, include_local=include_local)
    return wire(payload)


async def auth_validate(request: Request) -> Response:
    provider = await _preferred(request)
    source = await asyncio.to_thread(secrets.key_source, provider) if provider not in catalog.KEYLESS else None
    valid = provider in catalog.KEYLESS or source is not None
    method = "api_key" if source is not None else "none"
    message = f"{provider} is ready" if valid else f"No API key configured for {provider}"
    return wire({"valid": valid, "provider": provider, "auth_method": method, "message": message})


async def store_api_key(request: Request) -> Response:
    body = parse(StoreApiKeyRequest, await json_body(request))
    provider = body.provider.strip().lower()
    if provider not in secrets.supported_providers():
        raise ApiError(400, f"Unsupported provider '{provider}'", "validation_error")
    problem = secrets.validate_key_format(provider, body.api_key)
    if problem:
        raise ApiError(400, problem, "validation_error")
    rt = runtime(request)
    had_model_key = await asyncio.to_thread(catalog.has_model_key)
    where = await asyncio.to_thread(secrets.store_api_key, provider, body.api_key)
    note = "in the system keyring" if where == "keyring" else "in memory until the server stops (no system keyring)"
    message = f"API key for {provider} stored {note}"
    # keys are read on every turn, so the provider is usable now; the first real key also becomes the
    # preferred provider, so the very next turn leaves the offline demo behind without a restart
    if catalog.adopt_on_first_key(provider, had_model_key, await _preferred(request), rt.config):
        default = catalog.default_model(provider, rt.config)
        await rt.store.run(rt.store.update_preferences, {"preferred_provider": provider, "main_agent_model": default})
        message += f"; {provider} ({default}) is now the preferred provider"
    return wire({"status": "success", "provider": provider, "message": message})


async def delete_credentials(request: Request) -> Response:
    provider = request.path_params["provider"].strip().lower()
    if provider not in secrets.supported_providers():
        raise ApiError(400, f"Unsupported provider '{provider}'", "validation_error")
    deleted = await asyncio.to_thread(secrets.delete_api_key, provider)
    message = f"Credentials for {provider} deleted" if deleted else f"No stored credentials for {provider}"
    return wire({"status": "success", "provider": provider, "message": message})


async def oauth_unsupported(request: Request) -> Response:
    raise ApiError(400, OAUTH_UNSUPPORTED)


async def refresh_tokens(request: Request) -> Response:
    return wire({"status": "success", "message": "No OAuth tokens to refresh"})


# ---- preferences --------------------------------------------------------------------------------


def _prefs_wire(prefs: dict[str, Any]) -> dict[str, Any]:
    # Go always sends every field, with "" or 0 for unset ones
    out: dict[str, Any] = {}
    for name in (*PREFERENCE_FIELDS, "created_at", "updated_at"):
        value = prefs.get(name)
        out[name] = value if value is not None else (0 if name.endswith(("_tokens", "_at")) else "")
    return out


def _available(request: Request) -> dict[str, Any]:
    rt = runtime(request)
    local = [rt.config.model or "default"] if registry.LOCAL_PROVIDER in catalog.known_providers(rt.config) else None
    payload = registry.providers_payload(local)
    listed = payload.get(rt.config.provider)
    if rt.config.model and listed is not None and rt.config.provider != registry.LOCAL_PROVIDER:
        # `serve --model` is this provider's default: listed first, as every default is
        models = [rt.config.model, *(m for m in listed["models"] if m != rt.config.model)]
        listed["models"] = models
    return payload


async def get_preferences(request: Request) -> Response:
    rt = runtime(request)
    prefs = await rt.store.run(rt.store.get_preferences)
    return wire({"preferences": _prefs_wire(prefs) if prefs else None, "available_providers": _available(request)})


async def update_preferences(request: Request) -> Response:
    rt = runtime(request)
    body = parse(UpdatePreferencesRequest, await json_body(request))
    values = body.model_dump(exclude_none=True)
    provider = values.get("preferred_provider")
    if provider is not None and provider not in catalog.known_providers(rt.config):
        raise ApiError(400, f"Invalid provider '{provider}'", "validation_error")
    for key in ("main_agent_model", "sub_agent_model"):
        if key in values and not str(values[key]).strip():
            raise ApiError(400, f"Invalid model id for {key}", "validation_error")
    for key in ("main_agent_max_tokens", "sub_agent_max_tokens"):
        if key in values and not 1 <= values[key] <= MAX_TOKENS_LIMIT:
            raise ApiError(400, f"{key} must be between 1 and {MAX_TOKENS_LIMIT}", "validation_error")
    prefs = await rt.store.run(rt.store.update_preferences, values)
    return wire(_prefs_wire(prefs))


async def available_providers(request: Request) -> Response:
    return wire(_available(request))


async def reset_preferences(request: Request) -> Response:
    rt = runtime(request)
    provider = rt.config.provider
    defaults = {
        "preferred_provider": provider,
        "main_agent_model": catalog.default_model(provider, rt.config),
        "sub_agent_model": catalog.default_model(provider, rt.config),
        **DEFAULT_MAX_TOKENS,
    }
    prefs = await rt.store.run(rt.store.reset_preferences, defaults)
    return wire(_prefs_wire(prefs))


ROUTES = [
    Route("/health", health, methods=["GET"]),
    Route("/health/auth", oauth_health, methods=["GET"]),
    Route("/api/system/info", system_info, methods=["GET"]),
    Route("/api/mcp", mcp, methods=["GET"]),
    Route("/api/tools", llm_tools, methods=["GET"]),
    Route("/api/tools/status", tools_status, methods=["GET"]),
    Route("/api/tools/credentials-status", tools_credentials, methods=["GET"]),
    Route("/api/auth/status", auth_status, methods=["GET"]),
    Route("/api/auth/validate", auth_validate, methods=["GET"]),
    Route("/api/auth/api-key", store_api_key, methods=["POST"]),
    Route("/api/auth/oauth-callback", oauth_unsupported, methods=["POST"]),
    Route("/api/auth/oauth/{provider}", oauth_unsupported, methods=["POST"]),
    Route("/api/auth/{provider}", delete_credentials, methods=["DELETE"]),
    Route("/internal/auth/refresh-tokens", refresh_tokens, methods=["POST"]),
    Route("/api/preferences", get_preferences, methods=["GET"]),
    Route("/api/preferences", update_preferences, methods=["POST"]),
    Route("/api/preferences/providers", available_providers, methods=["GET"]),
    Route("/api/preferences/reset", reset_preferences, methods=["POST"]),
]
