"""Pieces of an OpenAI-style chat.completions stream that need state across chunks.

- `ToolCallAssembler`: tool calls arrive as `tool_calls` deltas keyed by `index`, the id and name in
  the first fragment and the JSON arguments spread over the rest.
- `ThinkTagSplitter`: servers without a reasoning field put the model's thoughts in the text,
  wrapped in `<think>…</think>` (DeepSeek-R1/Qwen on Ollama, llama.cpp) or `<thought>…</thought>`
  (Gemini's OpenAI endpoint with include_thoughts).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from .base import ProviderEvent, ToolCallDelta, ToolCallEnd, ToolCallStart


@dataclass(slots=True)
class _Call:
    id: str
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    started: bool = False
    real_id: bool = True  # False while we use an id of our own (the server sent none yet)


class ToolCallAssembler:
    """Turns streamed tool-call fragments into ToolCallStart / ToolCallDelta, then ToolCallEnd."""

    def __init__(self) -> None:
        self._calls: list[_Call] = []
        self._by_index: dict[int, _Call] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def feed(self, fragment: Any) -> list[ProviderEvent]:
        """One entry of `choices[0].delta.tool_calls` (an SDK object)."""
        index = getattr(fragment, "index", None)
        call_id = getattr(fragment, "id", None) or ""
        function = getattr(fragment, "function", None)
        name = (getattr(function, "name", None) or "") if function is not None else ""
        args = (getattr(function, "arguments", None) or "") if function is not None else ""

        call = self._by_index.get(index) if isinstance(index, int) else None
        # A different id at a known index is a new call: Gemini numbers every parallel call 0.
        if call is None or (call_id and call.real_id and call_id != call.id):
            if call is None and not isinstance(index, int) and not call_id and self._calls:
                call = self._calls[-1]  # an index-less continuation
            else:
                call = _Call(id=call_id or f"call_{uuid.uuid4().hex[:24]}", real_id=bool(call_id))
                self._calls.append(call)
                if isinstance(index, int):
                    self._by_index[index] = call
        elif call_id and not call.real_id and not call.started:
            call.id, call.real_id = call_id, True
        if name and not call.name:
            call.name = name

        events: list[ProviderEvent] = []
        if not call.started and call.name:
            call.started = True
            events.append(ToolCallStart(id=call.id, name=call.name))
            # arguments that came before the name
            events.extend(ToolCallDelta(id=call.id, fragment=a) for a in call.arguments if a)
        if args:
            call.arguments.append(args)
            if call.started:
                events.append(ToolCallDelta(id=call.id, fragment=args))
        return events

    def finish(self) -> list[ProviderEvent]:
        """ToolCallEnd for every call, in the order the model made them."""
        events: list[ProviderEvent] = []
        for call in self._calls:
            if not call.started:
                if not call.name:
                    continue  # arguments without a tool name: nothing callable
                events.append(ToolCallStart(id=call.id, name=call.name))
            arguments = "".join(call.arguments).strip() or "{}"
            events.append(ToolCallEnd(id=call.id, name=call.name, arguments=arguments))
        return events


_OPEN_TAGS = {"<think>": "</think>", "<thought>": "</thought>"}


class ThinkTagSplitter:
    """Splits a leading `<think>…</think>` / `<thought>…</thought>` block out of streamed text.

    Only a block at the very start of the answer counts (after whitespace): a tag later in the
    text is the model talking about tags. Tags may be cut anywhere across chunks.
    """

    def __init__(self) -> None:
        # "after": just closed the block; newlines separating it from the answer are dropped
        self._state: Literal["start", "thinking", "after", "text"] = "start"
        self._buf = ""
        self._close = ""

    def feed(self, chunk: str) -> list[tuple[Literal["thinking", "text"], str]]:
        if self._state == "after":
            chunk = chunk.lstrip("\n")
            if chunk:
                self._state = "text"
        if self._state in ("after", "text"):
            return [("text", chunk)] if chunk else []
        self._buf += chunk
        out: list[tuple[Literal["thinking", "text"], str]] = []
        if self._state == "start":
            head = self._buf.lstrip()
            opened = next((tag for tag in _OPEN_TAGS if head.startswith(tag)), None)
            if opened is None:
                if any(tag.startswith(head) for tag in _OPEN_TAGS):
                    return out  # maybe a tag still arriving (or only whitespace so far)
                self._state = "text"
                text, self._buf = self._buf, ""
                return [("text", text)]
            self._state, self._close = "thinking", _OPEN_TAGS[opened]
            self._buf = head[len(opened) :]
        # thinking: emit all but a tail that could be the start of the closing tag
        end = self._buf.find(self._close)
        if end >= 0:
            thought, rest = self._buf[:end], self._buf[end + len(self._close) :]
            self._buf, self._state = "", "after"
            if thought:
                out.append(("thinking", thought))
            return out + self.feed(rest)
        keep = next((n for n in range(len(self._close) - 1, 0, -1) if self._buf.endswith(self._close[:n])), 0)
        thought = self._buf[: len(self._buf) - keep]
        self._buf = self._buf[len(self._buf) - keep :]
        if thought:
            out.append(("thinking", thought))
        return out

    def finish(self) -> list[tuple[Literal["thinking", "text"], str]]:
        rest, self._buf = self._buf, ""
        if not rest:
            return []
        return [("thinking" if self._state == "thinking" else "text", rest)]
