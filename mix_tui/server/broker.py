"""Per-session pub/sub: numbered frames, a replay ring, and bounded subscriber queues.

Each session has a channel with its own monotonic event ids (1, 2, 3 ...). A published event is
encoded once into an SSE frame, kept in the channel's ring and handed to every subscriber's queue.
A subscriber that falls `subscriber_queue` frames behind is cut: its queue is dropped and it receives
a final notice, so it reconnects with `Last-Event-ID` and the ring fills the gap, instead of losing
frames silently. When the ring cannot fill the gap (the id is older than the ring's oldest frame, or
newer than the head: ids from before a restart), nothing is replayed and the subscription carries a
`resync_reason`, which the stream sends as a `resync` event: never a silent hole. Ids restart at 1
in every process, so `epoch` (random per broker, sent in `connected`) tells one run's ids from
another's. Everything here runs on the event loop thread, so publish and subscribe are atomic.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from dataclasses import dataclass, field

from mix_tui.protocol.events import MixEvent, encode_event


@dataclass(slots=True, frozen=True)
class Frame:
    id: int
    data: bytes
    extension: str | None = None  # the event name, for events of ours a stream gets only when it asks


class Closed:
    """Queue sentinel: the subscription ended (`reason` is "overflow", "deleted" or "shutdown")."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass(eq=False)
class Subscriber:
    session_id: str
    queue: asyncio.Queue[Frame | Closed]
    # the id this subscriber has seen up to: replayed and delivered frames move it forward
    last_id: int = 0
    closed: bool = False
    # why the requested position cannot be replayed (None: it can, or none was requested)
    resync_reason: str | None = None
    oldest_id: int = 0  # the oldest id the ring still held when it subscribed
    extensions: frozenset[str] = frozenset()  # extension events it asked for (`&extensions=`)

    def wants(self, frame: Frame) -> bool:
        return frame.extension is None or frame.extension in self.extensions


@dataclass(eq=False)
class Channel:
    ring: deque[Frame]
    next_id: int = 1
    subscribers: set[Subscriber] = field(default_factory=set)

    @property
    def head(self) -> int:
        return self.next_id - 1


class Broker:
    def __init__(self, *, replay_size: int = 2048, queue_size: int = 1024) -> None:
        self._replay_size = replay_size
        self._queue_size = queue_size
        self._channels: dict[str, Channel] = {}
        self.epoch = secrets.token_hex(8)

    def _channel(self, session_id: str) -> Channel:
        channel = self._channels.get(session_id)
        if channel is None:
            channel = self._channels[session_id] = Channel(ring=deque(maxlen=self._replay_size))
        return channel

    def head(self, session_id: str) -> int:
        """The id of the newest frame of the session (0 before any)."""
        channel = self._channels.get(session_id)
        return channel.head if channel else 0

    def publish(self, session_id: str, event: MixEvent, *, extension: bool = False) -> int:
        """Number, record and fan out one event; returns its id. An `extension` event goes only to
        the streams that asked for it by name (spec clients raise on names they do not know)."""
        channel = self._channel(session_id)
        frame = Frame(channel.next_id, encode_event(event, channel.next_id), event.event_name if extension else None)
        channel.next_id += 1
        channel.ring.append(frame)
        for sub in list(channel.subscribers):
            self._offer(channel, sub, frame)
        return frame.id

    def publish_everywhere(self, event: MixEvent, *, extension: bool = False) -> None:
        """session_created / session_deleted: into every session's sequence, so every stream sees it."""
        for session_id in list(self._channels):
            self.publish(session_id, event, extension=extension)

    def _offer(self, channel: Channel, sub: Subscriber, frame: Frame) -> None:
        if not sub.wants(frame):
            return
        try:
            sub.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._close(channel, sub, "overflow")

    def subscribe(
        self, session_id: str, last_event_id: int | None, extensions: frozenset[str] = frozenset()
    ) -> tuple[Subscriber, list[Frame]]:
        """Register a subscriber; returns it with the frames to replay first.

        Without `last_event_id` nothing is replayed. With one the ring cannot serve (older than its
        oldest frame, or newer than the head: the server restarted and ids began again), nothing is
        replayed either and `sub.resync_reason` says why; the subscriber starts at the head.
        """
        channel = self._channel(session_id)
        queue: asyncio.Queue[Frame | Closed] = asyncio.Queue(maxsize=self._queue_size)
        sub = Subscriber(session_id, queue, last_id=channel.head, extensions=extensions)
        sub.oldest_id = channel.ring[0].id if channel.ring else channel.head
        replay: list[Frame] = []
        if last_event_id is not None:
            if last_event_id > channel.head:
                sub.resync_reason = (
                    f"event {last_event_id} is not one of this server's (its newest is {channel.head}): "
                    "it restarted, or the id is from another server"
                )
            elif channel.ring and last_event_id < channel.ring[0].id - 1:
                sub.resync_reason = (
                    f"events {last_event_id + 1}..{channel.ring[0].id - 1} are no longer kept "
                    f"(the replay ring holds the newest {len(channel.ring)})"
                )
            else:
                replay = [f for f in channel.ring if f.id > last_event_id and sub.wants(f)]
                sub.last_id = last_event_id
        channel.subscribers.add(sub)
        return sub, replay

    def unsubscribe(self, sub: Subscriber) -> None:
        channel = self._channels.get(sub.session_id)
        if channel is not None:
            channel.subscribers.discard(sub)

    def kick(self, sub: Subscriber, reason: str) -> None:
        """End one subscription (its client went away)."""
        self._close(self._channels.get(sub.session_id), sub, reason)

    def close_session(self, session_id: str, reason: str = "deleted") -> None:
        """End every stream of a (deleted) session and forget its channel."""
        channel = self._channels.pop(session_id, None)
        if channel is not None:
            for sub in list(channel.subscribers):
                self._close(channel, sub, reason)

    def close_all(self, reason: str = "shutdown") -> None:
        for channel in self._channels.values():
            for sub in list(channel.subscribers):
                self._close(channel, sub, reason)

    def _close(self, channel: Channel | None, sub: Subscriber, reason: str) -> None:
        if channel is not None:
            channel.subscribers.discard(sub)
        if sub.closed:
            return
        sub.closed = True
        # drop what it had not read yet: on resume the ring replays it from `last_id`
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(Closed(reason))

    def subscriber_count(self, session_id: str) -> int:
        channel = self._channels.get(session_id)
        return len(channel.subscribers) if channel else 0
