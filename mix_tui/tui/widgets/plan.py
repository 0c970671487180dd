"""The plan an agent hands back through ExitPlanMode, rendered as Markdown in its tool panel.

The plan is open from the start (it is what the user must read) and, while it is the session's
latest word, offers the two answers: approve (leave plan mode and carry it out) or keep planning.
The panel only posts the answer; the screen decides whether the plan is still the one waiting
(`set_pending`) and what an answer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Markdown, Static

from mix_tui.tui.session.items import ToolView
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.tool_call import ToolCallPanel

PLAN_TOOLS = frozenset({"exitplanmode", "exit_plan_mode"})


def is_plan_call(view: ToolView) -> bool:
    return view.name.lower() in PLAN_TOOLS


def plan_text(view: ToolView) -> str:
    plan: Any = view.arguments.get("plan") or (view.metadata or {}).get("plan") or ""
    return plan if isinstance(plan, str) else ""


class PlanPanel(ToolCallPanel):
    DEFAULT_CSS = """
    PlanPanel > .plan-body {
        height: auto;
        margin: 0 0 0 2;
        padding: 0 1;
        border-left: tall $success 50%;
    }
    PlanPanel > .plan-actions { height: auto; margin: 0 0 0 3; display: none; }
    PlanPanel.-pending > .plan-actions { display: block; }
    PlanPanel > .plan-actions Button { margin-right: 1; min-width: 18; }
    PlanPanel > .plan-state { height: 1; margin: 0 0 0 3; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "answer(True)", "Approve the plan", show=False),
        Binding("k", "answer(False)", "Keep planning", show=False),
    ]
    LIST_CHILDREN = False

    @dataclass
    class Answered(Message):
        call_id: str
        approve: bool

    def __init__(self, view: ToolView) -> None:
        self._plan = plan_text(view)
        self._markdown = Markdown(clean(self._plan) or "(an empty plan)", classes="plan-body", open_links=False)
        self._actions = Horizontal(
            Button(Text("Approve and go (a)"), classes="plan-approve", variant="success"),
            Button(Text("Keep planning (k)"), classes="plan-keep"),
            classes="plan-actions",
        )
        self._state = Static(classes="plan-state")
        self.pending = False
        super().__init__(view, expanded=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._head
        yield self._markdown
        yield self._actions
        yield self._state
        yield self._body
        yield self._more

    def _shows_result(self) -> bool:
        return False  # "the plan was shown to the user": said to the model, not to the user

    def update_view(self, view: ToolView) -> None:
        super().update_view(view)
        plan = plan_text(view)
        if plan != self._plan:
            self._plan = plan
            self._markdown.update(clean(plan) or "(an empty plan)")

    def set_pending(self, pending: bool, state: str = "") -> None:
        """Offer the answers (the plan is the session's latest word), or say how it was settled."""
        self.pending = pending
        self.set_class(pending, "-pending")
        self._state.update(Text(clean(state), "dim italic"))
        self._state.display = bool(state) and not pending

    def action_answer(self, approve: bool) -> None:
        if self.pending:
            self.post_message(self.Answered(self.view.id, approve))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.has_class("plan-approve"))
