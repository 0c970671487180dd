"""Which sessions are running a turn: start (409 when busy), cancel, and stop them all at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from mix_tui.server.agent import Turn, TurnRequest
from mix_tui.server.runtime import Runtime


class SessionBusy(Exception):
    """A turn is already running in this session."""


@dataclass(eq=False)
class _Active:
    turn: Turn
    task: asyncio.Task[None]
    cancelled: asyncio.Event


class TurnManager:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._active: dict[str, _Active] = {}

    def is_running(self, session_id: str) -> bool:
        return session_id in self._active

    def start(self, session_id: str, request: TurnRequest) -> None:
        """Start a turn in the background. Synchronous, so two sends cannot both pass the check."""
        if session_id in self._active:
            raise SessionBusy(session_id)
        cancelled = asyncio.Event()
        turn = Turn(self.rt, session_id, request, cancelled)
        task = asyncio.create_task(turn.run(), name=f"turn-{session_id}")
        active = _Active(turn, task, cancelled)
        self._active[session_id] = active

        def forget(_: asyncio.Task[None]) -> None:
            if self._active.get(session_id) is active:
                del self._active[session_id]

        task.add_done_callback(forget)

    def cancel(self, session_id: str) -> bool:
        """Ask the session's turn to stop; True when one was running."""
        active = self._active.get(session_id)
        if active is None or active.turn.ended:  # a turn recording its end is past stopping
            return False
        # tools watch this event (Bash kills its process group), permission waits resolve as cancelled
        active.cancelled.set()
        return True

    async def wait(self, session_id: str, grace: float) -> None:
        active = self._active.get(session_id)
        if active is not None:
            await asyncio.wait({active.task}, timeout=grace)

    async def shutdown(self, grace: float = 8.0) -> None:
        """Cancel every turn, give them `grace` seconds to record it, then stop whatever is left."""
        actives = list(self._active.values())
        for active in actives:
            active.cancelled.set()
        tasks = {a.task for a in actives}
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
