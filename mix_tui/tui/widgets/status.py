"""The status line under the composer (the "queued: …" area above it is widgets/queue.py).

Status: server (local or its URL), connection state (with a countdown to the next reconnect
attempt), model, context in use (the session's `promptTokens`, which is the last call's prompt
size; with a bar and a percentage where the model's window is known), session cost and tokens used
in all, title. Everything in it that comes from a server is data and enters `Text` as
plain strings.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from mix_tui.tui.session.connection import ConnectionState
from mix_tui.tui.widgets.queue import QueuedPrompts
from mix_tui.tui.widgets.safe_text import clean

__all__ = ["QueuedPrompts", "StatusInfo", "StatusLine", "format_tokens", "status_text"]  # the queue moved

_CONNECTION_STYLE = {
    "connected": ("●", "green"),
    "connecting": ("○", "yellow"),
    "reconnecting": ("◌", "yellow"),
    "offline": ("✗", "red"),
}


@dataclass(frozen=True, slots=True)
class StatusInfo:
    server: str = ""
    local: bool = True
    connection: ConnectionState = "connecting"
    model: str = ""
    context_tokens: int = 0
    context_window: int | None = None  # the model's window, when known
    total_tokens: int = 0  # every stored call's tokens added up (0: not known)
    cost: float = 0.0
    title: str = ""
    running: bool = False
    retry_at: float | None = None  # time.monotonic() of the next reconnect attempt
    problem: str = ""  # why the stream is gone for good (a refused token, a deleted session)


def format_tokens(count: int) -> str:
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k"
    return f"{count // 1000}k"


def status_text(info: StatusInfo, now: float | None = None, width: int | None = None) -> Text:
    """The line; where it would not fit in `width` cells, the server address goes first (the model,
    the context, the cost and "working…" matter more on a small terminal)."""
    text = _status_text(info, now, with_server=True)
    if width is not None and text.cell_len > width:
        text = _status_text(info, now, with_server=False)
    return text


def _status_text(info: StatusInfo, now: float | None, *, with_server: bool) -> Text:
    icon, style = _CONNECTION_STYLE.get(info.connection, ("?", "dim"))
    sep = (" │ ", "dim")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{icon} {info.connection}", style)
    if info.connection == "reconnecting" and info.retry_at is not None:
        wait = math.ceil(max(0.0, info.retry_at - (time.monotonic() if now is None else now)))
        text.append(f" (retry in {wait}s)" if wait else " (retrying…)", style)
    if info.problem:
        text.append(f": {clean(info.problem)}", style)
    if with_server:
        text.append(*sep)
        text.append("local " if info.local else "", "dim")
        text.append(clean(info.server) or "—")
    if info.model:
        text.append(*sep)
        text.append(clean(info.model), "bold")
    text.append(*sep)
    text.append(f"ctx {format_tokens(info.context_tokens)}")
    if info.context_window:
        share = info.context_tokens / info.context_window
        text.append(f"/{format_tokens(info.context_window)} ")
        text.append_text(context_bar(share))
        text.append(f" {share:.0%}", _share_style(share))
    text.append(*sep)
    text.append(f"${info.cost:.4f}")
    if info.total_tokens:
        text.append(f" · {format_tokens(info.total_tokens)} tok", "dim")
    if info.running:
        text.append(*sep)
        text.append("working…", "yellow")
    if info.title:
        text.append(*sep)
        text.append(clean(info.title), "italic")
    return text


BAR_CELLS = 6


def context_bar(share: float, cells: int = BAR_CELLS) -> Text:
    filled = max(0, min(cells, round(share * cells)))
    if share > 0 and filled == 0:
        filled = 1  # some context is in use: never an empty bar
    return Text("▰" * filled, _share_style(share)) + Text("▱" * (cells - filled), "dim")


def _share_style(share: float) -> str:
    return "red" if share >= 0.9 else "yellow" if share >= 0.7 else "green"


class StatusLine(Static):
    def __init__(self, info: StatusInfo | None = None, *, id: str | None = "status") -> None:
        super().__init__(id=id)
        self.info = info or StatusInfo()
        self._ticker: Timer | None = None

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width if self.is_mounted and self.content_size.width else None
        self.update(status_text(self.info, width=width))

    def set(self, **changes: Any) -> None:
        info = replace(self.info, **changes)
        if info != self.info:
            self.info = info
            self._draw()
            self._sync_ticker()

    def _sync_ticker(self) -> None:
        # the retry countdown ticks once a second, and only while there is one
        counting = self.info.connection == "reconnecting" and self.info.retry_at is not None
        if counting and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        elif not counting and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        self._draw()
