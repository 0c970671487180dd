"""Copy (a message as raw markdown, one code block from a menu, the last block with one key) and the
cost views (the usage line under each answer, /cost, the context bar), against the scripted server."""

from __future__ import annotations

from mix_tui.tui.screens.code_menu import CodeMenuScreen
from mix_tui.tui.session.items import AssistantItem
from mix_tui.tui.widgets.usage_footer import UsageFooter
from tests.tui.conftest import opened, ready_chat, scripted_app, send, wait_for
from tests.tui.scripted import ScriptedMix
from tests.tui.travel_helpers import CODE_ANSWER, last_note, notes, turns, with_code


async def test_copy_the_message_as_raw_markdown(system_clipboard: list[str]) -> None:
    mix = ScriptedMix(with_code)
    app = scripted_app(mix)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "show code")
        await pilot.press("alt+c")  # nothing selected: the last message, the answer
        await wait_for(pilot, lambda: "Copied the answer" in last_note(chat), what="the note")
        assert app.clipboard == CODE_ANSWER.rstrip("\n") == system_clipboard[-1]  # fences and all, not the display
        assert "(14 lines)" in last_note(chat)
        await pilot.press("alt+up", "alt+up")  # the prompt
        await send(pilot, chat, "/copy")
        await wait_for(pilot, lambda: app.clipboard == "show code", what="the prompt copied")
        assert "Copied the prompt as markdown (1 line)" in last_note(chat)


async def test_copy_one_code_block_from_the_menu_by_number_or_the_last_with_one_key() -> None:
    mix = ScriptedMix(with_code)
    app = scripted_app(mix)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "show code")
        await pilot.press("alt+k")
        await wait_for(pilot, lambda: isinstance(app.screen, CodeMenuScreen), what="the menu")
        labels = [str(app.screen.query_one("OptionList").get_option_at_index(n).prompt) for n in range(2)]
        assert labels[0].startswith(" 1  python") and "print('a')" in labels[0] and "(1 line)" in labels[0]
        assert labels[1].startswith(" 2  sh") and "ls -la" in labels[1] and "(2 lines)" in labels[1]
        await pilot.press("1")
        await wait_for(pilot, lambda: app.clipboard == "print('a')", what="block 1")
        assert "Copied python code block 1 of 2 (1 line)" in last_note(chat)
        await send(pilot, chat, "/copy code 2")
        await wait_for(pilot, lambda: app.clipboard == "ls -la\necho done", what="block 2")
        app.copy_to_clipboard("")
        await pilot.press("alt+y")
        await wait_for(pilot, lambda: app.clipboard == "ls -la\necho done", what="the last block")
        await send(pilot, chat, "/copy code 5")
        await wait_for(pilot, lambda: "from 1 to 2" in last_note(chat), what="the range")


async def test_a_message_without_code_says_so() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "plain words")
        await pilot.press("alt+k")
        await wait_for(pilot, lambda: "no code block" in last_note(chat), what="the note")
        assert not isinstance(app.screen, CodeMenuScreen)


async def test_each_answer_has_a_usage_line_that_can_be_hidden() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two")
        footers = list(chat.transcript.query(UsageFooter))
        assert len(footers) == 2
        line = str(footers[-1].render())
        # model · tokens in/out/cache · cost · duration (2 s from the prompt to the last write)
        assert line.startswith("scripted · 1.2k in · ") and " out · 300 cache read · $" in line
        assert "$0.0042" in line and "2.5 s" in line
        assert all(f.display for f in footers) and footers[-1].region.height == 1
        await pilot.press("alt+u")
        await pilot.pause()
        assert chat.has_class("-hide-usage") and all(f.region.height == 0 for f in footers)
        await pilot.press("alt+u")
        await pilot.pause()
        assert footers[-1].region.height == 1


async def test_cost_details_of_the_selected_message_and_the_session() -> None:
    mix = ScriptedMix()
    mix.providers["demo"] = {"display_name": "Demo", "models": ["demo", "scripted"],
                             "model_details": {"scripted": {"context_window": 200_000}}}  # fmt: skip
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one", "two")
        model = opened(chat)
        await chat.transcript.select(chat.transcript.selectable()[1])  # the first answer
        await send(pilot, chat, "/cost")
        await wait_for(pilot, lambda: "Cost and tokens" in last_note(chat), what="the details")
        text = last_note(chat)
        assert "Prompt 1" in text and "call 1  scripted" in text
        assert "input 1,200 · output 3 · cache read 300 · cache written 0" in text  # "You said: one"
        assert "thinking 250 ms" in text and "took 2.0 s" in text
        assert "session: 2 prompts · 2 calls with usage" in text and "$0.0084" in text
        assert "context in use: 1,500 tokens of 200,000 (1%)" in text
        # the note sits under the turn it is about, not at the end
        items = chat.transcript.items
        position = next(n for n, i in enumerate(items) if i.key.startswith("note-"))
        above = items[position - 1]
        assert isinstance(above, AssistantItem) and above.key == f"a:{model.timeline.entries[0].key}"
        await pilot.press("alt+i")  # the same by key, for the selection
        await wait_for(pilot, lambda: sum(n.startswith("Cost and tokens") for n in notes(chat)) == 2, what="a second")


async def test_the_status_line_shows_the_context_bar_and_the_totals() -> None:
    mix = ScriptedMix()
    # the model the scripted answers name, with its window as our server publishes it
    mix.providers["demo"] = {"display_name": "Demo", "models": ["demo", "scripted"],
                             "model_details": {"scripted": {"context_window": 200_000}}}  # fmt: skip
    async with scripted_app(mix).run_test(size=(160, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "one")
        await wait_for(pilot, lambda: chat.status.info.context_window == 200_000, what="the published window")
        line = str(chat.status.render())
        assert "ctx 1.5k/200k ▰▱▱▱▱▱ 1%" in line and "$0.0042 · 1.5k tok" in line
