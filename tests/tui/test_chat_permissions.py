"""Permission prompts against a real server: allow shows the output in the tool panel, deny marks the
call denied, "allow for this session" auto-approves the same request later, a background session's
prompt waits for the user, and a prompt answered elsewhere closes itself."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from mix_tui.sdk.client import MixClient
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.permission import PermissionScreen
from tests.tui.conftest import (
    ServerProcess,
    conv,
    make_server,
    ready_chat,
    send,
    tool_panels,
    turn_over,
    wait_for,
)

NEEDS_PERMISSION = "$ echo hello && echo from-the-tool"  # `&&` is never allowlisted


def prompt_up(chat: ChatScreen) -> bool:
    return isinstance(chat.app.screen, PermissionScreen)


async def test_allow_runs_the_tool_and_its_output_shows_in_the_panel(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        panel = tool_panels(chat)[0]
        assert panel.view.status == "awaiting_permission"
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat), what="the end of the turn")
        panel = tool_panels(chat)[0]
        assert panel.view.status == "ok"
        assert "from-the-tool" in (panel.view.result or "")
        # the panel starts collapsed; Enter expands it to the command and the output
        body = panel.query_one(".tool-body", Static)
        assert not body.display
        panel.focus()
        await pilot.press("enter")
        assert body.display
        assert "$ echo hello && echo from-the-tool" in panel.body_text.plain
        assert "from-the-tool\n" in panel.body_text.plain + "\n"


async def test_deny_marks_the_call_denied(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "$ echo never && echo runs")
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        await pilot.press("d")
        await wait_for(pilot, lambda: turn_over(chat), what="the end of the turn")
        assert tool_panels(chat)[0].view.status == "denied"
        assert "runs\n" not in (tool_panels(chat)[0].view.result or "")


async def test_allow_for_the_session_auto_approves_the_same_request(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        await pilot.press("s")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the second turn")
        assert not prompt_up(chat)
        second = tool_panels(chat)[-1]
        assert second.view.status == "ok"
        assert second.view.auto_approved
        assert "auto-approved" in second.header_text().plain


async def test_a_background_sessions_prompt_waits_until_the_user_opens_it(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot, MixClient(server.url, server.token) as other:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first session")
        await wait_for(pilot, lambda: turn_over(chat))
        background = conv(chat).session_id
        await pilot.press("ctrl+n")  # a fresh chat; the first session keeps streaming behind it
        await wait_for(pilot, lambda: chat.current is None)
        # another client starts a turn there that needs permission
        await other.messages.send(background, "$ echo in && echo background")
        pending = chat.bridge.conversations[background]
        await wait_for(pilot, lambda: bool(pending.waiting), what="the background prompt")
        assert not prompt_up(chat)
        sidebar = chat.sidebar
        assert background in sidebar._awaiting_ids
        await chat.open_session(background)
        await wait_for(pilot, lambda: prompt_up(chat), what="the prompt after switching")
        await pilot.press("a")
        await wait_for(
            pilot, lambda: not pending.running and not pending.waiting, what="the end of that turn"
        )
        await wait_for(pilot, lambda: turn_over(chat, 2))
        assert tool_panels(chat)[-1].view.status == "ok"


async def test_a_prompt_answered_by_another_client_closes_itself(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot, MixClient(server.url, server.token) as other:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "$ echo answered && echo elsewhere")
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        screen = app.screen
        assert isinstance(screen, PermissionScreen)
        await other.permissions.grant(screen.permission.id)
        await wait_for(pilot, lambda: not prompt_up(chat), what="the prompt to close", within=20)
        await wait_for(pilot, lambda: turn_over(chat))
        assert tool_panels(chat)[0].view.status == "ok"


async def test_a_prompt_nobody_answers_reads_timed_out(tmp_path: Path) -> None:
    impatient = make_server(tmp_path, extra=["--permission-timeout", "1"])
    try:
        app = impatient.app(permission_timeout=1.0)
        async with app.run_test(size=(120, 40)) as pilot:
            chat = await ready_chat(pilot)
            await send(pilot, chat, NEEDS_PERMISSION)
            await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
            await wait_for(pilot, lambda: turn_over(chat), what="the server's own denial", within=20)
            header = tool_panels(chat)[0].header_text().plain
            assert "timed out" in header and "denied" not in header
            session_id = conv(chat).session_id

        again = impatient.app(session_id=session_id)  # and the same from the stored history
        async with again.run_test(size=(120, 40)) as pilot:
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: bool(tool_panels(chat)), what="the stored tool call")
            header = tool_panels(chat)[0].header_text().plain
            assert "timed out" in header and "denied" not in header
    finally:
        impatient.stop()
