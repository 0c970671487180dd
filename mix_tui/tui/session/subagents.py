"""Sub-agent runs of stored Task calls: so a reopened session nests them as it did live.

Live, the sub-agent's events reach the parent's stream and the `Turn` folds them into the Task
call's `children`. History holds only the parent's messages; the sub-agent's are in a session of its
own (`sessionType: "subagent"`, `parentToolCallId` = the Task call). So after every history load the
Task calls without children get them: from what this client saw live (kept when the turn ended), or
else by reading the sub-agent session — its id is in the call's metadata on our server
(`subagent_session_id`), or found through `sessions.list(include_subagents=True)` on others — and
replaying it through the same reducer. Each Task call is looked up once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from mix_tui.sdk.errors import MixError
from mix_tui.sdk.replay import replay
from mix_tui.sdk.turn import MAX_NESTING, ToolCallState, Turn

if TYPE_CHECKING:
    from mix_tui.sdk.client import MixClient

Spawn = Callable[[Coroutine[Any, Any, None], str], None]

SUBAGENT_TOOLS = frozenset({"task"})


def subagent_calls(turns: Iterable[Turn]) -> list[ToolCallState]:
    """Task calls of these turns (nested ones included) that have no sub-agent parts yet."""
    found: list[ToolCallState] = []
    stack = list(turns)
    while stack:
        turn = stack.pop()
        for call in turn.tool_calls.values():
            if call.children is not None:
                if call.depth < MAX_NESTING:
                    stack.append(call.children)
            elif call.name.lower() in SUBAGENT_TOOLS:
                found.append(call)
    return found


def child_turn(messages: list[Any], depth: int) -> Turn:
    """A sub-agent session's history as one nested turn (a callback may have added prompts)."""
    turns = replay(messages)
    if not turns:
        child = Turn()
    else:
        child = turns[0]
        for later in turns[1:]:
            child.parts.extend(later.parts)
            child.tool_calls.update(later.tool_calls)
    child.depth = depth
    return child


class SubagentRuns:
    def __init__(self, client: MixClient, spawn: Spawn, changed: Callable[[], None]) -> None:
        self._client = client
        self._spawn = spawn
        self._changed = changed  # the transcript must be rebuilt: a run was attached
        self._runs: dict[str, Turn] = {}  # Task call id -> its sub-agent run
        self._asked: set[str] = set()  # Task call ids whose run is being (or was) looked up

    def keep_live(self, turn: Turn) -> None:
        """The live turn ended: keep the runs it saw (the reload after it replaces the turn)."""
        stack = [turn]
        while stack:
            current = stack.pop()
            for call in current.tool_calls.values():
                if call.children is not None:
                    self._runs[call.id] = call.children
                    stack.append(call.children)

    def fill(self, turns: Iterable[Turn]) -> bool:
        """Attach the runs known for these turns' Task calls; look up the others. True when any
        was attached now."""
        attached = False
        missing: list[ToolCallState] = []
        for call in subagent_calls(turns):
            run = self._runs.get(call.id)
            if run is not None:
                call.children = run
                attached = True
            elif call.finished and call.id not in self._asked:
                missing.append(call)
        if missing:
            self._asked.update(call.id for call in missing)
            self._spawn(self._look_up(missing), f"subagents {missing[0].id}")
        return attached

    async def _look_up(self, calls: list[ToolCallState]) -> None:
        by_call: dict[str, str] = {}
        for call in calls:
            session_id = (call.metadata or {}).get("subagent_session_id")
            if isinstance(session_id, str) and session_id:
                by_call[call.id] = session_id
        if len(by_call) < len(calls):
            try:
                sessions = await self._client.sessions.list(include_subagents=True)
            except MixError:
                sessions = []
            for session in sessions:
                parent_call = session.parent_tool_call_id
                if parent_call and session.session_type == "subagent" and parent_call not in by_call:
                    by_call[parent_call] = session.id
        found = False
        for call in calls:
            session_id = by_call.get(call.id)
            if session_id is None:
                continue
            try:
                messages = await self._client.messages.list(session_id)
            except MixError:
                continue
            self._runs[call.id] = child_turn(messages, call.depth + 1)
            found = True
        if found:
            self._changed()
