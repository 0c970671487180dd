"""`SessionStream`: one persistent, self-healing SSE connection to `GET /stream?sessionId=`.

A background task owns the connection; the caller iterates typed events (plus four markers) and
may await `wait_connected()` before it POSTs, because a Go server buffers nothing: events sent
before the stream is registered are lost (mix-contract.md §5.1). When the connection drops, fails,
or stays silent longer than `silence_timeout`, the task yields `ConnectionLost`, waits a jittered
exponential backoff (or the server's `Retry-After`, capped) and reconnects with `Last-Event-ID`;
after the next `connected` it yields `Reconnected`. When events may have been missed it also yields
`Resync`, and the caller must re-read history (§4.3, §5.9): the server said it cannot replay from
that id (our `resync` event), the server's `streamEpoch` changed (it restarted and its ids started
over), or the server does not replay at all (Go: no epoch). Without a `Resync`, the replay filled
the gap. A frame it cannot read becomes `MalformedFrame` and the stream goes on: no bytes a server
sends end the stream for good. Only a rejection that retrying cannot fix (404, the Go "Invalid
session ID" error frame, 400, 401/403) ends the iteration, by raising the typed error, which stays
readable as `failure` while `state` is "closed".
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

from mix_tui.protocol.events import Connected, Error, EventParseError, MixEventType, StreamResync, parse_event
from mix_tui.sdk.errors import MixConnectionError, NotFoundError, error_for_status
from mix_tui.sdk.sse import DEFAULT_MAX_LINE_BYTES, SSEDecoder


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The stream is back after a loss; events may have been missed: resync from history."""

    attempt: int  # the reconnect attempt that succeeded (1 = the first retry)


@dataclass(frozen=True, slots=True)
class Resync:
    """Events were (or may have been) missed and will not be replayed: re-read history now.

    The stream itself goes on live. `oldest_event_id` is the oldest id the server still had, when
    it said so."""

    reason: str
    oldest_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """A frame that could not be read; it was skipped. `raw` is cut to a few KiB."""

    raw: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionLost:
    """The connection dropped, failed or went silent; the next attempt starts in `retry_in` s."""

    reason: str
    retry_in: float


StreamItem: TypeAlias = MixEventType | Reconnected | Resync | MalformedFrame | ConnectionLost
StreamState: TypeAlias = Literal["connecting", "connected", "reconnecting", "closed"]

_Batch: TypeAlias = list[StreamItem]
_END = None  # queue sentinel: the reader has stopped
_TRANSIENT_STATUS = frozenset({408, 425, 429})  # plus every 5xx: worth another try
_MAX_ERROR_BODY = 64 * 1024  # of a non-200 answer: enough for any error message, not a flood
_MAX_RAW = 2048  # characters of a malformed frame kept for the caller
NO_REPLAY = "the server does not replay missed events"
RESTARTED = "the server restarted: its event ids started over"
OVERFLOW_TYPE = "stream_overflow"
_WATCHED = frozenset({"connected", "error", "resync"})  # the event names the reader itself acts on  # our server's notice before it cuts a client that fell behind


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
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        retry_after_max: float = 60.0,
        extensions: tuple[str, ...] = (),
    ) -> None:
        self.session_id = session_id
        self.extensions = extensions  # extension events asked for by name (`&extensions=`)
        self.last_event_id = last_event_id
        self.epoch: str | None = None  # the server's `streamEpoch` from the last `connected`
        self.connected = asyncio.Event()
        self.state: StreamState = "connecting"
        self.silence_timeout = silence_timeout
        self._http = http
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._max_line_bytes = max_line_bytes
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

    @property
    def failure(self) -> BaseException | None:
        """The error that ended the stream (e.g. `UnauthorizedError` after a 401); None otherwise."""
        return self._failure

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
                reason, asked = await self._connect_once()
                self.connected.clear()
                self._attempt += 1
                delay = self._backoff(self._attempt)
                if asked is not None:  # the server's Retry-After, honoured up to a sane cap
                    delay = min(max(delay, asked), self._retry_after_max)
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

    async def _connect_once(self) -> tuple[str, float | None]:
        """One connection, read until it ends; returns why it ended (and any Retry-After in
        seconds), raises if retrying is futile."""
        headers = [(b"Accept", b"text/event-stream"), (b"Cache-Control", b"no-cache")]
        # compressed SSE is buffered by proxies, and a gzip bomb should not be ours to inflate
        headers.append((b"Accept-Encoding", b"identity"))
        if self.last_event_id is not None:  # the decoder only keeps ids that can travel back
            headers.append((b"Last-Event-ID", self.last_event_id.encode()))
        params = {"sessionId": self.session_id}
        if self.extensions:  # extension events of our server; other servers ignore the parameter
            params["extensions"] = ",".join(self.extensions)
        request = self._http.build_request("GET", "/stream", params=params, headers=headers, timeout=self._timeout)
        try:
            # a server that accepts the connection but never answers is as dead as a silent one
            async with asyncio.timeout(self.silence_timeout):
                response = await self._http.send(request, stream=True)
        except TimeoutError:
            return f"no response for {self.silence_timeout:g}s", None
        except httpx.RequestError as exc:
            return f"connection error: {exc or type(exc).__name__}", None
        try:
            status = response.status_code
            if status == 200:
                return await self._pump(response), None
            try:
                async with asyncio.timeout(self.silence_timeout):
                    body = await _bounded_body(response)
            except (TimeoutError, httpx.RequestError):
                body = ""
            error = error_for_status(status, body, response.reason_phrase, response.headers)
            if status >= 500 or status in _TRANSIENT_STATUS:
                return f"HTTP {status}: {error.message}", error.retry_after
            raise error
        except httpx.RequestError as exc:
            return f"connection error: {exc or type(exc).__name__}", None
        finally:
            await response.aclose()

    async def _pump(self, response: httpx.Response) -> str:
        asked_from = self.last_event_id  # the position this connection was asked to resume from
        decoder = SSEDecoder(self.last_event_id, max_line_bytes=self._max_line_bytes)
        chunks = response.aiter_bytes()
        connected_here = resynced_here = False
        ended = "the server closed the stream"
        while True:
            try:
                async with asyncio.timeout(self.silence_timeout):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return ended
            except TimeoutError:
                return f"no data for {self.silence_timeout:g}s"
            frames = decoder.feed(chunk)
            if not frames:
                continue
            self.last_event_id = decoder.last_event_id
            items: _Batch = []
            append = items.append
            for name, data, _, problem in frames:
                if problem is not None:
                    append(MalformedFrame(_raw(name, data), problem))
                    continue
                try:
                    event = parse_event(name, data)
                except EventParseError as exc:
                    append(MalformedFrame(_raw(name, data), exc.reason))
                    continue
                except Exception as exc:  # no payload may end the stream
                    append(MalformedFrame(_raw(name, data), f"unreadable: {type(exc).__name__}"))
                    continue
                if name in _WATCHED:  # one set lookup first: this loop runs for every event of every stream
                    if name == "connected" and isinstance(event, Connected):
                        connected_here = True
                        append(event)
                        resynced_here = self._on_connected(event, asked_from, append)
                        continue
                    if name == "resync":
                        if not resynced_here:
                            resynced_here = True
                            append(_resync_marker(data))
                        continue
                    if isinstance(event, Error):
                        if event.type == OVERFLOW_TYPE:  # the server is about to cut us: not a turn event
                            ended = event.error or "the server cut this client off"
                            continue
                        if not connected_here and "session" in event.error.lower():
                            # Go rejects an unknown session with 200 + one `error` frame, then closes
                            if items:
                                await self._queue.put(items)
                            raise NotFoundError(event.error, status=200, error_type="not_found")
                append(event)
            await self._queue.put(items)

    def _on_connected(self, event: Connected, asked_from: str | None, append: Any) -> bool:
        """Mark the stream connected; returns True when a `Resync` was appended."""
        self.state = "connected"
        self.connected.set()
        if self._attempt:
            append(Reconnected(self._attempt))
            self._attempt = 0
        previous, self.epoch = self.epoch, event.stream_epoch
        if asked_from is None:
            return False
        if event.stream_epoch is None:
            append(Resync(NO_REPLAY))
            return True
        if previous is not None and previous != event.stream_epoch:
            append(Resync(RESTARTED))
            return True
        return False


async def _bounded_body(response: httpx.Response) -> str:
    """At most `_MAX_ERROR_BODY` bytes of an error answer (a hostile one may never end)."""
    pieces: list[bytes] = []
    size = 0
    async for piece in response.aiter_bytes():
        pieces.append(piece)
        size += len(piece)
        if size >= _MAX_ERROR_BODY:
            break
    return b"".join(pieces)[:_MAX_ERROR_BODY].decode("utf-8", "replace")


def _raw(name: str, data: str) -> str:
    raw = f"event: {name}\ndata: {data}"
    return raw if len(raw) <= _MAX_RAW else f"{raw[:_MAX_RAW]}… ({len(raw) - _MAX_RAW:,} more characters)"


def _resync_marker(data: str) -> Resync:
    try:
        notice = StreamResync.model_validate_json(data or "{}")
    except ValueError:
        return Resync("the server cannot replay the missed events")
    return Resync(notice.reason or "the server cannot replay the missed events", notice.last_event_id)
