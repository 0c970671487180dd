"""The offline demo provider: a deterministic fake model for trying the app without a key and for tests.

It reads simple directives from the last user message (`$ ls`, `read PATH`, `long 20`, ...) and turns
them into real tool calls or canned answers, streamed at a realistic pace. After tool results come
back it summarises them, output included. It never touches the network and always costs 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from mix_tui.server.callback_text import NOTE_PREFIX
from mix_tui.server.providers import demo_media, demo_text
from mix_tui.server.providers.base import (
    CallOptions,
    ChatMessage,
    Finish,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallRequest,
    ToolCallStart,
    UsageReport,
)
from mix_tui.server.providers.demo_text import snippet

DEFAULT_RATE = 60.0  # tokens per second: about what a fast hosted model streams
DEMO_LABEL = "Offline demo (no AI)"
LONG_MAX_SECTIONS = 1000  # `long N` beyond this is clamped: a typo must not hang the server
_YIELD_EVERY = 256  # at max speed, still let the event loop breathe this often

_FENCE = re.compile(r"^(`{3,}|~{3,})")
_TOKEN = re.compile(r"\s*\S+|\s+")
_MAX_TOKEN_CHARS = 16  # real tokenizers never emit a 200-character "word"


@dataclass(slots=True, frozen=True)
class Directive:
    """One parsed directive line: a tool call (`tool` + `args`) or `long` with its section count."""

    tool: str = ""
    args: tuple[tuple[str, Any], ...] = ()
    long: int = 0

    def arguments(self) -> str:
        return json.dumps(dict(self.args), ensure_ascii=False)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _single_path(rest: str) -> str | None:
    """A PATH argument: one word, or anything in quotes. Prose like "read the docs" is not a path."""
    path = _unquote(rest)
    if not path or (path == rest.strip() and len(path.split()) != 1):
        return None
    return path.removeprefix("@")  # an attached file (`@path` in the TUI) is that path


def _fenced_block(lines: list[str], start: int) -> tuple[str, int] | None:
    """The fenced block whose opening fence is the first non-blank line at/after `start`.

    Returns (content, index after the closing fence); an unclosed fence runs to the end of the message.
    """
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not (opening := _FENCE.match(lines[i].strip())):
        return None
    fence = opening.group(1)
    body: list[str] = []
    i += 1
    while i < len(lines) and not lines[i].strip().startswith(fence):
        body.append(lines[i])
        i += 1
    content = "\n".join(body) + ("\n" if body else "")
    return content, i + 1


_MEDIA_EXTENSIONS = {
    "image": (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg"),
    "video": (".mp4", ".mov", ".webm", ".mkv"),
    "audio": (".mp3", ".wav", ".ogg", ".m4a", ".flac"),
    "pdf": (".pdf",),
    "csv": (".csv",),
}


def media_type_of(path: str) -> str:
    lowered = path.lower()
    return next((kind for kind, ends in _MEDIA_EXTENSIONS.items() if lowered.endswith(ends)), "image")


def _look(rest: str) -> Directive | None:
    """`look PATH` or `look PATH pages 1-3`: ReadMedia on an image or a PDF."""
    target, _, pages = rest.partition(" pages ")
    path = _single_path(target)
    if not path:
        return None
    kind = "pdf" if path.lower().endswith(".pdf") else "image"
    args: list[tuple[str, Any]] = [("file_path", path), ("media_type", kind), ("prompt", "Describe what you see.")]
    if kind == "pdf" and pages.strip():
        args.append(("pdf_pages", pages.strip()))
    return Directive("ReadMedia", tuple(args))


def _search(rest: str) -> Directive | None:
    kind, _, query = rest.strip().partition(" ")
    if kind not in ("images", "videos"):
        kind, query = "web", rest.strip()
    query = _unquote(query)
    return Directive("Search", (("query", query), ("search_type", kind))) if len(query) >= 2 else None


_NOTIFY_TIMEOUT: int | None = 120  # seconds the demo's notifications wait (None: the tool's default)


def _notify(word: str, rest: str) -> Directive | None:
    """`notify MESSAGE` (to acknowledge), `ask QUESTION` (free text), `choose QUESTION | A | B ...`."""
    if word == "choose":
        question, *choices = (piece.strip() for piece in rest.split("|"))
        choices = [c for c in choices if c]
        if not question or len(choices) < 2:
            return None
        args: list[tuple[str, Any]] = [("title", "A choice"), ("message", question), ("response_type", "choice"),
                                       ("choices", choices[:10])]  # fmt: skip
    elif word == "ask":
        args = [("title", "A question"), ("message", rest.strip()), ("response_type", "text")]
    else:
        args = [("title", "Notice"), ("message", rest.strip()), ("response_type", "acknowledge"),
                ("notification_type", "info")]  # fmt: skip
    timeout = () if _NOTIFY_TIMEOUT is None else (("timeout", _NOTIFY_TIMEOUT),)
    return Directive("notify_user", (*args, *timeout))


def _shown(path: str) -> dict[str, str]:
    return {"path": path, "type": media_type_of(path), "title": path.rsplit("/", 1)[-1]}


def parse_directives(text: str) -> list[Directive]:
    """All directives in `text`, in order. Lines inside unrelated fenced blocks are ignored."""
    lines = text.splitlines()
    found: list[Directive] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if _FENCE.match(line):
            block = _fenced_block(lines, i - 1)
            i = block[1] if block else i
            continue
        word, _, rest = line.partition(" ")
        if line.startswith("$ ") and line[2:].strip():
            found.append(Directive("Bash", (("command", line[2:].strip()),)))
        elif word == "read" and (path := _single_path(rest)):
            found.append(Directive("ReadText", (("file_path", path),)))
        elif word == "write" and (path := _single_path(rest)) and (block := _fenced_block(lines, i)):
            found.append(Directive("Write", (("file_path", path), ("content", block[0]))))
            i = block[1]
        elif word == "edit" and (path := _single_path(rest)):
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and " -> " in lines[j]:
                old, _, new = lines[j].strip().partition(" -> ")
                args = (("file_path", path), ("old_string", old), ("new_string", new))
                found.append(Directive("Edit", args))
                i = j + 1
        elif word in ("glob", "grep") and (pattern := _unquote(rest)):
            found.append(Directive(word.capitalize(), (("pattern", pattern),)))
        elif line == "python" and (block := _fenced_block(lines, i)):
            found.append(Directive("python_execution", (("code", block[0]),)))
            i = block[1]
        elif line == "plan" and (block := _fenced_block(lines, i)):
            found.append(Directive("ExitPlanMode", (("plan", block[0]),)))
            i = block[1]
        elif word == "fetch" and (url := _single_path(rest)):
            found.append(Directive("ReadText", (("file_path", url),)))
        elif word == "look" and (media := _look(rest)):
            found.append(media)
        elif word == "search" and (query := _search(rest)):
            found.append(query)
        elif word == "show" and (path := _single_path(rest)):
            found.append(Directive("Show", (("outputs", [_shown(path)]),)))
        elif word == "task" and rest.strip():
            prompt = rest.strip()
            args = (("description", snippet(prompt, 40)), ("prompt", prompt), ("subagent_type", "general-purpose"))
            found.append(Directive("Task", args))
        elif word in ("notify", "ask", "choose") and rest.strip() and (note := _notify(word, rest)):
            found.append(note)
        elif word == "long" and rest.strip().isdigit():
            found.append(Directive(long=max(1, min(int(rest.strip()), LONG_MAX_SECTIONS))))
    return found


def tokens(text: str) -> Iterator[str]:
    """Word-ish tokens (leading whitespace attached) whose concatenation is exactly `text`."""
    for match in _TOKEN.finditer(text):
        piece = match.group(0)
        for start in range(0, len(piece), _MAX_TOKEN_CHARS):
            yield piece[start : start + _MAX_TOKEN_CHARS]


def split_arguments(arguments: str) -> list[str]:
    """2–4 fragments of the JSON text, as a real model streams `input_json_delta`s."""
    if len(arguments) < 2:
        return [arguments]
    count = min(len(arguments), 2 + len(arguments) % 3)
    cuts = [len(arguments) * k // count for k in range(count + 1)]
    return [arguments[a:b] for a, b in itertools.pairwise(cuts) if a < b]


class _Pacer:
    """Sleeps so that tokens come out at `rate` per second, measured from the first token.

    Pacing against a fixed start (not token by token) keeps the average rate exact even though each
    `asyncio.sleep` overshoots a little. Every wait is an await, so cancellation lands promptly.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 0.0 if rate == 0 or math.isinf(rate) else 1.0 / rate
        self._start = time.monotonic()
        self._count = 0

    async def tick(self, count: int = 1) -> None:
        self._count += count
        if self._interval == 0.0:
            # no sleeping at max speed, but a server must not be frozen by one huge answer
            if self._count // _YIELD_EVERY != (self._count - count) // _YIELD_EVERY:
                await asyncio.sleep(0)
            return
        delay = self._start + self._count * self._interval - time.monotonic()
        await asyncio.sleep(max(0.0, delay))


def _estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _prompt_tokens(options: CallOptions) -> int:
    size = len(options.system) + sum(
        len(json.dumps(t.input_schema)) + len(t.description) for t in options.tools
    )
    for message in options.messages:
        size += len(message.content) + len(message.reasoning)
        size += sum(len(c.arguments) + len(c.name) for c in message.tool_calls)
        size += sum(len(r.content) for r in message.tool_results)
    return max(1, size // 4)


class DemoProvider:
    """`Provider` that needs no network: see the module docstring for what it understands."""

    name = "demo"
    label = DEMO_LABEL

    def __init__(self, rate: float | None = None) -> None:
        if rate is not None and (math.isnan(rate) or rate < 0):
            raise ValueError(f"rate must be a positive number of tokens per second, got {rate}")
        self.rate = DEFAULT_RATE if rate is None else rate

    async def stream(self, options: CallOptions) -> AsyncIterator[ProviderEvent]:
        pacer = _Pacer(self.rate)
        # a callback's note is no prompt of the user's: the demo answers around it
        messages = [m for m in options.messages if not (m.role == "user" and m.content.startswith(NOTE_PREFIX))]
        output = 0
        if messages and messages[-1].role == "tool":
            thinking, text = self._summary(messages)
            calls: list[ToolCallRequest] = []
        else:
            thinking, text, calls = self._reply(messages)
        for chunk in tokens(thinking):
            await pacer.tick()
            yield ThinkingDelta(chunk)
        for chunk in tokens(text):
            await pacer.tick()
            yield TextDelta(chunk)
        for call in calls:
            await pacer.tick()
            yield ToolCallStart(call.id, call.name)
            for fragment in split_arguments(call.arguments):
                await pacer.tick(max(1, _estimate_tokens(fragment)))
                yield ToolCallDelta(call.id, fragment)
            yield ToolCallEnd(call.id, call.name, call.arguments)
            output += _estimate_tokens(call.arguments)
        output += _estimate_tokens(thinking) + _estimate_tokens(text)
        yield UsageReport(input_tokens=_prompt_tokens(options), output_tokens=output, cost=0.0)
        yield Finish("tool_use" if calls else "end_turn")

    @staticmethod
    def _summary(messages: list[ChatMessage]) -> tuple[str, str]:
        results = messages[-1].tool_results
        calls: dict[str, ToolCallRequest] = {}
        for message in reversed(messages[:-1]):
            if message.role == "assistant" and message.tool_calls:
                calls = {c.id: c for c in message.tool_calls}
                break
        return demo_text.summary_thinking(results), demo_text.summary_answer(results, calls)

    @staticmethod
    def _reply(messages: list[ChatMessage]) -> tuple[str, str, list[ToolCallRequest]]:
        last = messages[-1] if messages else None
        if last is not None and last.role == "user" and last.attachments:
            # ReadMedia asking about an image or PDF pages
            return "I'll report what can be read from the media.", demo_media.describe(last.attachments, last.content), []
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        directives = parse_directives(prompt)
        # ids are unique within a session because every step adds one assistant message, and across
        # sessions (a sub-agent's events share its parent's stream) through the conversation's opening
        step = sum(1 for m in messages if m.role == "assistant")
        opening = next((m.content for m in messages if m.role == "user"), "")
        tag = hashlib.sha256(opening.encode("utf-8", "replace")).hexdigest()[:8]
        calls = [
            ToolCallRequest(f"demo_call_{tag}_{step}_{n}", d.tool, d.arguments())
            for n, d in enumerate((d for d in directives if d.tool), start=1)
        ]
        if calls:
            return demo_text.calls_thinking(calls), demo_text.calls_text(calls), calls
        long = next((d.long for d in directives if d.long), 0)
        if long:
            return demo_text.long_thinking(long), demo_text.long_answer(long), []
        return demo_text.chat_thinking(prompt), demo_text.chat_answer(prompt), []
