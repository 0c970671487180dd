"""The status line under the composer, and the small "queued: …" area above it.

Status: server (local or its URL), connection state, model, context in use (the session's
`promptTokens`, which is the last call's prompt size), session cost, title. Everything in it that
comes from a server is data and enters `Text` as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual.widgets import Static

from mix_tui.tui.messages import ConnectionState
from mix_tui.tui.widgets.tool_render import clean

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
    cost: float = 0.0
    title: str = ""
    running: bool = False


def format_tokens(count: int) -> str:
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k"
    return f"{count // 1000}k"


def status_text(info: StatusInfo) -> Text:
    icon, style = _CONNECTION_STYLE.get(info.connection, ("?", "dim"))
    sep = (" │ ", "dim")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{icon} {info.connection}", style)
    text.append(*sep)
    text.append("local " if info.local else "", "dim")
    text.append(clean(info.server) or "—")
    if info.model:
        text.append(*sep)
        text.append(clean(info.model), "bold")
    text.append(*sep)
    text.append(f"ctx {format_tokens(info.context_tokens)}")
    text.append(*sep)
    text.append(f"${info.cost:.4f}")
    if info.running:
        text.append(*sep)
        text.append("working…", "yellow")
    if info.title:
        text.append(*sep)
        text.append(clean(info.title), "italic")
    return text


class StatusLine(Static):
    def __init__(self, info: StatusInfo | None = None, *, id: str | None = "status") -> None:
        super().__init__(id=id)
        self.info = info or StatusInfo()

    def on_mount(self) -> None:
        self.update(status_text(self.info))

    def set(self, **changes: Any) -> None:
        info = replace(self.info, **changes)
        if info != self.info:
            self.info = info
            self.update(status_text(info))


class QueuedPrompts(Static):
    """Prompts typed while a turn runs; they are sent in order once it ends."""

    def __init__(self, *, id: str | None = "queued") -> None:
        super().__init__(id=id)
        self.prompts: list[str] = []

    def on_mount(self) -> None:
        self.display = False

    def set_prompts(self, prompts: list[str]) -> None:
        self.prompts = list(prompts)
        self.display = bool(prompts)
        text = Text()
        for index, prompt in enumerate(prompts):
            if index:
                text.append("\n")
            text.append("queued: ", "dim")
            first = prompt.strip().splitlines()[0] if prompt.strip() else ""
            text.append(clean(first))
        self.update(text)
