"""A scripted HTTP/1.1 server on 127.0.0.1 for provider tests.

Each request gets the next scripted `Reply` (raw bytes: SSE or JSON) and is recorded, so tests can
assert both on what the provider yields and on the exact request body it sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event; dicts are JSON-encoded."""
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


@dataclass
class Reply:
    status: int = 200
    chunks: list[bytes] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # after the chunks, keep the connection open until the client hangs up (cancellation tests)
    hold_open: bool = False

    @staticmethod
    def json(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
        return Reply(
            status, [json.dumps(body).encode()], {"content-type": "application/json", **(headers or {})}
        )


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests"}


class WireServer:
    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[Seen] = []
        self.client_gone = asyncio.Event()  # a held-open connection was closed by the client
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> WireServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Seen(method, path, headers, json.loads(raw) if raw else None))
            reply = self.replies.pop(0) if self.replies else Reply.json(500, {"error": "no reply scripted"})
            out_headers = {"content-type": "text/event-stream", "connection": "close", **reply.headers}
            if not reply.hold_open and reply.status != 200:
                out_headers["content-length"] = str(sum(len(c) for c in reply.chunks))
            status_line = f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
            writer.write(
                (status_line + "".join(f"{k}: {v}\r\n" for k, v in out_headers.items()) + "\r\n").encode()
            )
            await writer.drain()
            for chunk in reply.chunks:
                writer.write(chunk)
                await writer.drain()
            if reply.hold_open:
                while await reader.read(1024):
                    pass
                self.client_gone.set()
        except (ConnectionError, asyncio.IncompleteReadError):
            self.client_gone.set()
        finally:
            writer.close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
