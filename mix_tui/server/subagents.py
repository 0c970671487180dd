"""Sub-agents: a Turn in a session of its own whose events go to the caller's stream.

Used by the Task tool and by sub_agent callbacks. The child session is stored like any other
(sessionType "subagent", parentSessionId, parentToolCallId, the sub-agent model from the
preferences), so its history can be read later; its events reach the parent session's stream with
parentToolCallId set (permission prompts included, so the user can answer them there), except its
own terminal event, which becomes the tool's result instead. Its cost is added to the parent's.
Sub-agents do not start sub-agents of their own.
"""

from __future__ import annotations

import asyncio
import logging
import time

from mix_tui.protocol.events import Complete, Error, MixEvent, Notification, Permission
from mix_tui.server import catalog
from mix_tui.server.agent import Turn, TurnRequest
from mix_tui.server.providers.model_ids import Choice
from mix_tui.server.runtime import Runtime
from mix_tui.server.store import SessionRow, new_id
from mix_tui.server.tools.base import SubagentRequest, SubagentResult

log = logging.getLogger(__name__)


def _is_terminal(event: MixEvent) -> bool:
    if isinstance(event, Complete):
        return True
    return isinstance(event, Error) and event.type != "rate_limit_error" and event.retry_after is None


class SubagentTurn(Turn):
    """A Turn whose events are re-addressed to the parent's stream; its end is kept, not sent."""

    def __init__(
        self, rt: Runtime, session_id: str, request: TurnRequest, cancelled: asyncio.Event, *,
        route_to: str, parent_tool_call_id: str,
    ) -> None:  # fmt: skip
        # a sub-agent's Task calls reach a runner that refuses them (no sub-agents of sub-agents)
        super().__init__(rt, session_id, request, cancelled, subagents=SubagentRunner)
        self.route_to = route_to
        self.parent_tool_call_id = parent_tool_call_id
        self.outcome: Complete | Error | None = None

    def publish(self, event: MixEvent) -> int:
        if _is_terminal(event):
            self.outcome = event  # type: ignore[assignment]
            return 0
        stamped = event.model_copy(update={"parent_tool_call_id": self.parent_tool_call_id})
        if isinstance(stamped, Permission):
            self.rt.permissions.reroute(stamped.id, self.route_to, stamped)
        elif isinstance(stamped, Notification):
            self.rt.notifications.reroute(stamped.id, self.route_to, stamped)
        return self.rt.publish(self.route_to, stamped)


class SubagentRunner:
    """Bound to the calling turn: its session, model choice, plan mode and cancel flag."""

    def __init__(self, rt: Runtime, session_id: str, parent_choice: Choice, plan_mode: bool, cancelled: asyncio.Event) -> None:
        self.rt = rt
        self.session_id = session_id
        self.parent_choice = parent_choice
        self.plan_mode = plan_mode
        self.cancelled = cancelled

    async def __call__(self, request: SubagentRequest) -> SubagentResult:
        store = self.rt.store
        parent = await store.run(store.get_session, self.session_id)
        if parent is None:
            return SubagentResult("", "The session that started the sub-agent is gone.", False)
        if parent.session_type == "subagent":
            return SubagentResult("", "A sub-agent cannot start sub-agents of its own; do the work yourself.", False)
        prefs = await store.run(store.get_preferences)
        choice = catalog.choose_sub_agent(self.parent_choice, prefs)
        now = time.time()
        row = SessionRow(
            id=new_id(), title=request.description or "Sub-agent", session_type="subagent",
            browser_mode=parent.browser_mode, created_at=now, updated_at=now, parent_session_id=parent.id,
            parent_tool_call_id=request.tool_call_id, subagent_type=request.subagent_type or "general-purpose",
            provider=choice.provider, model_id=choice.model,
        )  # fmt: skip
        await store.run(store.create_session, row)
        turn = SubagentTurn(
            self.rt, row.id, TurnRequest(text=request.prompt, plan_mode=self.plan_mode), self.cancelled,
            route_to=parent.id, parent_tool_call_id=request.tool_call_id,
        )  # fmt: skip
        await turn.run()
        child = await store.run(store.get_session, row.id)
        if child is not None and child.cost:
            await store.run(store.add_cost, parent.id, child.cost)
        outcome = turn.outcome
        if isinstance(outcome, Complete):
            return SubagentResult(row.id, await self._answer(row.id) or "(the sub-agent gave no answer)", True)
        error = outcome.error if isinstance(outcome, Error) else "the sub-agent ended without a result"
        return SubagentResult(row.id, f"The sub-agent stopped: {error}", False)

    async def _answer(self, session_id: str) -> str:
        """The sub-agent's last words: the text of its last assistant message."""
        store = self.rt.store
        messages = await store.run(store.list_messages, session_id)
        return next((m.content for m in reversed(messages) if m.role == "assistant" and m.content.strip()), "")
