"""Permission prompts: allow shows the output in the tool panel, deny marks the call denied, "allow for
this session" auto-approves the same request later (and says what it covers), a background
session's prompt waits for the user, and a prompt answered or expired elsewhere closes itself.

Against the scripted in-process server, except the two end-to-end ones at the bottom (a real server
process with the demo model)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.permission import PermissionScreen
from tests.tui.conftest import (
    ServerProcess,
    make_server,
    opened,
    ready_chat,
    scripted_app,
    send,
    tool_panels,
    turn_over,
    wait_for,
)
from tests.tui.scripted import ScriptedMix, ScriptedTurn

NEEDS_PERMISSION = "$ echo hello && echo from-the-tool"  # `&&` is never allowlisted


def prompt_up(chat: ChatScreen) -> bool:
    return isinstance(chat.app.screen, PermissionScreen)


async def test_allow_runs_the_tool_and_its_output_shows_in_the_panel() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        assert tool_panels(chat)[0].view.status == "awaiting_permission"
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat), what="the end of the turn")
        panel = tool_panels(chat)[0]
        assert panel.view.status == "ok"
        assert panel.view.permission == "once"
        assert "from-the-tool: output" in (panel.view.result or "")
        assert list(mix.answers.values()) == [(True, "once")]
        # the panel starts collapsed; Enter expands it to the command and the output
        body = panel.query_one(".tool-body", Static)
        assert not body.display
        panel.focus()
        await pilot.press("enter")
        assert body.display
        assert "$ echo hello && echo from-the-tool" in panel.body_text.plain


async def test_deny_marks_the_call_denied_and_tells_the_server() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "$ echo never && echo runs")
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        await pilot.press("d")
        await wait_for(pilot, lambda: turn_over(chat), what="the end of the turn")
        view = tool_panels(chat)[0].view
        assert view.status == "denied" and view.permission == "denied"
        assert list(mix.answers.values()) == [(False, None)]
        assert "denied" in tool_panels(chat)[0].header_text().plain


async def test_allow_for_the_session_auto_approves_the_same_command_only() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        scope = str(chat.app.screen.query_one("#permission-scope", Static).render())
        assert scope == "s allows for this session: this command"
        await pilot.press("s")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the second turn")
        assert not prompt_up(chat)
        first, second = tool_panels(chat)[-2:]
        assert first.view.permission == "session"
        assert "approved for the session" in first.header_text().plain
        assert second.view.status == "ok" and second.view.auto_approved
        assert "auto-approved" in second.header_text().plain
        assert [scope for _, scope in mix.answers.values()] == ["session", "rule"]
        # another command is not covered
        await send(pilot, chat, "$ rm -rf build")
        await wait_for(pilot, lambda: prompt_up(chat), what="a prompt for another command")
        await pilot.press("d")
        await wait_for(pilot, lambda: turn_over(chat, 3))


async def _write(turn: ScriptedTurn) -> None:
    path = turn.text.removeprefix("write ")
    await turn.tool("Write", {"file_path": path, "content": "x"}, ask=True, path=path)
    turn.complete()


async def test_a_file_rule_covers_the_working_directory_and_never_a_path_outside() -> None:
    mix = ScriptedMix(_write, workdir="/work/project")
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "write /work/project/a.txt")
        await wait_for(pilot, lambda: prompt_up(chat), what="the first prompt")
        scope = str(chat.app.screen.query_one("#permission-scope", Static).render())
        assert scope == "s allows for this session: Write in /work/project"
        await pilot.press("s")
        await wait_for(pilot, lambda: turn_over(chat))
        await send(pilot, chat, "write /work/project/sub/b.txt")  # inside: covered
        await wait_for(pilot, lambda: turn_over(chat, 2))
        assert tool_panels(chat)[-1].view.auto_approved
        await send(pilot, chat, "write /etc/passwd")  # outside: asks, and offers "allow once" only
        await wait_for(pilot, lambda: prompt_up(chat), what="the prompt for a path outside")
        screen = chat.app.screen
        assert not screen.query("#allow_session")
        assert "Outside the working directory" in str(screen.query_one("#permission-scope", Static).render())
        await pilot.press("s")  # not offered: does nothing
        assert prompt_up(chat)
        await pilot.press("d")
        await wait_for(pilot, lambda: turn_over(chat, 3))
        assert tool_panels(chat)[-1].view.status == "denied"


async def test_a_background_sessions_prompt_waits_until_the_user_opens_it() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first session")
        await wait_for(pilot, lambda: turn_over(chat))
        background = opened(chat)
        await pilot.press("ctrl+n")  # a fresh chat; the first session keeps streaming behind it
        await wait_for(pilot, lambda: chat.current is None)
        # another client starts a turn there that needs permission
        mix._send(background.session_id, "$ echo in && echo background")
        await wait_for(pilot, lambda: background.awaiting_permission, what="the background prompt")
        assert not prompt_up(chat)
        assert background.session_id in chat.sidebar._awaiting_ids
        await chat.open_session(background.session_id)
        await wait_for(pilot, lambda: prompt_up(chat), what="the prompt after switching")
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the end of that turn")
        assert not background.awaiting_permission
        assert background.session_id not in chat.sidebar._awaiting_ids
        assert tool_panels(chat)[-1].view.status == "ok"


async def test_a_prompt_answered_by_another_client_closes_itself_with_a_note() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "$ echo answered && echo elsewhere")
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        screen = chat.app.screen
        assert isinstance(screen, PermissionScreen)
        mix._answer(screen.permission.id, True, None)  # another client grants it
        await wait_for(pilot, lambda: "the tool finished" in str(screen.query_one("#permission-note", Static).render()))
        await wait_for(pilot, lambda: not prompt_up(chat), what="the prompt to close")
        await wait_for(pilot, lambda: turn_over(chat))
        assert tool_panels(chat)[0].view.status == "ok"


async def test_escape_cancels_a_turn_that_waits_for_an_answer_and_denies_the_prompt() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        model = opened(chat)
        await model.cancel()
        await wait_for(pilot, lambda: not prompt_up(chat), what="the prompt to close")
        await wait_for(pilot, lambda: not model.running, what="the end of the turn")
        denials = [r for r in mix.requests if r.url.path.endswith("/deny")]
        assert len(denials) == 1  # the server may have dropped the prompt with the turn: a 404 is fine
        assert "cancel" in (chat.transcript.items[-1].error or "")  # type: ignore[union-attr]


# ---- end to end: a real server process -----------------------------------------------------------


async def test_e2e_allow_runs_the_command_on_the_real_server(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, NEEDS_PERMISSION)
        await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat), what="the end of the turn")
        panel = tool_panels(chat)[0]
        assert panel.view.status == "ok"
        assert "from-the-tool" in (panel.view.result or "")


async def test_e2e_a_prompt_nobody_answers_reads_timed_out_live_and_after_a_reload(tmp_path: Path) -> None:
    impatient = make_server(tmp_path, extra=["--permission-timeout", "1"])
    try:
        app = impatient.app(permission_timeout=1.0)
        async with app.run_test(size=(120, 40)) as pilot:
            chat = await ready_chat(pilot)
            await send(pilot, chat, NEEDS_PERMISSION)
            await wait_for(pilot, lambda: prompt_up(chat), what="the permission prompt")
            await wait_for(pilot, lambda: turn_over(chat), what="the server's own denial")
            header = tool_panels(chat)[0].header_text().plain
            assert "timed out" in header and "denied" not in header
            session_id = opened(chat).session_id

        again = impatient.app(session_id=session_id)  # and the same from the stored history
        async with again.run_test(size=(120, 40)) as pilot:
            chat = await ready_chat(pilot)
            await wait_for(pilot, lambda: bool(tool_panels(chat)), what="the stored tool call")
            header = tool_panels(chat)[0].header_text().plain
            assert "timed out" in header and "denied" not in header
    finally:
        impatient.stop()
