"""Sending prompts against a real local server (demo model at full speed): the answer streams into
one answer widget per message, code is highlighted, history renders the same after reopening."""

from __future__ import annotations

from mix_tui.tui.screens.permission import PermissionScreen
from mix_tui.tui.session.items import AssistantItem, ThinkingView, ToolView, UserItem
from mix_tui.tui.widgets.message import AnswerMarkdown
from tests.tui.conftest import ServerProcess, opened, ready_chat, send, shown_text, turn_over, wait_for


async def test_a_prompt_streams_an_answer_into_the_transcript(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        assert chat.current is None  # a fresh chat: the session is created on the first send
        hint = chat.transcript.query_one(".empty-hint")
        assert hint.display
        await send(pilot, chat, "hello there")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        session = opened(chat)
        assert session.session is not None and session.session.provider == "demo"
        items = chat.transcript.items
        assert isinstance(items[0], UserItem) and items[0].text == "hello there"
        assert isinstance(items[1], AssistantItem)
        assert any(isinstance(part, ThinkingView) for part in items[1].parts)
        text = shown_text(chat)
        assert "> hello there" in text
        assert "offline demo" in text
        assert chat.composer.text == ""
        assert not hint.display
        # the status line shows the session's cost and context from the re-read session
        await wait_for(pilot, lambda: chat.status.info.context_tokens > 0, what="context tokens")
        assert chat.status.info.title


async def test_code_in_an_answer_is_a_highlighted_fence(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "show me some code please")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        answer = chat.transcript.query(AnswerMarkdown).last()
        await wait_for(pilot, lambda: answer.settled, what="the answer drawn")
        language = next(lang for lang, code in answer.code_blocks() if "def " in code)
        assert language  # a language is named, so the code is highlighted
        (first_code_line,) = [y for y in range(answer.size.height) if "def " in answer.render_line(y).text][:1]
        colours = {s.style.color for s in answer.render_line(first_code_line) if s.text.strip() and s.style}
        assert len(colours) >= 2, "keywords and names in different colours"


async def test_history_renders_the_same_after_reopening(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "$ echo stored-output")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the prompt")
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        session_id = opened(chat).session_id
        live_items = chat.transcript.items
        live_text = shown_text(chat)
    assert "stored-output" in live_text

    again = server.app(session_id=session_id)
    async with again.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(pilot, lambda: chat.current == session_id and opened(chat).timeline.loaded)
        await wait_for(pilot, lambda: len(chat.transcript.items) == len(live_items), what="the stored items")
        await wait_for(pilot, lambda: shown_text(chat) == live_text, what="the same rendering")
        reopened = chat.transcript.items
        assert [type(i) for i in reopened] == [type(i) for i in live_items]
        assert isinstance(reopened[1], AssistantItem) and isinstance(live_items[1], AssistantItem)
        assert [type(p) for p in reopened[1].parts] == [type(p) for p in live_items[1].parts]
        assert shown_text(chat) == live_text
        tools = [p for p in reopened[1].parts if isinstance(p, ToolView)]
        assert tools and tools[0].status == "ok" and "stored-output" in (tools[0].result or "")


async def test_continue_opens_the_most_recent_session(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "the latest one")
        await wait_for(pilot, lambda: turn_over(chat))
        latest = opened(chat).session_id

    again = server.app(continue_last=True)
    async with again.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        # the items are set before their widgets finish mounting: wait for the answer's widget too
        await wait_for(pilot, lambda: chat.current == latest and len(chat.transcript.query(AnswerMarkdown)) >= 1)
        assert "> the latest one" in shown_text(chat)


async def test_long_lines_in_a_code_block_wrap_instead_of_being_cut(server: ServerProcess) -> None:
    app = server.app()
    long_line = "word " * 60 + "THE-END"
    async with app.run_test(size=(100, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, f"$ echo {long_line}")  # the demo quotes the output in a fence
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionScreen), what="the prompt")
        await pilot.press("a")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")

        answer = chat.transcript.query(AnswerMarkdown).last()
        await wait_for(pilot, lambda: answer.settled and any("THE-END" in c for _, c in answer.code_blocks()))
        await pilot.pause()
        lines = [answer.render_line(y).text for y in range(answer.size.height)]
        assert answer.size.width < len(long_line)
        assert all(len(line) <= answer.size.width for line in lines), "nothing sticks out to the right"
        wrapped = [line for line in lines if "word word" in line]
        assert len(wrapped) >= len(long_line) // answer.size.width  # the line wrapped
        assert any("THE-END" in line for line in lines)
        assert answer.region.right <= chat.transcript.region.right
