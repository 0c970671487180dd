"""An incremental Server-Sent Events decoder: bytes in, `(event, data, id, error)` frames out.

Written by hand (rather than httpx-sse's line iterator) because it is the hot path of every stream:
it splits a whole network chunk at once instead of walking it line by line through httpx's
`LineDecoder`; `benchmarks/sse_parse.py` measures both. It follows the WHATWG parsing rules:
lines end in CRLF, LF or CR (a CRLF may be split across chunks); `:` lines are comments;
`data:` lines are joined with `\n`; `id:` persists across frames and only becomes the last event id
when its frame is dispatched (so a frame cut off mid-way is never acknowledged on reconnect); an id
containing NUL is ignored; a frame without `event:` is a `message`; a frame without `data:` is not
dispatched; an unterminated frame at end of stream is dropped.

A hostile or broken server cannot make it slow or unbounded: the work per chunk is linear in the
chunk (an unfinished line is kept as a list of pieces, never re-copied or re-scanned), and no line
or frame may exceed `max_line_bytes`. A frame that does is dispatched once as a frame whose `error`
says why, its data dropped, and decoding goes on with the next frame. Beyond WHATWG, an id that
could not be sent back in a `Last-Event-ID` header (control characters, or longer than
`MAX_ID_CHARS`) is ignored like a NUL id, so one bad id cannot break every later reconnect.
"""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024  # a Write tool's whole file can travel in one line
MAX_ID_CHARS = 1024
_BOM = "\ufeff"
_FIELD_PREFIX = 64  # bytes of a skipped line kept to tell which field it was
_new_frame = tuple.__new__  # builds an SSEFrame at half the cost of calling the NamedTuple


class SSEFrame(NamedTuple):
    event: str
    data: str
    id: str | None  # the last event id in force when the frame was dispatched
    error: str | None = None  # set when the frame could not be read whole: its data is then dropped


def usable_id(value: str) -> bool:
    """An id that can travel back in a `Last-Event-ID` header: no control characters, bounded."""
    return len(value) <= MAX_ID_CHARS and value.isprintable()


class SSEDecoder:
    """Feed it raw chunks as they arrive; it returns the frames each chunk completed."""

    __slots__ = (
        "_counted",
        "_data",
        "_data_size",
        "_event",
        "_id",
        "_max",
        "_pending_cr",
        "_skipping_frame",
        "_skipping_line",
        "_started",
        "_tail",
        "_tail_size",
        "last_event_id",
        "retry_ms",
    )

    def __init__(self, last_event_id: str | None = None, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self._max = max_line_bytes
        self._id = last_event_id  # the id buffer; committed to last_event_id on dispatch
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0  # characters of `_data` counted so far (frames spanning chunks)
        self._counted = 0  # how many entries of `_data` `_data_size` covers
        self._tail: list[bytes] = []  # the pieces of an unfinished line (it never holds CR or LF)
        self._tail_size = 0
        self._skipping_line: bytes | None = None  # the start of an over-long line being thrown away
        self._skipping_frame = False  # the current frame was reported broken: drop it up to its end
        self._pending_cr = False  # the last chunk ended in CR: a leading LF is the rest of a CRLF
        self._started = False

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not chunk:
            return []
        if b"\r" in chunk:  # the tail holds no CR, so normalising the new chunk alone is enough
            self._pending_cr = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self._hold(chunk)
            return []
        frames: list[SSEFrame] = []
        head = chunk[:cut]
        if self._skipping_line is not None:  # the over-long line ends in this chunk
            first = chunk.find(b"\n")
            self._skipped_line(frames)
            head = chunk[first + 1 : cut] if first < cut else b""
            whole = first < cut
        elif self._tail:
            self._tail.append(head)
            head = b"".join(self._tail)
            self._tail.clear()
            self._tail_size = 0
            whole = True
        else:
            whole = True
        rest = chunk[cut + 1 :]
        self._tail_size = 0
        if rest:
            self._hold(rest)
        if whole:
            if len(head) > self._max:
                self._long_lines(head, frames)
            else:
                self._text(head, frames)
        self._check_frame_size(frames)
        return frames

    # ---- bounded buffering -------------------------------------------------------------------

    def _hold(self, piece: bytes) -> None:
        """Keep a piece of an unfinished line, or start/continue throwing an over-long one away."""
        if self._skipping_line is not None:
            return
        self._tail.append(piece)
        self._tail_size += len(piece)
        if self._tail_size > self._max:
            self._skipping_line = b"".join(self._tail)[:_FIELD_PREFIX]  # once per over-long line
            self._tail.clear()
            self._tail_size = 0

    def _skipped_line(self, frames: list[SSEFrame]) -> None:
        """An over-long line has ended: a comment is simply gone, any other field breaks its frame."""
        start, self._skipping_line = self._skipping_line or b"", None
        if not self._started:
            self._started = True
            start = start.removeprefix(_BOM.encode())
        self._broken_line(start.decode("utf-8", "replace"), frames)

    def _broken_line(self, start: str, frames: list[SSEFrame]) -> None:
        if start.startswith(":"):
            return
        name = start.partition(":")[0]
        if name == "id":
            return  # an id that long would be ignored anyway
        self._break_frame(f"a {name or 'field'!r} line longer than {self._max:,} bytes was skipped", frames)

    def _break_frame(self, reason: str, frames: list[SSEFrame]) -> None:
        if not self._skipping_frame:
            frames.append(SSEFrame(self._event or "message", "", self._id, reason))
        self._skipping_frame = True
        self._data = []
        self._data_size = self._counted = 0

    def _long_lines(self, head: bytes, frames: list[SSEFrame]) -> None:
        """The slow path: complete lines of which one at least may be longer than allowed."""
        run: list[bytes] = []
        for line in head.split(b"\n"):
            if len(line) <= self._max:
                run.append(line)
                continue
            if run:
                self._text(b"\n".join(run), frames)
                run = []
            if not self._started:
                self._started = True
                line = line.removeprefix(_BOM.encode())
            self._broken_line(line[:_FIELD_PREFIX].decode("utf-8", "replace"), frames)
        if run:
            self._text(b"\n".join(run), frames)

    def _check_frame_size(self, frames: list[SSEFrame]) -> None:
        """A frame spanning chunks may not grow past the limit (counted incrementally: linear)."""
        data = self._data
        if frames:
            self._data_size = self._counted = 0
        if not data:
            return
        size = self._data_size
        for index in range(self._counted, len(data)):
            size += len(data[index]) + 1
        self._data_size, self._counted = size, len(data)
        if size > self._max:
            self._break_frame(f"a frame larger than {self._max:,} bytes was skipped", frames)

    # ---- lines ---------------------------------------------------------------------------------

    def _text(self, head: bytes, frames: list[SSEFrame]) -> None:
        # a line end never falls inside a UTF-8 sequence, so the complete lines decode on their own
        text = head.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                text = text[1:]
        lines = text.split("\n")
        if self._skipping_frame:  # throw away what is left of a broken frame, up to its blank line
            try:
                end = lines.index("")
            except ValueError:
                return
            self._skipping_frame = False
            self.last_event_id = self._id
            self._event = ""
            lines = lines[end + 1 :]
        self._lines(lines, frames)

    def _lines(self, lines: list[str], frames: list[SSEFrame]) -> None:
        data = self._data
        for line in lines:
            if not line:  # a blank line dispatches the frame
                self.last_event_id = self._id
                if data:
                    joined = data[0] if len(data) == 1 else "\n".join(data)
                    frames.append(_new_frame(SSEFrame, (self._event or "message", joined, self._id, None)))
                    data = self._data = []
                self._event = ""
                continue
            # fast path: the lines every real server writes, with the usual single space
            if line.startswith("data: "):
                data.append(line[6:])
                continue
            if line.startswith("event: "):
                self._event = line[7:]
                continue
            if line.startswith("id: "):
                value = line[4:]
                if len(value) <= MAX_ID_CHARS and value.isprintable():  # usable_id, inlined
                    self._id = value
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
                if usable_id(value):  # NUL, like every control character, makes it unusable
                    self._id = value
            elif name == "retry":
                if value.isascii() and value.isdigit() and len(value) <= 9:
                    self.retry_ms = int(value)
