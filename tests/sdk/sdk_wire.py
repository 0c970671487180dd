"""A scripted HTTP/1.1 server on 127.0.0.1 that writes every byte itself.

Each request is recorded (method, path, query, headers, body) and answered by the next handler
scripted for its route; the last handler repeats. Handlers write raw responses: JSON with any status,
bodies that are not JSON, SSE over `Connection: close` or chunked encoding, a connection dropped
mid-body, or a stream that goes silent. Nothing here imports the SDK: the tests see it only through
real sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]
Step = bytes | float | Callable[[], Awaitable[None]]  # bytes to write, seconds to wait, or an await


class WireServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[tuple[str, str], list[Handler]] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    def route(self, method: str, path: str, *handlers: Handler) -> None:
        self._routes[(method, path)] = list(handlers)

    def hits(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            handlers = self._routes.get((request.method, request.path))
            if not handlers:
                await json_response(
                    404, {"error": {"code": 404, "message": "no route", "type": "not_found"}}
                )(request, writer)
                return
            handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
            await handler(request, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    parts = urlsplit(target)
    return Request(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), headers, body)


def _head(status: int, headers: dict[str, str]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Whatever"
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def text_response(status: int, body: str | bytes, content_type: str = "text/plain; charset=utf-8") -> Handler:
    data = body.encode() if isinstance(body, str) else body

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Length": str(len(data)), "Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        writer.write(_head(status, headers) + data)
        await writer.drain()

    return handle


def json_response(status: int, payload: Any) -> Handler:
    body = json.dumps(payload, separators=(",", ":")) if payload is not ... else ""
    return text_response(status, body, "application/json")


def empty_response(status: int) -> Handler:
    return text_response(status, b"", "")


def slow_response(delay: float, then: Handler) -> Handler:
    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(delay)
        await then(request, writer)

    return handle


async def drop(request: Request, writer: asyncio.StreamWriter) -> None:
    """Close the connection without answering."""


def sse(*steps: Step, chunked: bool = False, end: str = "close") -> Handler:
    """An SSE response. `end`: "close" (a clean end of body), "cut" (chunked body broken off
    without its terminator) or "hang" (stay open and silent until the server stops)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        headers.update({"Transfer-Encoding": "chunked"} if chunked else {"Connection": "close"})
        writer.write(_head(200, headers))
        await writer.drain()
        for step in steps:
            if isinstance(step, bytes):
                writer.write(b"%x\r\n%s\r\n" % (len(step), step) if chunked else step)
                await writer.drain()
            elif isinstance(step, float | int):
                await asyncio.sleep(step)
            else:
                await step()
        if end == "hang":
            await asyncio.Event().wait()
        if chunked and end == "close":
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    return handle


def frame(
    event: str | None, data: Any, *, id: str | int | None = None, retry: int | None = None, eol: str = "\n"
) -> bytes:
    """One SSE frame; `data` is JSON-encoded unless it is already a string."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in text.split("\n"))
    if retry is not None:
        lines.append(f"retry: {retry}")
    return (eol.join(lines) + eol + eol).encode()
