"""Per-prompt options: /think, /plan, /steps (and config.toml's default thinking level) are sent with
the message as the contract names them, shown in the options row, and answered as notes."""

from __future__ import annotations

import json

import pytest

from mix_tui.tui.config import Settings, SettingsStore
from mix_tui.tui.session.options import OptionError, SendOptions
from mix_tui.tui.widgets.message import NoteMessage
from mix_tui.tui.widgets.options_row import OptionsRow
from tests.tui.conftest import ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


def sent_bodies(mix: ScriptedMix) -> list[dict[str, object]]:
    return [
        json.loads(r.content)
        for r in mix.requests
        if r.method == "POST" and r.url.path.endswith("/messages")
    ]


def notes(chat: object) -> list[str]:
    return [str(w.render()) for w in chat.transcript.query(NoteMessage)]  # type: ignore[attr-defined]


def test_the_arguments_people_type_map_to_the_contracts_values() -> None:
    options = SendOptions()
    assert options.with_thinking("high").thinking == "maximum"
    assert options.with_thinking("low").thinking == "basic"
    assert options.with_thinking("medium").with_thinking("default").thinking is None
    assert options.with_thinking("").thinking == "off"  # no level: the next one
    assert options.with_plan("").plan and not options.with_plan("").with_plan("").plan
    assert options.with_steps("5").max_steps == 5 and options.with_steps("5").with_steps("off").max_steps is None
    for bad in (lambda: options.with_thinking("hot"), lambda: options.with_steps("-2"), lambda: options.with_plan("x")):
        with pytest.raises(OptionError):
            bad()
    assert SendOptions().request_fields() == {"thinking_level": None, "plan_mode": None, "max_steps": None}
    assert SendOptions("medium", True, 3).describe() == "thinking medium · plan mode · at most 3 steps"


async def test_options_set_in_a_fresh_chat_go_with_its_first_prompt_and_stay() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        row = chat.query_one(OptionsRow)
        assert not row.display
        for command in ("/think high", "/plan", "/steps 3"):
            await send(pilot, chat, command)
        await wait_for(pilot, lambda: row.display and "at most 3 steps" in str(row.render()), what="the row")
        assert "thinking maximum · plan mode" in str(row.render())
        assert any("Next prompts: thinking maximum · plan mode · at most 3 steps" in n for n in notes(chat))
        assert not mix.sessions  # commands made no session
        await send(pilot, chat, "plan it")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        await send(pilot, chat, "/plan off")
        await send(pilot, chat, "now do it")
        await wait_for(pilot, lambda: turn_over(chat, 2), what="the second answer")
    first, second = sent_bodies(mix)
    assert first == {"text": "plan it", "thinking_level": "maximum", "plan_mode": True, "max_steps": 3}
    assert second == {"text": "now do it", "thinking_level": "maximum", "max_steps": 3}


async def test_a_bad_argument_is_answered_in_the_transcript_and_changes_nothing() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "/steps many")
        await wait_for(pilot, lambda: any("/steps takes a number" in n for n in notes(chat)), what="the note")
        assert chat.current_options() == SendOptions()


async def test_the_configured_thinking_level_is_the_default() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix, settings=SettingsStore(Settings(thinking="basic")))
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
    assert sent_bodies(mix)[0] == {"text": "hello", "thinking_level": "basic"}
