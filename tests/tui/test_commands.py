"""Commands: one registry gives every chat action a binding id, a palette entry and (where it has one)
a slash command; slash commands are the client's first and answer as notes in the transcript."""

from __future__ import annotations

from pathlib import Path

from mix_tui.tui.screens import commands
from mix_tui.tui.widgets.message import NoteMessage
from tests.tui.conftest import opened, ready_chat, scripted_app, send, turn_over, wait_for
from tests.tui.scripted import ScriptedMix


def test_slash_commands_are_parsed_and_paths_are_not() -> None:
    assert commands.parse_slash("/fork 3") == ("fork", "3")
    assert commands.parse_slash("  /help  ") == ("help", "")
    assert commands.parse_slash("/etc/hosts is odd") is None
    assert commands.parse_slash("no command") is None
    assert commands.by_slash("NEW") is not None and commands.by_slash("nope") is None


def test_every_command_with_a_key_has_a_binding_with_its_id() -> None:
    ids = [command.id for command in commands.COMMANDS]
    assert len(ids) == len(set(ids))
    bound = {binding.id: binding.action for binding in commands.bindings()}
    assert all(bound[c.id] == c.id for c in commands.COMMANDS if c.key)


def test_the_readme_names_every_binding_id() -> None:
    """config.toml's [keys] takes these ids: the README's Configuration section lists them all."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [c.id for c in commands.COMMANDS if f"`{c.id}`" not in section]
    assert missing == []


def notes(chat: object) -> list[str]:
    return [str(w.render()) for w in chat.transcript.query(NoteMessage)]  # type: ignore[attr-defined]


async def test_help_answers_in_the_transcript_even_in_a_fresh_chat() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "/help")
        await wait_for(pilot, lambda: any("/new" in n for n in notes(chat)), what="the command list")
        assert chat.current is None and not mix.sessions  # no session was made for it
        assert chat.composer.text == ""


async def test_the_palette_offers_the_apps_own_commands() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        provider = commands.ChatCommands(chat)
        titles = [hit.text async for hit in provider.discover()]
        assert "New chat" in titles and "Commands" in titles
        hits = [hit async for hit in provider.search("/help")]
        assert hits and "Commands" in str(hits[0].match_display)


async def test_a_servers_command_answers_as_a_note_in_an_open_session() -> None:
    mix = ScriptedMix()
    original = mix._send

    def send_or_answer(session_id: str, text: str):  # type: ignore[no-untyped-def]
        if text.startswith("/stats"):
            import httpx

            return httpx.Response(200, json={"id": "cmd", "role": "assistant", "userInput": text,
                                             "assistantResponse": "Session stats: 1 turn"})  # fmt: skip
        return original(session_id, text)

    mix._send = send_or_answer  # type: ignore[method-assign]
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "hello")
        await wait_for(pilot, lambda: turn_over(chat))
        await send(pilot, chat, "/stats")  # not one of the client's commands
        await wait_for(pilot, lambda: any("Session stats" in n for n in notes(chat)), what="the note")
        assert [t.text for t in mix.turns] == ["hello"]  # no turn for the command
        assert not opened(chat).running


async def test_the_palette_lists_every_message_and_session_action_with_its_key() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        provider = commands.ChatCommands(chat)
        hits = {hit.text: hit.help async for hit in provider.discover()}
        for title in ("Fork", "Rewind", "Copy message", "Copy a code block", "Copy the last code block",
                      "Cost and tokens", "Usage lines", "Export as Markdown", "Export as JSON",
                      "Find in transcript", "Search sessions", "Rename session", "Previous message"):  # fmt: skip
            assert title in hits, title
        assert "/fork [N]" in str(hits["Fork"]) and "alt+o" in str(hits["Fork"]).lower()
        found = [hit async for hit in provider.search("/copy code")]
        assert found and "Copy a code block" in str(found[0].match_display)
