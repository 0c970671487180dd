"""Rebinding from config.toml's [keys]: every action's binding id, F1 generated from the live
bindings (the composer's own keys included, the keymap applied), typos reported."""

from __future__ import annotations

from mix_tui.tui.config import Settings, SettingsStore
from mix_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import ready_chat, scripted_app, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


def with_keys(**keys: str) -> SettingsStore:
    return SettingsStore(Settings(keys=keys))


def help_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, HelpScreen)
    return screen.plain_text()


async def test_f1_lists_the_composers_keys() -> None:
    app = scripted_app(ScriptedMix())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_chat(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: help_text(app), what="the help")
        text = help_text(app)
        assert "Composer" in text and "Send" in text and "New line" in text and "Earlier prompt" in text
        assert "Move the cursor" not in text  # TextArea's own dozens stay out


async def test_a_rebound_key_works_and_help_shows_it() -> None:
    mix = ScriptedMix()
    app = scripted_app(mix, settings=with_keys(new_chat="ctrl+t", send="ctrl+s"))
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await pilot.press(*"one", "enter", *"two")
        assert chat.composer.text == "one\ntwo"  # Enter no longer sends: it is a new line again
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: turn_over(chat), what="the answer")
        assert [t.text for t in mix.turns] == ["one\ntwo"]
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: chat.current is None, what="a new chat")
        await pilot.press("f1")
        await wait_for(pilot, lambda: help_text(app), what="the help")
        text = help_text(app)
        new_chat = next(line for line in text.splitlines() if "New chat" in line)
        assert "^t" in new_chat and "^n" not in new_chat
        send = next(line for line in text.splitlines() if "Send" in line)
        assert "^s" in send


async def test_an_unknown_binding_id_is_reported() -> None:
    app = scripted_app(ScriptedMix(), settings=with_keys(new_chta="ctrl+t"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_chat(pilot)
        assert any("'new_chta'" in p and "new_chat" in p for p in app.settings_problems)


async def test_what_was_wrong_with_the_config_file_stays_in_the_transcript(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mix_tui.tui.widgets.message import NoteMessage

    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\nsidebar_width = = 1\n')
    app = scripted_app(ScriptedMix(), settings=SettingsStore.open(path))
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(pilot, lambda: chat.transcript.query(NoteMessage), what="the note")
        text = str(chat.transcript.query_one(NoteMessage).render())
        assert "line 2" in text and "not valid TOML" in text
        assert app.theme == "textual-dark"  # the defaults: nothing of the broken file applies
    assert path.read_text() == 'theme = "nord"\nsidebar_width = = 1\n'


async def test_a_theme_picked_in_the_app_is_written_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    app = scripted_app(ScriptedMix(), settings=SettingsStore.open(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_chat(pilot)
        app.theme = "nord"
        await pilot.pause()
    assert 'theme = "nord"' in path.read_text()
    assert SettingsStore.open(path).current.theme == "nord"
