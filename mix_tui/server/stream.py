"""`GET /stream?sessionId=…`: SSE delivery of one session's broker channel.

A raw ASGI endpoint, so it controls exactly what is written and when: headers, then `connected`
(with the broker's `streamEpoch`), then a `resync` event when the requested `Last-Event-ID` cannot
be replayed, then still-pending permission prompts the client has not seen, then the replay after
`Last-Event-ID`, then live frames (batched when several are waiting) and a heartbeat after 15 s of
silence. There is no write timeout: the stream lives until the client leaves, the session is
deleted, the subscriber falls too far behind, or the server stops. Extension events of ours
(`session_updated`) reach only a stream that names them in `&extensions=`: the official SDKs fail on
an event name they do not know.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from mix_tui.protocol.events import Connected, Error, Heartbeat, MixEvent, StreamResync, encode_event
from mix_tui.server.broker import Closed, Frame, Subscriber
from mix_tui.server.http import error_response
from mix_tui.server.runtime import Runtime

RETRY_MS = 1000
BATCH = 64
SLOW_NOTICE = (
    "stream closed: this client fell too far behind the event stream; reconnect with Last-Event-ID to resume"
)


def parse_last_event_id(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        return None  # not one of ours (e.g. another server's id): behave as a fresh connection
    return value if value >= 0 else None


class StreamEndpoint:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        rt: Runtime = request.app.state.runtime
        sid = request.query_params.get("sessionId", "").strip()
        if not sid:
            await error_response(400, "sessionId query parameter is required", "validation_error")(scope, receive, send)
            return
        if await rt.store.run(rt.store.get_session, sid) is None:
            await error_response(404, f"Session with ID '{sid}' not found")(scope, receive, send)
            return
        # the Tauri client sends it as a query parameter
        raw_last = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
        last = parse_last_event_id(raw_last)
        if rt.shutting_down.is_set():  # checked right before subscribing: close_all() may have run already
            await error_response(503, "The server is shutting down", "internal_error")(scope, receive, send)
            return
        # extension events this client understands (ours asks for session_updated; spec clients never do)
        asked = request.query_params.get("extensions", "")
        extensions = frozenset(name.strip() for name in asked.split(",") if name.strip())
        sub, replay = rt.broker.subscribe(sid, last, extensions)
        if last is None and raw_last and raw_last.strip():  # asked to resume from an id we never gave
            sub.resync_reason = f"Last-Event-ID {raw_last.strip()[:64]!r} is not an event id of this server"
        watcher = asyncio.ensure_future(self._watch_disconnect(receive, rt, sub))
        try:
            await self._deliver(send, rt, sid, sub, last, replay)
        except OSError:
            pass  # the client went away mid-write
        finally:
            watcher.cancel()
            rt.broker.unsubscribe(sub)

    @staticmethod
    async def _watch_disconnect(receive: Receive, rt: Runtime, sub: Subscriber) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                rt.broker.kick(sub, "disconnected")
                return

    async def _deliver(
        self, send: Send, rt: Runtime, sid: str, sub: Subscriber, last: int | None, replay: list[Frame]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                    (b"connection", b"keep-alive"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        start = sub.last_id
        head = [encode_event(Connected(session_id=sid, stream_epoch=rt.broker.epoch), start, retry=RETRY_MS)]
        fresh = last is None or sub.resync_reason is not None
        if sub.resync_reason is not None:
            notice = StreamResync(reason=sub.resync_reason, last_event_id=str(sub.oldest_id))
            head.append(encode_event(notice, start))
        # prompts still waiting for an answer that this client has not seen and replay will not bring
        replayed = {f.id for f in replay}
        waiting: list[tuple[int, MixEvent]] = [(p.frame_id, p.event) for p in rt.permissions.pending_for(sid)]
        waiting += [(n.frame_id, n.event) for n in rt.notifications.pending_for(sid)]
        for frame_id, event in waiting:
            if frame_id not in replayed and (fresh or frame_id > start):
                head.append(encode_event(event, start))
        await self._write(send, b"".join(head))
        for offset in range(0, len(replay), BATCH):
            chunk = replay[offset : offset + BATCH]
            await self._write(send, b"".join(f.data for f in chunk))
            sub.last_id = chunk[-1].id
        await self._live(send, rt, sub)

    async def _live(self, send: Send, rt: Runtime, sub: Subscriber) -> None:
        interval = rt.config.heartbeat_interval
        while True:
            try:
                item = sub.queue.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), timeout=interval)
                except TimeoutError:
                    await self._write(send, encode_event(Heartbeat(), sub.last_id))
                    continue
            if isinstance(item, Closed):
                await self._closed(send, sub, item.reason)
                return
            batch = [item]
            closed: Closed | None = None
            while len(batch) < BATCH and not sub.queue.empty():
                more = sub.queue.get_nowait()
                if isinstance(more, Closed):
                    closed = more
                    break
                batch.append(more)
            await self._write(send, b"".join(f.data for f in batch))
            sub.last_id = batch[-1].id
            if closed is not None:
                await self._closed(send, sub, closed.reason)
                return

    async def _closed(self, send: Send, sub: Subscriber, reason: str) -> None:
        if reason == "overflow":
            # not terminal for a turn (it carries retry info): the client resumes from sub.last_id
            notice = Error(error=SLOW_NOTICE, type="stream_overflow", retry_after=RETRY_MS)
            with contextlib.suppress(OSError):
                await self._write(send, encode_event(notice, sub.last_id))
        if reason != "disconnected":
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _write(send: Send, data: bytes) -> None:
        await send({"type": "http.response.body", "body": data, "more_body": True})
