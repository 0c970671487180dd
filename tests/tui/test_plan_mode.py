"""ExitPlanMode against the real server: the plan is rendered as Markdown in its panel with
approve / keep planning while it is the session's latest word. Keeping on planning sends the next
prompt in plan mode (the server stores the plan-mode reminder with it); approving leaves plan mode
and sends the go-ahead without it; an older plan offers nothing."""

from __future__ import annotations

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.plan_flow import APPROVED
from mix_tui.tui.widgets.plan import PlanPanel
from tests.tui.conftest import ServerProcess, opened, ready_chat, send, turn_over, wait_for

PLAN = "plan\n```\n1. Read `README.md`\n2. **Summarise** it\n```"


def plan_panels(chat: ChatScreen) -> list[PlanPanel]:
    return list(chat.transcript.query(PlanPanel))


def user_inputs(chat: ChatScreen) -> list[str]:
    return [m.user_input for m in opened(chat).history if m.role == "user"]


async def test_a_plan_is_approved_or_kept_in_planning(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(110, 44)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, PLAN)
        await wait_for(pilot, lambda: turn_over(chat) and plan_panels(chat)[-1].pending, what="the pending plan")
        panel = plan_panels(chat)[-1]
        source = panel._markdown.source
        assert "1. Read `README.md`" in source and "**Summarise**" in source  # rendered as Markdown
        assert panel._markdown.display

        chat.transcript.focus_panel(panel)
        await wait_for(pilot, lambda: chat.focused is panel)
        await pilot.press("k")  # keep planning: plan mode stays on for the next prompt
        await wait_for(pilot, lambda: opened(chat).plan_mode and chat.composer.has_focus)
        await send(pilot, chat, PLAN)
        await wait_for(pilot, lambda: turn_over(chat, 2) and plan_panels(chat)[-1].pending, what="the second plan")
        assert "<system-reminder>" in user_inputs(chat)[-1]  # sent with plan_mode
        assert [p.pending for p in plan_panels(chat)] == [False, True]  # the older plan offers nothing

        await pilot.click(plan_panels(chat)[-1].query_one(".plan-approve"))  # approve: out of plan mode, the go-ahead goes out
        await wait_for(pilot, lambda: turn_over(chat, 3), what="the approved turn")
        assert user_inputs(chat)[-1] == APPROVED and not opened(chat).plan_mode
        assert not any(p.pending for p in plan_panels(chat))

        await chat.run_action("approve_plan")  # nothing waits now: it says so
        assert "No plan is waiting" in opened(chat).items()[-1].text  # type: ignore[union-attr]
