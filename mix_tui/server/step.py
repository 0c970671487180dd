"""One model call ("step"): provider events in, Mix SSE events out, the assistant message accumulated.

The provider stream runs in its own task, raced against the turn's cancel flag, so a cancel stops the
HTTP stream at once and keeps what had arrived (finish reason "canceled").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mix_tui.protocol.events import (
    Content,
    MixEvent,
    Thinking,
    ToolUseParameterDelta,
    ToolUseParameterStreamingComplete,
    ToolUseStart,
)
from mix_tui.server.coalesce import DEFAULT_WINDOW, DeltaCoalescer
from mix_tui.server.providers.base import (
    CallOptions,
    Finish,
    Provider,
    ProviderEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallRequest,
    ToolCallStart,
    UsageReport,
)
from mix_tui.server.rows import storable


@dataclass
class StepResult:
    message_id: str
    text: str = ""
    reasoning: str = ""
    reasoning_signature: str = ""
    reasoning_ms: int | None = None
    # complete calls only (ToolCallEnd seen), in the order the model made them
    calls: list[ToolCallRequest] = field(default_factory=list)
    usage: UsageReport | None = None
    finish: str = "unknown"
    streamed_anything: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.reasoning or self.calls)


class _Accumulator:
    def __init__(self, result: StepResult, out: DeltaCoalescer) -> None:
        self.result = result
        self.out = out
        self.publish = out.event
        self._thinking_started: float | None = None
        self._partial_args: dict[str, list[str]] = {}
        self._names: dict[str, str] = {}

    def end_thinking(self) -> None:
        if self._thinking_started is not None and self.result.reasoning_ms is None:
            self.result.reasoning_ms = int((time.monotonic() - self._thinking_started) * 1000)

    def handle(self, event: ProviderEvent) -> None:
        event = _valid_text(event)
        r = self.result
        mid = r.message_id
        if isinstance(event, ThinkingDelta):
            if event.signature:
                r.reasoning_signature = event.signature
            if event.text:
                if self._thinking_started is None:
                    self._thinking_started = time.monotonic()
                r.reasoning += event.text
                r.streamed_anything = True
                self.out.delta(Thinking, event.text, mid)
            return
        if isinstance(event, TextDelta):
            self.end_thinking()
            if event.text:  # Go never sends empty deltas; neither do we
                r.text += event.text
                r.streamed_anything = True
                self.out.delta(Content, event.text, mid)
        elif isinstance(event, ToolCallStart):
            self.end_thinking()
            self._names[event.id] = event.name
            self._partial_args[event.id] = []
            r.streamed_anything = True
            self.publish(ToolUseStart(id=event.id, name=event.name, assistant_message_id=mid))
        elif isinstance(event, ToolCallDelta):
            self._partial_args.setdefault(event.id, []).append(event.fragment)
            if event.fragment:
                self.publish(
                    ToolUseParameterDelta(tool_call_id=event.id, input=event.fragment, assistant_message_id=mid)
                )
        elif isinstance(event, ToolCallEnd):
            if event.id not in self._names:  # a provider that skipped the start: announce it now
                self.publish(ToolUseStart(id=event.id, name=event.name, assistant_message_id=mid))
            arguments = event.arguments or "".join(self._partial_args.get(event.id, [])) or "{}"
            r.calls.append(ToolCallRequest(event.id, event.name, arguments))
            self.publish(
                ToolUseParameterStreamingComplete(
                    id=event.id, name=event.name, input=arguments, assistant_message_id=mid
                )
            )
        elif isinstance(event, UsageReport):
            r.usage = event
        elif isinstance(event, Finish):
            self.end_thinking()
            r.finish = event.reason


def _valid_text(event: ProviderEvent) -> ProviderEvent:
    """The event with lone surrogates in its text replaced (see `storable`); the same object when clean."""
    fields = {
        name: storable(value)
        for name in ("text", "fragment", "arguments", "name")
        if isinstance(value := getattr(event, name, None), str) and storable(value) is not value
    }
    return dataclasses.replace(event, **fields) if fields else event  # type: ignore[arg-type]


async def run_step(
    provider: Provider,
    options: CallOptions,
    result: StepResult,
    publish: Callable[[MixEvent], object],
    cancelled: asyncio.Event,
    delta_window: float = DEFAULT_WINDOW,
) -> StepResult:
    """Stream one call into `result`. Raises ProviderError; on cancel returns with finish "canceled".
    Text deltas are merged within `delta_window` seconds (coalesce.py; 0 = one event per delta)."""
    out = DeltaCoalescer(publish, delta_window)
    acc = _Accumulator(result, out)

    async def consume() -> None:
        async for event in provider.stream(options):
            acc.handle(event)

    consumer = asyncio.ensure_future(consume())
    cancel_wait = asyncio.ensure_future(cancelled.wait())
    try:
        await asyncio.wait({consumer, cancel_wait}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        cancel_wait.cancel()
        if not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer
            result.finish = "canceled"
        out.flush()  # buffered text goes out before whatever the turn publishes next
    if not consumer.cancelled():
        consumer.result()  # re-raise a ProviderError
    if cancelled.is_set():
        result.finish = "canceled"
    acc.end_thinking()
    if result.finish == "unknown":
        result.finish = "tool_use" if result.calls else "end_turn"
    return result
