"""/model: the picker lists the server's providers and models (context window and price where known),
filters as you type, keeps favourites and recent ones first (in config.toml), and the choice applies
to the open session's next prompt in the way the server can; the status line names the model."""

from __future__ import annotations

import json

from textual.widgets import Input

from mix_tui.tui.config import Settings, SettingsStore
from mix_tui.tui.screens.model_picker import ModelPicker
from mix_tui.tui.widgets.message import NoteMessage
from tests.tui.conftest import opened, ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


def notes(chat: object) -> str:
    return "\n".join(str(w.render()) for w in chat.transcript.query(NoteMessage))  # type: ignore[attr-defined]


def rows(picker: ModelPicker) -> list[str]:
    listing = picker.listing
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def open_picker(pilot, chat) -> ModelPicker:  # type: ignore[no-untyped-def]
    await send(pilot, chat, "/model")
    await wait_for(
        pilot, lambda: isinstance(chat.app.screen, ModelPicker) and chat.app.screen.is_mounted, what="the picker"
    )
    return chat.app.screen  # type: ignore[no-any-return]


def patches(mix: ScriptedMix) -> list[dict[str, object]]:
    return [json.loads(r.content) for r in mix.requests if r.method == "PATCH" and r.url.path.endswith("/model")]


async def test_the_picker_lists_models_with_facts_and_filters() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        picker = await open_picker(pilot, chat)
        await wait_for(pilot, lambda: rows(picker), what="the models")
        shown = rows(picker)
        assert "OpenAI" in shown and "Offline demo" in shown  # provider headings
        line = next(r for r in shown if "gpt-4.1" in r)
        assert "1M ctx · $2/$8 per 1M" in line
        assert any(r.startswith("●") and "demo" in r for r in shown)  # the model in use
        await pilot.press(*"4.1")
        await wait_for(pilot, lambda: [r for r in rows(picker) if "gpt" in r] == [line], what="the filter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(chat.app.screen, ModelPicker), what="the picker to close")


async def test_a_pick_in_a_fresh_chat_makes_its_session_with_that_model() -> None:
    mix = ScriptedMix()
    settings = SettingsStore(Settings())
    async with scripted_app(mix, settings=settings).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        picker = await open_picker(pilot, chat)
        await pilot.press(*"gpt-4.1", "enter")
        await wait_for(pilot, lambda: "This new chat will use openai/gpt-4.1" in notes(chat), what="the note")
        assert chat.status.info.model == "openai/gpt-4.1" and not mix.sessions
        assert settings.current.models.recent == ["openai/gpt-4.1"]
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        session = next(iter(mix.sessions.values()))
        assert (session.provider, session.model_id) == ("openai", "gpt-4.1")
        assert chat.status.info.model == "openai/gpt-4.1"
        del picker


async def test_a_pick_switches_the_open_session_and_can_become_the_default() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the first answer")
        assert chat.status.info.model == "demo/demo"
        await open_picker(pilot, chat)
        await pilot.press(*"gpt-5", "ctrl+d", "enter")
        await wait_for(pilot, lambda: "is the default for new chats" in notes(chat), what="the note")
        assert "This session's next prompts go to openai/gpt-5." in notes(chat)
        assert patches(mix) == [{"provider": "openai", "modelId": "gpt-5"}]
        assert mix.preferences == {"preferred_provider": "openai", "main_agent_model": "gpt-5"}
        assert chat.status.info.model == "openai/gpt-5"
        assert opened(chat).session is not None and opened(chat).session.model_id == "gpt-5"
        chat.action_new_chat()
        await wait_for(pilot, lambda: chat.current is None, what="a new chat")
        await wait_for(pilot, lambda: chat.status.info.model == "openai/gpt-5", what="the default shown")


async def test_a_go_style_server_switches_through_its_preferences_and_says_so() -> None:
    mix = ScriptedMix()
    mix.session_models = False
    async with scripted_app(mix).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the first answer")
        await send(pilot, chat, "/model openai/gpt-4.1")  # no picker: the id given at once
        await wait_for(pilot, lambda: "one model for all sessions" in notes(chat), what="the note")
        assert mix.preferences == {"preferred_provider": "openai", "main_agent_model": "gpt-4.1"}


async def test_a_server_without_preferences_or_switching_gives_new_chats_the_model() -> None:
    mix = ScriptedMix()
    mix.session_models = False
    mix.has_preferences = False
    async with scripted_app(mix).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the first answer")
        picker = await open_picker(pilot, chat)
        assert "does not list its models" in str(picker.query_one("#picker-footer").render())
        picker.query_one(Input).value = "openai/gpt-4.1"
        await wait_for(pilot, lambda: any("as typed" in r for r in rows(picker)), what="the typed id")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "fixes a session's model when it is created" in notes(chat), what="the note")
        chat.action_new_chat()
        await wait_for(pilot, lambda: chat.current is None, what="a new chat")
        await send(pilot, chat, "in the new chat")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        newest = list(mix.sessions.values())[-1]
        assert (newest.provider, newest.model_id) == ("openai", "gpt-4.1")


async def test_favourites_and_recent_come_first_and_are_remembered() -> None:
    mix = ScriptedMix()
    settings = SettingsStore(Settings().remember_model("openai/gpt-5"))
    async with scripted_app(mix, settings=settings).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        picker = await open_picker(pilot, chat)
        await wait_for(pilot, lambda: rows(picker), what="the models")
        assert rows(picker)[0] == "Recent" and "gpt-5" in rows(picker)[1]
        await pilot.press(*"4.1", "ctrl+f")
        await wait_for(pilot, lambda: settings.current.models.favourites == ["openai/gpt-4.1"], what="the star")
        picker.query_one(Input).value = ""
        await wait_for(pilot, lambda: rows(picker)[0] == "★ Favourites", what="favourites first")
        assert "★" in rows(picker)[1] and "gpt-4.1" in rows(picker)[1]


async def test_a_mix_style_id_is_sent_as_typed() -> None:
    mix = ScriptedMix()
    mix.providers["openrouter"] = {"display_name": "OpenRouter", "models": ["openai/gpt-5"]}
    async with scripted_app(mix).run_test(size=(100, 30)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="the first answer")
        await send(pilot, chat, "/model openrouter.deepseek-v3.1")
        await wait_for(pilot, lambda: "openrouter/openrouter.deepseek-v3.1" in notes(chat), what="the note")
        assert patches(mix) == [{"provider": "openrouter", "modelId": "openrouter.deepseek-v3.1"}]
