"""Selecting messages, forking at one and rewinding to before a prompt, against the scripted server:
keys, clicks, slash commands, the server's calls and what the app shows after them."""

from __future__ import annotations

from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.session.items import AssistantItem, UserItem
from mix_tui.tui.widgets.message import AnswerMarkdown, AssistantMessage, UserMessage
from tests.tui.conftest import opened, ready_chat, scripted_app, send, settled, wait_for
from tests.tui.scripted import ScriptedMix
from tests.tui.travel_helpers import last_note, turns


async def test_the_cursor_moves_over_messages_by_key_and_click() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two")
        transcript = chat.transcript
        assert transcript.selected is None
        await pilot.press("alt+up")  # from no selection: the last message
        keys = transcript.selectable()
        assert transcript.selected == keys[-1] and isinstance(transcript.items[-1], AssistantItem)
        marked = transcript.widget_for(keys[-1])
        assert marked is not None and marked.has_class("-selected")
        await pilot.press("alt+up", "alt+up")
        assert transcript.selected == keys[-3]
        assert not marked.has_class("-selected")  # one message is marked at a time
        transcript.focus()
        await pilot.press("j")
        assert transcript.selected == keys[-2]
        await pilot.press("up")
        assert transcript.selected == keys[-3]
        await pilot.press("escape")  # the first Esc drops the selection
        assert transcript.selected is None
        first = transcript.query(UserMessage).first()
        await pilot.click(first)
        assert transcript.selected == first.key and first.has_class("-selected")
        answer = transcript.query(AssistantMessage).last()
        inside = [child.region for child in answer.walk_children()]
        await pilot.click(answer.query_one(AnswerMarkdown))  # the text (the thinking header would toggle)
        await pilot.pause()
        assert transcript.selected == keys[-1]
        # the mark is drawn over the message: nothing in it moves (a click's target stays under it)
        assert [child.region for child in answer.walk_children()] == inside


async def test_fork_at_the_selected_message_opens_the_fork_under_its_parent() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two", "three")
        source = opened(chat)
        source_id = source.session_id
        # the answer to "two" is selected: the fork holds turns one and two
        await pilot.press("alt+up", "alt+up", "alt+up")
        assert chat.transcript.selected == f"a:{source.timeline.entries[1].key}"
        await pilot.press("alt+o")
        await wait_for(pilot, lambda: chat.current != source_id and settled(chat), what="the fork to open")
        fork = opened(chat)
        assert fork.session is not None and fork.session.title == "one (fork)"
        assert fork.session.parent_session_id == source_id
        assert [m.text for m in fork.history if m.role == "user"] == ["one", "two"]
        assert [m.text for m in source.history if m.role == "user"] == ["one", "two", "three"]  # unchanged
        forks = [r for r in mix.requests if r.url.path.endswith("/fork")]
        assert [r.url.path for r in forks] == [f"/api/sessions/{source_id}/fork"]
        assert "prompts 1-2 with their answers" in last_note(chat)
        # the sidebar lists it right under its parent, indented
        sidebar = chat.sidebar
        assert sidebar.visible_ids[sidebar.visible_ids.index(source_id) + 1] == fork.session_id
        row = sidebar.render_row(fork.session).plain
        assert "↳ one (fork)" in row


async def test_fork_by_prompt_number_and_its_mistakes() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two")
        source_id = opened(chat).session_id
        for wrong, said in (("/fork 7", "There is no prompt 7"), ("/fork two", "takes a prompt number")):
            await send(pilot, chat, wrong)
            await wait_for(pilot, lambda s=said: s in last_note(chat), what=said)  # type: ignore[misc]
        assert chat.current == source_id and len(mix.sessions) == 1  # nothing was made
        await send(pilot, chat, "/fork 1")
        await wait_for(pilot, lambda: chat.current != source_id and settled(chat), what="the fork")
        assert [m.text for m in opened(chat).history if m.role == "user"] == ["one"]


async def test_a_server_without_fork_says_so_and_copies_nothing() -> None:
    mix = ScriptedMix()
    mix.extensions = False  # a Mix server of the spec: no fork route
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one")
        await send(pilot, chat, "/fork")
        await wait_for(pilot, lambda: "cannot fork" in last_note(chat), what="the note")
        assert len(mix.sessions) == 1
        creates = [r for r in mix.requests if r.method == "POST" and r.url.path == "/api/sessions"]
        assert len(creates) == 1  # no client-side copy: the one session of the first prompt


async def test_rewind_confirms_then_removes_the_prompt_and_puts_it_back() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two", "three")
        model = opened(chat)
        second = next(i for i in chat.transcript.items if isinstance(i, UserItem) and i.text == "two")
        await chat.transcript.select(second.key)
        await pilot.press("alt+r")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ConfirmScreen), what="the confirmation")
        question = str(chat.app.screen.question)  # type: ignore[attr-defined]
        # prompts two and three go: each a prompt and an answer message
        assert "removes prompt 2 and the 1 prompt after it" in question and "4 stored messages" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: [m.text for m in model.history if m.role == "user"] == ["one"], what="the rewind")
        await wait_for(pilot, lambda: chat.composer.text == "two", what="the prompt back in the composer")
        assert chat.composer.cursor_location == (0, 3)
        assert chat.composer.has_focus
        body = next(r for r in mix.requests if r.url.path.endswith("/rewind")).content
        assert model.history[-1].id.encode() in body  # kept: the message just before prompt 2
        assert "Rewound to before prompt 2" in last_note(chat)
        await wait_for(pilot, lambda: settled(chat))
        assert [i.text for i in chat.transcript.items if isinstance(i, UserItem)] == ["one"]


async def test_rewind_can_be_declined_and_prompt_one_offers_a_new_chat() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two")
        model = opened(chat)
        await send(pilot, chat, "/rewind")  # the last prompt
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ConfirmScreen), what="the confirmation")
        assert "prompt 2" in str(chat.app.screen.question)  # type: ignore[attr-defined]
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(chat.app.screen, ConfirmScreen))
        assert len(model.history) == 4 and not any(r.url.path.endswith("/rewind") for r in mix.requests)
        await send(pilot, chat, "/rewind 1")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ConfirmScreen), what="the offer")
        assert "cannot be rewound" in str(chat.app.screen.question)  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_for(pilot, lambda: chat.current is None and chat.composer.text == "one", what="a new chat")
        assert len(model.history) == 4  # the session stays as it was


async def test_rewind_while_a_turn_runs_is_refused() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one")
        await send(pilot, chat, "hold on")
        await wait_for(pilot, lambda: opened(chat).running, what="the turn")
        await send(pilot, chat, "/rewind 1")
        await wait_for(pilot, lambda: "cancel it (Esc) before rewinding" in last_note(chat), what="the refusal")
        mix.release()
        await wait_for(pilot, lambda: settled(chat))
