"""The Starlette application: every route, the Host/token guard, and the error envelope everywhere."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mix_tui.server import (
    routes_files,
    routes_messages,
    routes_queue,
    routes_search,
    routes_session_model,
    routes_sessions,
    routes_system,
)
from mix_tui.server.config import ServerConfig, is_loopback_host
from mix_tui.server.http import ApiError, error_response
from mix_tui.server.runtime import Runtime
from mix_tui.server.stream import StreamEndpoint
from mix_tui.server.turns import TurnManager

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/health"})


class Guard:
    """Refuses requests whose Host is not this machine (DNS rebinding) or that lack the bearer token."""

    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self._token = config.token.encode() if config.token else None
        self._hosts = {config.host.lower().strip("[]"), *config.extra_hosts}

    def host_allowed(self, host_header: str) -> bool:
        if self.config.allow_remote:
            return True  # exposed on purpose, and always behind a token
        host = host_header.strip().lower()
        if host.startswith("["):  # [::1]:8088
            name = host[1 : host.find("]")] if "]" in host else host
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return bool(name) and (is_loopback_host(name) or name in self._hosts)

    def origin_allowed(self, origin: str | None) -> bool:
        """Browsers send Origin on cross-site requests, even "simple" ones no preflight guards: a web
        page must not drive a local server (most of all one started with --no-token)."""
        if origin is None or self.config.allow_remote:
            return True
        host = urlsplit(origin).netloc
        return bool(host) and self.host_allowed(host)

    def token_ok(self, authorization: str) -> bool:
        if self._token is None:
            return True
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.host_allowed(host):
            response = error_response(403, f"Host '{host}' is not allowed; use 127.0.0.1 or localhost", "unauthorized")
        elif not self.origin_allowed(headers.get("origin")):
            response = error_response(403, "Cross-origin requests are not allowed", "unauthorized")
        elif scope["path"] not in PUBLIC_PATHS and not self.token_ok(headers.get("authorization", "")):
            response = error_response(
                401, "Missing or invalid bearer token", "unauthorized", headers={"WWW-Authenticate": "Bearer"}
            )
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.code, exc.message, exc.type)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = f"No route for {request.method} {request.url.path}" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, message, headers=dict(exc.headers or {}))


class _MethodNotAllowed:
    """Answers every other method on a path with 405 and the path's full `Allow` list (Starlette
    would name only the first route's methods, or fall through to a templated path that happens to
    match). An ASGI app, not a function, so its route matches any method."""

    def __init__(self, methods: list[str]) -> None:
        self.allow = ", ".join(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Method {scope['method']} not allowed on {scope['path']}; allowed: {self.allow}"
        await error_response(405, message, headers={"Allow": self.allow})(scope, receive, send)


def ordered_routes(routes: list[Route]) -> list[Route]:
    """Concrete paths before templated ones, as OpenAPI matches them (`/api/auth/status` is not
    `/api/auth/{provider}`), each path's routes followed by its 405 answer for other methods."""
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    ordered: list[Route] = []
    for path, group in sorted(by_path.items(), key=lambda item: len(item[1][0].param_convertors)):
        methods: set[str] = set()
        for route in group:
            methods |= route.methods or set()
        ordered += [*group, Route(path, _MethodNotAllowed(sorted(methods)))]
    return ordered


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    return error_response(500, "Internal server error", "internal_error")


def build_app(rt: Runtime, turns: TurnManager) -> Starlette:
    routes = [
        Route("/stream", StreamEndpoint(), methods=["GET"]),
        *routes_sessions.ROUTES,
        *routes_session_model.ROUTES,
        *routes_messages.ROUTES,
        *routes_queue.ROUTES,
        *routes_files.ROUTES,
        *routes_system.ROUTES,
        *routes_search.ROUTES,
    ]
    app = Starlette(
        routes=ordered_routes(routes),
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.runtime = rt
    app.state.turns = turns
    app.add_middleware(Guard, config=rt.config)
    return app
