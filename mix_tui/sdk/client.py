"""`MixClient`: the embedded async client for a Mix server (REST resource groups + session streams).

    async with MixClient("http://localhost:8088", token=None) as client:
        session = await client.sessions.create("hello")
        async with client.stream(session.id) as stream:
            await stream.wait_connected()
            await client.messages.send(session.id, "hi")
            async for item in stream: ...

`transport=` takes any `httpx.AsyncBaseTransport` (as `httpx.AsyncClient` does): tests pass an
`httpx.MockTransport` that scripts REST answers and SSE bytes in-process.

Timeouts are explicit: 5 s to connect and 30 s to read for REST; a stream has no read timeout but a
silence watchdog (45 s by default, DESIGN.md §2.10). Closing the client closes its open streams.
"""

from __future__ import annotations

import weakref
from types import TracebackType

import httpx

from mix_tui.protocol.events import SessionUpdated
from mix_tui.sdk.admin import Auth, Preferences, System, Tools
from mix_tui.sdk.resources import Files, Messages, Notifications, Permissions, Search, Sessions
from mix_tui.sdk.sse import DEFAULT_MAX_LINE_BYTES
from mix_tui.sdk.stream import SessionStream
from mix_tui.sdk.transport import Transport


class MixClient:
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
        silence_timeout: float = 45.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._transport = Transport(
            base_url,
            token,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=retries,
            retry_backoff=retry_backoff,
            retry_after_max=retry_after_max,
            transport=transport,
        )
        self._connect_timeout = connect_timeout
        self._silence_timeout = silence_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._streams: weakref.WeakSet[SessionStream] = weakref.WeakSet()
        self.sessions = Sessions(self._transport)
        self.messages = Messages(self._transport)
        self.permissions = Permissions(self._transport)
        self.notifications = Notifications(self._transport)
        self.files = Files(self._transport)
        self.search = Search(self._transport)
        self.preferences = Preferences(self._transport)
        self.auth = Auth(self._transport)
        self.system = System(self._transport)
        self.tools = Tools(self._transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def stream(
        self,
        session_id: str,
        *,
        last_event_id: str | None = None,
        silence_timeout: float | None = None,
        max_buffered_batches: int = 256,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        extensions: tuple[str, ...] = (SessionUpdated.event_name,),
    ) -> SessionStream:
        """A persistent, reconnecting event stream for one session (started on first use).

        `max_buffered_batches`: network chunks read ahead of the caller before the reader waits;
        `max_line_bytes`: the longest SSE line (and frame) accepted, a longer one is skipped;
        `extensions`: extension events of our server to receive (this SDK reads them all)."""
        stream = SessionStream(
            self._transport.http,
            session_id,
            last_event_id=last_event_id,
            silence_timeout=self._silence_timeout if silence_timeout is None else silence_timeout,
            backoff_initial=self._backoff_initial,
            backoff_max=self._backoff_max,
            connect_timeout=self._connect_timeout,
            max_buffered_batches=max_buffered_batches,
            max_line_bytes=max_line_bytes,
            extensions=extensions,
        )
        self._streams.add(stream)
        return stream

    async def aclose(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        await self._transport.aclose()

    async def __aenter__(self) -> MixClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
