"""Export (Markdown and JSON, to a confirmed path, never overwriting unasked) and rename (here, and
by another client through `session_updated`), against the scripted server."""

from __future__ import annotations

import json
from pathlib import Path

from mix_tui.protocol.events import SessionUpdated
from mix_tui.tui.screens.ask import AskScreen
from mix_tui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import opened, ready_chat, scripted_app, send, wait_for
from tests.tui.scripted import ScriptedMix
from tests.tui.travel_helpers import last_note, turns, with_code


async def test_export_markdown_to_the_proposed_path_and_ask_before_replacing(tmp_path: Path) -> None:
    mix = ScriptedMix(with_code)
    app = scripted_app(mix, workdir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "Fix the parser, please!")
        await pilot.press("alt+e")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="the path box")
        box = app.screen
        assert box.query_one("Input").value == str(tmp_path / "fix-the-parser-please.md")  # type: ignore[attr-defined]
        await pilot.press("enter")
        target = tmp_path / "fix-the-parser-please.md"
        await wait_for(pilot, lambda: target.exists() and "Exported as Markdown" in last_note(chat), what="the file")
        text = target.read_text()
        assert text.startswith("# Fix the parser, please!") and "## Prompt 1" in text
        assert "```sh\nls -la\necho done\n```" in text  # the answer's markdown as it was written
        assert "<details>\n<summary>Thinking" in text
        assert "<sub>scripted · 1.2k in · " in text and "$0.0042" in text
        assert str(target) in last_note(chat)
        # again: the file exists, so the app asks; a no keeps it
        target.write_text("mine")
        await send(pilot, chat, f"/export md {target}")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert str(target) in str(app.screen.question)  # type: ignore[attr-defined]
        await pilot.press("n")
        await wait_for(pilot, lambda: "exists and was kept" in last_note(chat), what="the answer")
        assert target.read_text() == "mine"
        await send(pilot, chat, "/export md fix-the-parser-please.md")  # relative: in the working directory
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: target.read_text().startswith("# Fix"), what="the file replaced")


async def test_export_json_keeps_what_the_server_sent(tmp_path: Path) -> None:
    mix = ScriptedMix()
    app = scripted_app(mix, workdir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "hello")
        out = tmp_path / "out"
        out.mkdir()
        await send(pilot, chat, f"/export json {out}")  # a directory: the name comes from the title
        target = out / "hello.json"
        await wait_for(pilot, lambda: target.exists() and "Exported as JSON" in last_note(chat), what="the file")
        exported = json.loads(target.read_text())
        assert exported["id"] == opened(chat).session_id and "thinkingBlocks" in exported
        assert [m["content"] for m in exported["messages"]] == ["hello", "You said: hello"]
        await send(pilot, chat, "/export pdf")
        await wait_for(pilot, lambda: "/export md [PATH] or /export json [PATH]" in last_note(chat))
        await send(pilot, chat, "/export")  # the completion list is open: Enter picks its first form
        await wait_for(pilot, lambda: chat.composer.text == "/export md ", what="the completion")
        await send(pilot, chat, "/export ")  # no form named: the usage of both
        await wait_for(pilot, lambda: last_note(chat).startswith("/export\nUsage: /export md"), what="the usage")
        await send(pilot, chat, f"/export md {tmp_path / 'no-such-dir' / 'x.md'}")
        await wait_for(pilot, lambda: "could not write" in last_note(chat), what="the error")


async def test_rename_here_and_by_another_client() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "first title")
        model = opened(chat)
        await send(pilot, chat, "/rename  A  better   title ")
        await wait_for(pilot, lambda: chat.status.info.title == "A better title", what="the status line")
        assert mix.sessions[model.session_id].title == "A better title"
        row = chat.sidebar.render_row(next(s for s in chat.sidebar.sessions() if s.id == model.session_id))
        assert "A better title" in row.plain
        await pilot.press("alt+t")  # the box, with the title to edit
        await wait_for(pilot, lambda: isinstance(chat.app.screen, AskScreen), what="the box")
        assert chat.app.screen.query_one("Input").value == "A better title"  # type: ignore[attr-defined]
        await pilot.press("escape")
        # another client renames it: the event reaches this app's stream
        mix.sessions[model.session_id].title = "Named elsewhere"
        mix.emit_everywhere(SessionUpdated(session_id=model.session_id, title="Named elsewhere"))
        await wait_for(pilot, lambda: chat.status.info.title == "Named elsewhere", what="the event")
        row = chat.sidebar.render_row(next(s for s in chat.sidebar.sessions() if s.id == model.session_id))
        assert "Named elsewhere" in row.plain


async def test_a_server_without_rename_says_so() -> None:
    mix = ScriptedMix()
    mix.extensions = False
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "keep this title")
        await send(pilot, chat, "/rename Something")
        await wait_for(pilot, lambda: "cannot rename sessions" in last_note(chat), what="the note")
        assert chat.status.info.title == "keep this title"
