"""The REST transport under every resource group: timeouts, the retry policy, typed errors, parsing.

Retry policy (mix-contract.md §1, §8.28): only idempotent requests (GET, DELETE, PUT, and PATCHes the
caller marks idempotent) are retried, a couple of times with jittered backoff, and only on
connection errors and 429/502/503/504. A POST is never retried: re-sending a message would start a
second turn. A `Retry-After` is honoured: the retry waits that long, unless it is longer than
`retry_after_max`; then the error is raised at once and its message says when to try again.
"""

from __future__ import annotations

import asyncio
import functools
import random
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from mix_tui import __version__
from mix_tui.sdk.errors import MixConnectionError, ProtocolError, error_for_status

M = TypeVar("M", bound=pydantic.BaseModel)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


def path_part(value: str) -> str:
    """One URL path segment, escaped (file names may hold spaces, `#`, `/`)."""
    return quote(value, safe="")


class Transport:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retries: int = 2,
        retry_backoff: float = 0.25,
        retry_after_max: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.retry_backoff = retry_backoff
        self.retry_after_max = retry_after_max
        headers = {"Accept": "application/json", "User-Agent": f"mix-tui/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise the matching `MixError`."""
        retryable = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempts = 1 + (self.retries if retryable else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.request(method, path, params=params, json=json, files=files)
            except httpx.TransportError as exc:
                if attempt < attempts:
                    await self._pause(attempt)
                    continue
                raise MixConnectionError(_describe(exc, method, self.base_url + path)) from exc
            except httpx.RequestError as exc:  # decoding errors and the like: not transient
                raise MixConnectionError(_describe(exc, method, self.base_url + path)) from exc
            if response.is_success:
                return response
            error = error_for_status(response.status_code, response.text, response.reason_phrase, response.headers)
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                if error.retry_after is None:
                    await self._pause(attempt)
                    continue
                if error.retry_after <= self.retry_after_max:
                    await asyncio.sleep(error.retry_after)
                    continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _pause(self, attempt: int) -> None:
        await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1) * random.uniform(0.75, 1.25))


def _describe(exc: httpx.RequestError, method: str, url: str) -> str:
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        detail = f"timed out ({type(exc).__name__})"
    return f"{method} {url}: {detail}"


def parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content or b"{}")
    except pydantic.ValidationError as exc:
        raise _protocol_error(model.__name__, response, exc) from None


def parse_list(model: type[M], response: httpx.Response) -> list[M]:
    """A JSON array of `model`; Go sends `null` for an empty (nil) slice."""
    try:
        return _list_adapter(model).validate_json(response.content or b"null") or []
    except pydantic.ValidationError as exc:
        raise _protocol_error(f"list[{model.__name__}]", response, exc) from None


def parse_map(model: type[M], response: httpx.Response) -> dict[str, M]:
    try:
        return _map_adapter(model).validate_json(response.content or b"null") or {}
    except pydantic.ValidationError as exc:
        raise _protocol_error(f"dict[str, {model.__name__}]", response, exc) from None


@functools.cache
def _list_adapter(model: type[M]) -> pydantic.TypeAdapter[list[M] | None]:
    return pydantic.TypeAdapter(list[model] | None)  # type: ignore[valid-type, arg-type]


@functools.cache
def _map_adapter(model: type[M]) -> pydantic.TypeAdapter[dict[str, M] | None]:
    return pydantic.TypeAdapter(dict[str, model] | None)  # type: ignore[valid-type, arg-type]


def _protocol_error(what: str, response: httpx.Response, exc: pydantic.ValidationError) -> ProtocolError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    message = f"unexpected {what} from {response.request.method} {response.request.url.path}: {where}: {first['msg']}"
    return ProtocolError(message, status=response.status_code, body=response.text[:500])
