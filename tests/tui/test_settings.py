"""/settings: main and sub-agent model, max tokens and reasoning effort go to the server as the
preferences the SDK documents; provider keys are listed, added (masked) and deleted; theme, thinking
level, footer, follow, sidebar width and alerts go to config.toml. Everything applies at once."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Button, Checkbox, Input, Select, Static

from mix_tui.tui.config import SettingsStore
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.screens.model_picker import ModelPicker
from mix_tui.tui.screens.settings import SettingsScreen
from tests.tui.conftest import opened, ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix

KEY = "sk-test-" + "s" * 30


async def open_settings(pilot, chat) -> SettingsScreen:  # type: ignore[no-untyped-def]
    await send(pilot, chat, "/settings")
    await wait_for(
        pilot, lambda: isinstance(chat.app.screen, SettingsScreen) and chat.app.screen.state.auth is not None,
        what="the settings",
    )  # fmt: skip
    return chat.app.screen  # type: ignore[no-any-return]


def status(screen: SettingsScreen) -> str:
    return str(screen.query_one("#set-status", Static).render())


def posted(mix: ScriptedMix, path: str, method: str = "POST") -> list[dict[str, object]]:
    return [json.loads(r.content or b"{}") for r in mix.requests if r.method == method and r.url.path == path]


async def test_preferences_are_shown_and_saved_as_the_sdk_names_them() -> None:
    mix = ScriptedMix()
    mix.preferences = {"preferred_provider": "openai", "main_agent_model": "gpt-5", "main_agent_max_tokens": 4096}
    async with scripted_app(mix).run_test(size=(100, 40)) as pilot:
        chat = await ready_chat(pilot)
        screen = await open_settings(pilot, chat)
        await wait_for(pilot, lambda: "openai/gpt-5" in str(screen.query_one("#set-main-model").render()))
        tokens = screen.query_one("#set-main-tokens", Input)
        assert tokens.value == "4096"
        tokens.focus()
        tokens.value = "lots"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "whole number" in status(screen), what="the refusal")
        tokens.value = "2000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "saved on the server" in status(screen), what="the save")
        screen.query_one("#set-sub-effort", Select).value = "high"
        await wait_for(pilot, lambda: mix.preferences.get("sub_agent_reasoning_effort") == "high", what="effort")  # type: ignore[union-attr]
        assert posted(mix, "/api/preferences") == [{"main_agent_max_tokens": 2000}, {"sub_agent_reasoning_effort": "high"}]
        await pilot.click("#set-sub-change")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ModelPicker), what="the picker")
        await pilot.press(*"gpt-4.1", "enter")
        await wait_for(pilot, lambda: mix.preferences.get("sub_agent_model") == "gpt-4.1", what="the sub-agent model")  # type: ignore[union-attr]
        await wait_for(pilot, lambda: "gpt-4.1" in str(screen.query_one("#set-sub-model").render()))


async def test_a_key_added_in_settings_moves_a_demo_chat_to_that_provider() -> None:
    mix = ScriptedMix()
    mix.keys = set()
    async with scripted_app(mix).run_test(size=(100, 40)) as pilot:  # --demo: sessions pinned to the demo
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat), what="a demo answer")
        screen = await open_settings(pilot, chat)
        assert "needs an API key" in str(screen.query_one("#set-keys").query(Static).last().render())
        screen.query_one("#set-key-provider", Select).value = "openai"
        box = screen.query_one("#set-key-value", Input)
        assert box.password
        box.focus()
        await pilot.press(*"short", "enter")
        await wait_for(pilot, lambda: "refused the key" in status(screen), what="the refusal")
        assert box.value == "short"  # kept to be fixed
        box.value = KEY
        await pilot.press("enter")
        await wait_for(pilot, lambda: "stored" in status(screen), what="the key stored")
        assert box.value == "" and mix.keys == {"openai"}
        await wait_for(pilot, lambda: screen.query("#set-key-del-openai"), what="the delete button")
        # no other real provider had a key: it becomes the default, and the demo chat leaves the demo
        assert mix.preferences == {"preferred_provider": "openai", "main_agent_model": "gpt-5"}
        session = opened(chat).session
        assert session is not None and session.provider is None
        assert chat.status.info.model == "openai/gpt-5"
        await pilot.click("#set-key-del-openai")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: not mix.keys and "deleted" in status(screen), what="the deletion")
    assert all(KEY not in (r.content or b"").decode() for r in mix.requests if r.url.path != "/api/auth/api-key")


async def test_app_settings_apply_at_once_and_go_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    settings = SettingsStore.open(path)
    async with scripted_app(ScriptedMix(), settings=settings).run_test(size=(100, 40)) as pilot:
        chat = await ready_chat(pilot)
        screen = await open_settings(pilot, chat)
        screen.query_one("#set-theme", Select).value = "nord"
        await wait_for(pilot, lambda: chat.app.theme == "nord", what="the theme")
        screen.query_one("#set-thinking", Select).value = "medium"
        screen.query_one("#set-footer", Checkbox).value = False
        screen.query_one("#set-alert-bell", Checkbox).value = False
        sidebar = screen.query_one("#set-sidebar", Input)
        sidebar.focus()
        sidebar.value = "5"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "not changed" in status(screen), what="the refusal")
        sidebar.value = "40"
        await pilot.press("enter")
        await wait_for(pilot, lambda: settings.current.sidebar_width == 40, what="the width")
        await pilot.press("escape")
        await wait_for(pilot, lambda: chat.app.screen is chat, what="back to the chat")
        assert chat.has_class("-no-message-footer") and chat.sidebar.styles.width.value == 40  # type: ignore[union-attr]
        assert chat.current_options().thinking == "medium"
    text = path.read_text()
    for line in ('theme = "nord"', 'thinking = "medium"', "message_footer = false", "sidebar_width = 40", "bell = false"):
        assert line in text


async def test_a_server_without_preferences_says_so_and_disables_those_fields() -> None:
    mix = ScriptedMix()
    mix.has_preferences = False
    async with scripted_app(mix).run_test(size=(100, 40)) as pilot:
        chat = await ready_chat(pilot)
        screen = await open_settings(pilot, chat)
        await wait_for(pilot, lambda: "no preferences on this server" in str(screen.query_one("#set-server-problem").render()))
        assert screen.query_one("#set-main-change", Button).disabled
        assert screen.query_one("#set-main-tokens", Input).disabled
