"""Writing one step's assistant message: its partial text while it streams, the whole of it at the end.

A server that dies mid-answer (kill -9, power loss) keeps what was streamed up to the last flush, at
most `partial_flush_interval` seconds old; the next start marks that turn interrupted (store.py).
The final write (step end, cancel, error, shutdown) replaces the partial row in place, keeping its
position in the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from mix_tui.server.providers.pricing import resolve_cost
from mix_tui.server.step import StepResult
from mix_tui.server.store import MessageRow, Store, ToolCallRow

log = logging.getLogger(__name__)


class AssistantRecorder:
    def __init__(self, store: Store, session_id: str, model: str, flush_interval: float) -> None:
        self.store = store
        self.session_id = session_id
        self.model = model
        self.flush_interval = flush_interval

    @contextlib.asynccontextmanager
    async def streaming(self, step: StepResult) -> AsyncIterator[None]:
        """While the body runs, flush the step's text and reasoning whenever they grew."""
        flusher = asyncio.create_task(self._flush_while_streaming(step), name=f"flush-{step.message_id}")
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    async def _flush_while_streaming(self, step: StepResult) -> None:
        saved = (0, 0)
        while True:
            await asyncio.sleep(self.flush_interval)
            mark = (len(step.text), len(step.reasoning))
            if mark == saved:
                continue  # idle (a slow model, a long thinking pause): nothing to write
            try:
                await self.store.run(self.store.save_assistant, self._row(step, final=False))
            except Exception:  # a failed flush loses at most one interval; the final write retries
                log.exception("could not save the partial answer in session %s", self.session_id)
            saved = mark

    async def final(self, step: StepResult) -> None:
        """The finished (or cancelled, or failed) step, with its tool calls and usage."""
        if step.is_empty and step.finish in ("canceled", "error"):
            return  # nothing arrived: no empty message in the history
        row = self._row(step, final=True)
        usage = step.usage
        session_usage = None
        if usage is not None:
            # the session shows the context in use (last call) and the cumulative cost: DESIGN.md §2.7
            prompt = usage.input_tokens + usage.cache_creation_tokens + usage.cache_read_tokens
            session_usage = (prompt, usage.output_tokens, row.cost or 0.0)
        await self.store.run(self.store.save_assistant, row, usage=session_usage)

    def _row(self, step: StepResult, *, final: bool) -> MessageRow:
        usage = step.usage if final else None
        return MessageRow(
            id=step.message_id, session_id=self.session_id, role="assistant", content=step.text,
            reasoning=step.reasoning or None, reasoning_signature=step.reasoning_signature or None,
            reasoning_duration=step.reasoning_ms, model=self.model,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            cache_creation_tokens=usage.cache_creation_tokens if usage else None,
            cache_read_tokens=usage.cache_read_tokens if usage else None,
            cost=resolve_cost(self.model, usage) if usage is not None else None,
            # None marks a message still streaming; a restart reads it as interrupted
            finish_reason=step.finish if final else None,
            tool_calls=[ToolCallRow(c.id, c.name, c.arguments) for c in step.calls] if final else [],
        )
