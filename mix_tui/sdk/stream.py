"""`SessionStream`: one persistent, self-healing SSE connection to `GET /stream?sessionId=`.

A background task owns the connection; the caller iterates typed events (plus three markers) and
may await `wait_connected()` before it POSTs, because a Go server buffers nothing: events sent
before the stream is registered are lost (mix-contract.md §5.1). When the connection drops, fails,
or stays silent longer than `silence_timeout`, the task yields `ConnectionLost`, waits a jittered
exponential backoff and reconnects with `Last-Event-ID`; after the next `connected` it yields
`Reconnected` so the caller resyncs from history (§4.3, §5.9). A frame it cannot read becomes
`MalformedFrame` and the stream goes on. Only a rejection that retrying cannot fix (404, the Go
"Invalid session ID" error frame, 400, 401) ends the iteration, by raising the typed error.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeAlias

import httpx

from mix_tui.protocol.events import Connected, Error, EventParseError, MixEventType, parse_event
from mix_tui.sdk.errors import MixConnectionError, MixError, NotFoundError, error_for_status
from mix_tui.sdk.sse import SSEDecoder


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The stream is back after a loss; events may have been missed: resync from history."""

    attempt: int  # the reconnect attempt that succeeded (1 = the first retry)


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """A frame that could not be read; it was skipped."""

    raw: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionLost:
    """The connection dropped, failed or went silent; the next attempt starts in `retry_in` s."""

    reason: str
    retry_in: float


StreamItem: TypeAlias = MixEventType | Reconnected | MalformedFrame | ConnectionLost
StreamState: TypeAlias = Literal["connecting", "connected", "reconnecting", "closed"]

_Batch: TypeAlias = list[StreamItem]
_END = None  # queue sentinel: the reader has stopped
_TRANSIENT_STATUS = frozenset({408, 425, 429})  # plus every 5xx: worth another try


class SessionStream:
    """Async iterator over one session's events; see the module docstring."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        session_id: str,
        *,
        last_event_id: str | None = None,
        silence_timeout: float = 45.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 5.0,
        connect_timeout: float = 5.0,
        max_buffered_batches: int = 256,
    ) -> None:
        self.session_id = session_id
        self.last_event_id = last_event_id
        self.connected = asyncio.Event()
        self.state: StreamState = "connecting"
        self.silence_timeout = silence_timeout
        self._http = http
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        # no read timeout: an idle stream is normal; the silence watchdog judges liveness instead
        self._timeout = httpx.Timeout(connect=connect_timeout, read=None, write=connect_timeout, pool=None)
        # batches (one per network chunk) keep the queue cost per event negligible
        self._queue: asyncio.Queue[_Batch | BaseException | None] = asyncio.Queue(max_buffered_batches)
        self._task: asyncio.Task[None] | None = None
        self._batch: _Batch = []
        self._pos = 0
        self._attempt = 0  # failed attempts since the last `connected`
        self._finished = False
        self._failure: BaseException | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background reader (iterating, `async with` and `wait_connected` do it too)."""
        if self._task is None and self.state != "closed":
            self._task = asyncio.create_task(self._run(), name=f"mix-stream-{self.session_id}")

    async def aclose(self) -> None:
        self.state = "closed"
        self.connected.clear()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._finished = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)  # wake a consumer blocked in __anext__

    async def __aenter__(self) -> SessionStream:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def wait_connected(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (agreed API)
        """Return once `connected` arrived on the current connection; raise if the stream failed."""
        self.start()
        if self.connected.is_set():
            return
        if self.state == "closed":
            raise self._failure or MixConnectionError(f"stream for session {self.session_id} is closed")
        waiter = asyncio.ensure_future(self.connected.wait())
        watched: set[asyncio.Future[Any]] = {waiter}
        if self._task is not None:
            watched.add(self._task)
        try:
            await asyncio.wait(watched, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if self.connected.is_set():
            return
        if self._failure is not None:
            raise self._failure
        raise MixConnectionError(f"stream for session {self.session_id} not connected after {timeout}s")

    # ---- iteration ---------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        self.start()
        return self

    async def __anext__(self) -> StreamItem:
        pos = self._pos
        if pos < len(self._batch):
            self._pos = pos + 1
            return self._batch[pos]
        while not self._finished:
            got = await self._queue.get()
            if got is _END:
                self._finished = True
                break
            if isinstance(got, BaseException):
                self._finished = True
                raise got
            if got:
                self._batch = got
                self._pos = 1
                return got[0]
        raise StopAsyncIteration

    # ---- the reader task ---------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                self.state = "reconnecting" if self._attempt else "connecting"
                reason = await self._connect_once()
                self.connected.clear()
                self._attempt += 1
                delay = self._backoff(self._attempt)
                self.state = "reconnecting"
                await self._queue.put([ConnectionLost(reason, delay)])
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a terminal rejection, or a bug: hand it to the consumer
            self._failure = exc
            self.state = "closed"
            self.connected.clear()
            await self._queue.put(exc)
            await self._queue.put(_END)

    def _backoff(self, attempt: int) -> float:
        base: float = min(self._backoff_max, self._backoff_initial * 2.0 ** (attempt - 1))
        return min(self._backoff_max, base * random.uniform(0.75, 1.25))

    async def _connect_once(self) -> str:
        """One connection, read until it ends; returns why it ended, raises if retrying is futile."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        try:
            async with self._http.stream(
                "GET",
                "/stream",
                params={"sessionId": self.session_id},
                headers=headers,
                timeout=self._timeout,
            ) as response:
                status = response.status_code
                if status != 200:
                    body = (await response.aread()).decode("utf-8", "replace")
                    error = error_for_status(status, body, response.reason_phrase)
                    if status >= 500 or status in _TRANSIENT_STATUS:
                        return f"HTTP {status}: {error.message}"
                    raise error
                return await self._pump(response)
        except httpx.RequestError as exc:
            return f"connection error: {exc or type(exc).__name__}"

    async def _pump(self, response: httpx.Response) -> str:
        decoder = SSEDecoder(self.last_event_id)
        chunks = response.aiter_bytes()
        connected_here = False
        while True:
            try:
                async with asyncio.timeout(self.silence_timeout):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return "the server closed the stream"
            except TimeoutError:
                return f"no data for {self.silence_timeout:g}s"
            frames = decoder.feed(chunk)
            if not frames:
                continue
            self.last_event_id = decoder.last_event_id
            items: _Batch = []
            append = items.append
            for name, data, _ in frames:
                try:
                    event = parse_event(name, data)
                except (EventParseError, ValueError) as exc:
                    reason = exc.reason if isinstance(exc, EventParseError) else str(exc)
                    append(MalformedFrame(f"event: {name}\ndata: {data}", reason))
                    continue
                append(event)
                # cheap string tests first: this loop runs for every event of every stream
                if name == "connected" and isinstance(event, Connected):
                    connected_here = True
                    self.state = "connected"
                    self.connected.set()
                    if self._attempt:
                        append(Reconnected(self._attempt))
                        self._attempt = 0
                elif name == "error" and not connected_here and isinstance(event, Error):
                    # Go rejects an unknown session with 200 + one `error` frame, then closes
                    items.pop()
                    if items:
                        await self._queue.put(items)
                    raise _rejection(event.error)
            await self._queue.put(items)


def _rejection(message: str) -> MixError:
    if "session" in message.lower():
        return NotFoundError(message, status=200, error_type="not_found")
    return MixError(message, status=200)
