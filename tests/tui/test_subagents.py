"""Sub-agents end to end against the real server: the demo's `task` directive runs a Task call whose
sub-agent session's events nest inside the Task panel live (its own thinking, tools and a permission
prompt answered from the parent), a reopened session nests the stored run the same way, and the
sidebar lists sub-agent sessions under their parent when asked to."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.pilot import Pilot

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.widgets.message import AnswerMarkdown
from mix_tui.tui.widgets.subagent import SubagentPanel
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel
from tests.tui.conftest import make_server, opened, ready_chat, send, turn_over, wait_for

# `&&` is never allowlisted: the sub-agent's Bash call asks, and the prompt reaches the parent's stream
TASK = "task $ echo from-the-sub-agent && echo done"


def task_panel(chat: ChatScreen) -> SubagentPanel:
    panels = list(chat.transcript.query(SubagentPanel))
    assert panels, "no Task panel yet"
    return panels[0]


def nested(panel: SubagentPanel) -> list[str]:
    """The nested part widgets, by kind and (for tools) name and status."""
    out: list[str] = []
    for widget in panel.child_widgets:
        if isinstance(widget, ThinkingPanel):
            out.append("thinking")
        elif isinstance(widget, ToolCallPanel):
            out.append(f"{widget.view.name}:{widget.view.status}")
        elif isinstance(widget, AnswerMarkdown):
            out.append("answer")
    return out


async def expand(pilot: Pilot[object], chat: ChatScreen, panel: SubagentPanel) -> None:
    """Focus the panel the way Ctrl+Up does, and press Enter."""
    chat.transcript.focus_panel(panel)
    await wait_for(pilot, lambda: chat.focused is panel, what="the Task panel to have the focus")
    await pilot.press("enter")
    assert panel.expanded


def activity(panel: SubagentPanel) -> str:
    visual = panel._activity.render()
    return visual.plain if isinstance(visual, Text) else str(visual)


async def test_a_task_nests_its_sub_agent_live_and_after_a_restart(tmp_path: Path) -> None:
    server = make_server(tmp_path, rate="400")
    try:
        app = server.app()
        async with app.run_test(size=(120, 60)) as pilot:
            chat = await ready_chat(pilot)
            await send(pilot, chat, TASK)
            # the sub-agent's Bash call asks; the prompt comes up in the parent's chat
            await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the sub-agent's prompt")
            panel = task_panel(chat)
            assert panel.view.status == "running" and "awaiting permission" in activity(panel)
            panel.action_toggle_panel()  # (the prompt has the keys) expanded: the parts are panels
            await wait_for(
                pilot, lambda: "Bash:awaiting_permission" in nested(task_panel(chat)), what="the nested prompt"
            )
            assert nested(task_panel(chat))[0] == "thinking"
            await pilot.press("a")
            await wait_for(pilot, lambda: turn_over(chat), what="the turn to end")
            await wait_for(pilot, lambda: task_panel(chat).view.status == "ok", what="the stored Task call")
            panel = task_panel(chat)
            if not panel.expanded:
                await expand(pilot, chat, panel)
            await wait_for(pilot, lambda: "answer" in nested(task_panel(chat)), what="the nested answer")
            live = nested(task_panel(chat))
            assert live[0] == "thinking" and "Bash:ok" in live and live[-1] == "answer"
            assert "finished" in activity(task_panel(chat))
            session_id = opened(chat).session_id

        again = server.app(session_id=session_id)
        async with again.run_test(size=(120, 60)) as pilot:
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: bool(chat.transcript.query(SubagentPanel)), what="the Task panel")
            # the stored sub-agent session is read and nested like the live run was
            await wait_for(pilot, lambda: bool(task_panel(chat).view.children), what="the stored sub-agent run")
            panel = task_panel(chat)
            await expand(pilot, chat, panel)
            await wait_for(pilot, lambda: nested(task_panel(chat)) == live, what="the same nested parts")

            # the sidebar lists the sub-agent session under its parent once asked to
            assert all(s.session_type != "subagent" for s in chat.sidebar.sessions())
            await chat.run_action("toggle_subagents")
            await wait_for(
                pilot, lambda: any(s.session_type == "subagent" for s in chat.sidebar.sessions()),
                what="sub-agent sessions in the sidebar",
            )  # fmt: skip
            order = [s for s in chat.sidebar.sessions()]
            parent_at = next(i for i, s in enumerate(order) if s.id == session_id)
            assert order[parent_at + 1].parent_session_id == session_id
            assert "↳" in chat.sidebar.render_row(order[parent_at + 1]).plain
            await chat.run_action("toggle_subagents")
            await wait_for(pilot, lambda: all(s.session_type != "subagent" for s in chat.sidebar.sessions()))
    finally:
        server.stop()
