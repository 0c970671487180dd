"""An incremental Server-Sent Events decoder: bytes in, `(event, data, id)` frames out.

Written by hand (rather than httpx-sse's line iterator) because it is the hot path of every stream:
it splits a whole network chunk at once instead of walking it line by line through httpx's
`LineDecoder`; `benchmarks/sse_parse.py` measures both. It follows the WHATWG parsing rules:
lines end in CRLF, LF or CR (a CRLF may be split across chunks); `:` lines are comments;
`data:` lines are joined with `\n`; `id:` persists across frames and only becomes the last event id
when its frame is dispatched (so a frame cut off mid-way is never acknowledged on reconnect); an id
containing NUL is ignored; a frame without `event:` is a `message`; a frame without `data:` is not
dispatched; an unterminated frame at end of stream is dropped.
"""

from __future__ import annotations

from typing import NamedTuple

_BOM = "\ufeff"
_new_frame = tuple.__new__  # builds an SSEFrame at half the cost of calling the NamedTuple


class SSEFrame(NamedTuple):
    event: str
    data: str
    id: str | None  # the last event id in force when the frame was dispatched


class SSEDecoder:
    """Feed it raw chunks as they arrive; it returns the frames each chunk completed."""

    __slots__ = ("_data", "_event", "_id", "_pending_cr", "_started", "_tail", "last_event_id", "retry_ms")

    def __init__(self, last_event_id: str | None = None) -> None:
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self._id = last_event_id  # the id buffer; committed to last_event_id on dispatch
        self._event = ""
        self._data: list[str] = []
        self._tail = b""  # the bytes of an unfinished line
        self._pending_cr = False  # the last chunk ended in CR: a leading LF is the rest of a CRLF
        self._started = False

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return []
        buf = self._tail + chunk if self._tail else chunk
        if b"\r" in buf:
            self._pending_cr = buf[-1:] == b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._tail = buf
            return []
        self._tail = buf[cut + 1 :]
        # a line end never falls inside a UTF-8 sequence, so the complete lines decode on their own
        text = buf[:cut].decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                text = text[1:]
        return self._lines(text.split("\n"))

    def _lines(self, lines: list[str]) -> list[SSEFrame]:
        frames: list[SSEFrame] = []
        data = self._data
        for line in lines:
            if not line:  # a blank line dispatches the frame
                self.last_event_id = self._id
                if data:
                    joined = data[0] if len(data) == 1 else "\n".join(data)
                    frames.append(_new_frame(SSEFrame, (self._event or "message", joined, self._id)))
                    data = self._data = []
                self._event = ""
                continue
            # fast path: the three lines every real server writes, with the usual single space
            if line.startswith("data: "):
                data.append(line[6:])
                continue
            if line.startswith("event: "):
                self._event = line[7:]
                continue
            if line[0] == ":":
                continue
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self._id = value
            elif name == "retry":
                if value.isascii() and value.isdigit():
                    self.retry_ms = int(value)
        return frames
