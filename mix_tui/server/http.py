"""HTTP helpers shared by the routes: the error envelope, lenient JSON bodies, bare JSON answers."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from mix_tui.protocol.models import ErrorResponse, RESTError
from mix_tui.server.runtime import Runtime

M = TypeVar("M", bound=BaseModel)

_TYPES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "bad_request", 422: "validation_error"}


class ApiError(Exception):
    """Raised by a route; rendered as `{"error": {"code", "message", "type"}}`."""

    def __init__(self, code: int, message: str, type: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.type = type or _TYPES.get(code, "internal_error" if code >= 500 else "bad_request")


def error_response(code: int, message: str, type: str | None = None, headers: dict[str, str] | None = None) -> Response:
    err = ApiError(code, message, type)
    body = ErrorResponse(error=RESTError(code=err.code, message=err.message, type=err.type))
    return JSONResponse(body.to_wire(), status_code=code, headers=headers)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what} with ID '{ident}' not found")


def wire(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """A bare JSON body (no envelope) from models, lists of models, or plain data."""
    return JSONResponse(_plain(value), status_code=status, headers=headers)


class LargeJSON(Response):
    """Ready JSON bytes, written in slices: one 40 MB write makes asyncio's transport buffer the
    rest and shift it down after every partial send (quadratic copying); 1 MB at a time drains."""

    media_type = "application/json"
    SLICE = 1 << 20

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = memoryview(self.body)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        for start in range(0, max(len(body), 1), self.SLICE):
            chunk = bytes(body[start : start + self.SLICE])
            await send({"type": "http.response.body", "body": chunk, "more_body": start + self.SLICE < len(body)})


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return json.loads(value.model_dump_json(by_alias=True, exclude_none=True))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object. An empty body reads as `{}` when not required."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "Request body is required (a JSON object)", "validation_error")
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"Invalid JSON in request body: {exc}") from None
    except RecursionError:
        raise ApiError(400, "Invalid JSON in request body: nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object", "validation_error")
    where = _lone_surrogate(data)
    if where is not None:
        # JSON allows "\ud800" on its own, but it is no character: it cannot be stored or sent on
        raise ApiError(
            400, f"Validation error for field '{where}': {where} contains an unpaired UTF-16 surrogate escape",
            "validation_error",
        )
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> str | None:
    """The path of the first string (key or value) holding a lone surrogate; json.loads has already
    joined the escapes of every valid pair into one character, so any surrogate left is unpaired.
    Iterative: a body nested as deep as json.loads allows must not exhaust the stack here."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path or "body"
            continue
        children: Any = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in children:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                return name
            stack.append((name, child))
    return None


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate a body leniently (unknown fields ignored); errors read like Go's."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        problem = "is required" if first.get("type") == "missing" else first.get("msg", "is invalid")
        raise ApiError(400, f"Validation error for field '{field}': {field} {problem}", "validation_error") from None


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def base_url(request: Request) -> str:
    """Absolute URL of this server as the client reached it (for FileInfo.url)."""
    return str(request.base_url).rstrip("/")
