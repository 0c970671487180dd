"""A small SSE reader for the server tests: raw frames (id, event, data) over a real httpx stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Frame:
    id: str | None
    event: str
    data: dict[str, Any]
    raw_data: str

    @property
    def num(self) -> int:
        return int(self.id) if self.id is not None else -1


def is_terminal(frame: Frame) -> bool:
    if frame.event == "complete":
        return not frame.data.get("parentToolCallId")
    if frame.event == "error":
        retry = ("retryAfter", "attempt", "maxAttempts")
        return frame.data.get("type") != "rate_limit_error" and not any(k in frame.data for k in retry)
    return False


class SSEReader:
    """Opens `GET /stream` and reads frames in a background task into a queue."""

    def __init__(
        self, client: httpx.AsyncClient, session_id: str, last_event_id: str | None = None,
        extensions: str | None = None,
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.last_event_id = last_event_id
        self.extensions = extensions  # `&extensions=` (extension events the stream asks for)
        self.frames: list[Frame] = []
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self._queue: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._opened = asyncio.Event()

    async def __aenter__(self) -> SSEReader:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._opened.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        params = {"sessionId": self.session_id}
        if self.extensions is not None:
            params["extensions"] = self.extensions
        try:
            async with self.client.stream("GET", "/stream", params=params, headers=headers, timeout=None) as response:
                self.status = response.status_code
                self.headers = response.headers
                self._opened.set()
                if response.status_code != 200:
                    await response.aread()
                    return
                fields: dict[str, str] = {}
                data_lines: list[str] = []
                async for line in response.aiter_lines():
                    if line == "":
                        if "event" in fields or data_lines:
                            raw = "\n".join(data_lines)
                            frame = Frame(fields.get("id"), fields.get("event", "message"), json.loads(raw or "{}"), raw)
                            self.frames.append(frame)
                            await self._queue.put(frame)
                        fields, data_lines = {}, []
                        continue
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "data":
                        data_lines.append(value)
                    else:
                        fields[name] = value
        finally:
            self._opened.set()
            await self._queue.put(None)

    async def next(self, within: float = 10) -> Frame | None:
        """The next frame, or None when the stream ended."""
        return await asyncio.wait_for(self._queue.get(), within)

    async def until(self, predicate: Callable[[Frame], bool], within: float = 15) -> list[Frame]:
        """Frames up to and including the first that matches; raises if the stream ends first."""
        got: list[Frame] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await self.next(max(0.01, deadline - loop.time()))
            if frame is None:
                raise AssertionError(f"stream ended before the expected frame; got {[f.event for f in got]}")
            got.append(frame)
            if predicate(frame):
                return got

    async def turn(self, within: float = 20) -> list[Frame]:
        return await self.until(is_terminal, within)

    async def event(self, name: str, within: float = 15) -> Frame:
        return (await self.until(lambda f: f.event == name, within))[-1]
