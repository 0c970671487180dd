"""Plan approval: which ExitPlanMode plan waits for the user, and what approving it does.

A plan waits while its turn is the session's last one, over, and nothing was sent since. Approving
leaves plan mode (the session model's `plan_mode` flag: the next sends go without it) and sends the
go-ahead; keeping on planning keeps plan mode and hands the composer back for the changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.items import AssistantItem, NoteItem, ToolView
from mix_tui.tui.widgets.plan import PlanPanel, is_plan_call

if TYPE_CHECKING:
    from mix_tui.tui.screens.chat_host import ChatHost

APPROVED = "The plan is approved: leave plan mode and carry it out."


def pending_plan(model: SessionModel | None) -> str | None:
    """The id of the plan call waiting for an answer, if any."""
    if model is None or model.running or model.queue:
        return None
    items = [item for item in model.items() if not isinstance(item, NoteItem)]
    last = items[-1] if items else None
    if not isinstance(last, AssistantItem) or last.live:
        return None
    plans = [p for p in last.parts if isinstance(p, ToolView) and is_plan_call(p) and p.status == "ok"]
    return plans[-1].id if plans else None


class PlanFlow:
    def __init__(self, chat: ChatHost) -> None:
        self.chat = chat

    def refresh(self) -> None:
        """Offer the answers on the waiting plan only."""
        waiting = pending_plan(self.chat.open_model())
        for panel in self.chat.transcript.query(PlanPanel):
            settled = "" if panel.view.id == waiting else "a later prompt followed this plan"
            panel.set_pending(panel.view.id == waiting, settled if panel.view.finished else "")

    async def answer(self, call_id: str | None, approve: bool) -> None:
        chat = self.chat
        model = chat.open_model()
        waiting = pending_plan(model)
        if model is None or waiting is None or (call_id is not None and call_id != waiting):
            chat.show_note("No plan is waiting for an answer.", title="/approve")
            return
        if approve:
            model.plan_mode = False
            await model.submit(APPROVED)
        else:
            model.plan_mode = True
            chat.show_note("Still in plan mode: say what the plan should change.", title="Keep planning")
            chat.composer.focus()
        self.refresh()
