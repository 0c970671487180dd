"""Which sessions are running a turn, and what waits behind it: submit (run now or queue), cancel,
withdraw, and stop them all at shutdown (DESIGN.md §2, decision 6).

A send while a turn runs is queued and run after it, in arrival order, each its own turn with its
own events. A cancel stops the running turn only; what is queued then runs, unless the caller asks
for the queue to be cleared too (as a user pressing Esc twice would).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from mix_tui.server import prompt_queue
from mix_tui.server.agent import Turn, TurnRequest
from mix_tui.server.prompt_queue import QueuedPrompt
from mix_tui.server.runtime import Runtime
from mix_tui.server.store import new_id
from mix_tui.server.subagents import SubagentRunner

MAX_QUEUED = 100  # per session: a runaway client gets a clear 400, not an unbounded backlog


class QueueFull(Exception):
    """The session already has MAX_QUEUED prompts waiting."""


@dataclass(eq=False)
class _Active:
    turn: Turn
    task: asyncio.Task[None]
    cancelled: asyncio.Event


class TurnManager:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._active: dict[str, _Active] = {}
        self._queues: dict[str, list[QueuedPrompt]] = {}

    def is_running(self, session_id: str) -> bool:
        return session_id in self._active

    def queued(self, session_id: str) -> list[QueuedPrompt]:
        return list(self._queues.get(session_id, ()))

    async def submit(self, session_id: str, request: TurnRequest) -> QueuedPrompt | None:
        """Start a turn now (None) or queue it behind the running one (the queued prompt).

        The decision and the queue's order are settled before the first await, so concurrent sends
        keep their arrival order; the row is then persisted before the 202 goes out.
        """
        queue = self._queues.get(session_id, [])
        if session_id not in self._active and not queue:
            self._start(session_id, request, None)
            return None
        if len(queue) >= MAX_QUEUED:
            raise QueueFull(session_id)
        item = QueuedPrompt(
            new_id(), session_id, request.text, request.plan_mode, request.thinking_level, request.max_steps,
            time.time(),
        )
        self._queues.setdefault(session_id, []).append(item)
        store = self.rt.store
        await store.run(store.transaction, prompt_queue.add, item)
        return item

    def _start(self, session_id: str, request: TurnRequest, queue_id: str | None) -> None:
        cancelled = asyncio.Event()
        turn = Turn(self.rt, session_id, request, cancelled, queue_id=queue_id, subagents=SubagentRunner)
        task = asyncio.create_task(turn.run(), name=f"turn-{session_id}")
        active = _Active(turn, task, cancelled)
        self._active[session_id] = active

        def finished(_: asyncio.Task[None]) -> None:
            if self._active.get(session_id) is active:
                del self._active[session_id]
                self._next(session_id)

        task.add_done_callback(finished)

    def _next(self, session_id: str) -> None:
        queue = self._queues.get(session_id)
        if not queue or self.rt.shutting_down.is_set():
            return  # at shutdown what waits is recorded as not run (shutdown below)
        item = queue.pop(0)
        if not queue:
            del self._queues[session_id]
        request = TurnRequest(item.text, item.plan_mode, item.thinking_level, item.max_steps)
        self._start(session_id, request, item.id)

    def cancel(self, session_id: str) -> bool:
        """Ask the session's running turn to stop; True when one was running (and not already ending)."""
        active = self._active.get(session_id)
        if active is None or active.turn.ended:  # a turn recording its end is past stopping
            return False
        # tools watch this event (Bash kills its process group), permission waits resolve as cancelled
        active.cancelled.set()
        return True

    async def withdraw(self, session_id: str, queue_ids: list[str] | None = None) -> list[str]:
        """Take queued prompts out (all of them when `queue_ids` is None); returns the ids withdrawn.
        One that already started is not in the queue any more and is not withdrawn."""
        queue = self._queues.get(session_id, [])
        wanted = None if queue_ids is None else set(queue_ids)
        gone = [q for q in queue if wanted is None or q.id in wanted]
        kept = [q for q in queue if q not in gone]
        if kept:
            self._queues[session_id] = kept
        else:
            self._queues.pop(session_id, None)
        if gone:
            store = self.rt.store
            await store.run(store.transaction, prompt_queue.remove, [q.id for q in gone])
        return [q.id for q in gone]

    async def wait(self, session_id: str, grace: float) -> None:
        active = self._active.get(session_id)
        if active is not None:
            await asyncio.wait({active.task}, timeout=grace)

    async def shutdown(self, grace: float = 8.0) -> None:
        """Cancel every turn, give them `grace` seconds to record it, stop whatever is left, then
        record every queued prompt as not run."""
        actives = list(self._active.values())
        for active in actives:
            active.cancelled.set()
        tasks = {a.task for a in actives}
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._queues:
            self._queues.clear()
            store = self.rt.store
            await store.run(store.transaction, prompt_queue.abandon_queued)
