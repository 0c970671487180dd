"""Fork, rewind, export, rename and search through the app against a real `mix-tui serve` process
(the demo model): the server's calls, its stored history and files, and what the app shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mix_tui.protocol.events import SessionUpdated
from mix_tui.sdk.client import MixClient
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.screens.search import SearchScreen
from mix_tui.tui.session.items import UserItem
from mix_tui.tui.widgets.usage_footer import UsageFooter
from tests.tui.conftest import ServerProcess, make_server, opened, ready_chat, send, settled, wait_for
from tests.tui.travel_helpers import last_note, notes, turns


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = make_server(tmp_path_factory.mktemp("mix-travel"))
    yield proc
    proc.stop()


async def test_fork_rewind_and_export_on_the_real_server(server: ServerProcess, tmp_path: Path) -> None:
    app = server.app(workdir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "first prompt", "second prompt", "third prompt")
        source = opened(chat)
        source_id = source.session_id
        # the usage line under each answer comes from what the server stored
        footers = list(chat.transcript.query(UsageFooter))
        assert len(footers) == 3 and str(footers[0].render()).startswith("demo · ")
        # fork at the second answer
        answer = [k for k in chat.transcript.selectable() if k.startswith("a:")][1]
        await chat.transcript.select(answer)
        await pilot.press("alt+o")
        await wait_for(pilot, lambda: chat.current not in (None, source_id) and settled(chat), what="the fork")
        fork_id = chat.current
        assert fork_id is not None
        async with MixClient(server.url, server.token) as client:
            fork = await client.sessions.get(fork_id)
            fork_prompts = [m.text for m in await client.messages.list(fork_id) if m.role == "user"]
            source_prompts = [m.text for m in await client.messages.list(source_id) if m.role == "user"]
        assert fork.title == "first prompt (fork)" and fork.parent_session_id == source_id
        assert fork_prompts == ["first prompt", "second prompt"]
        assert source_prompts == ["first prompt", "second prompt", "third prompt"]
        # rewind the fork's second prompt: it goes back into the composer
        await send(pilot, chat, "/rewind 2")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: chat.composer.text == "second prompt", what="the prompt back")
        async with MixClient(server.url, server.token) as client:
            left = await client.messages.list(fork_id)
        assert [m.text for m in left if m.role == "user"] == ["first prompt"]
        await wait_for(pilot, lambda: [i.text for i in chat.transcript.items if isinstance(i, UserItem)] == ["first prompt"], what="the rewound transcript")
        # export both ways, into the working directory
        chat.composer.clear()
        await send(pilot, chat, "/export md")
        await wait_for(pilot, lambda: chat.app.screen.query("#ask-input"), what="the path box")
        await pilot.press("enter")
        markdown = tmp_path / "first-prompt-fork.md"
        await wait_for(pilot, lambda: markdown.exists(), what="the Markdown file")
        text = markdown.read_text()
        assert "## Prompt 1" in text and "first prompt" in text and "## Prompt 2" not in text
        await send(pilot, chat, "/export json fork.json")
        exported_path = tmp_path / "fork.json"
        await wait_for(pilot, lambda: exported_path.exists() and "Exported as JSON" in last_note(chat), what="JSON")
        # the notes read in the order they were written, the fork's (its turn rewound) first
        assert [n.split("\n")[0] for n in notes(chat)] == ["Fork", "Rewind", "Export", "Export"]
        exported = json.loads(exported_path.read_text())
        assert exported["id"] == fork_id and exported["messages"][0]["role"] == "user"


async def test_rename_and_search_on_the_real_server(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "tell me about the quokka")
        model = opened(chat)
        await send(pilot, chat, "/rename Quokka notes")
        await wait_for(pilot, lambda: chat.status.info.title == "Quokka notes", what="the new title")
        # another client hears of it through the extension event it asked for
        async with MixClient(server.url, server.token) as client:
            assert (await client.sessions.get(model.session_id)).title == "Quokka notes"
            async with client.stream(model.session_id) as stream:
                await stream.wait_connected()
                await client.sessions.rename(model.session_id, "Quokka facts")
                async for item in stream:
                    if isinstance(item, SessionUpdated):
                        assert item.title == "Quokka facts"
                        break
        await wait_for(pilot, lambda: chat.status.info.title == "Quokka facts", what="the app to hear it too")
        await pilot.press("ctrl+n")
        await send(pilot, chat, "/search quokka")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, SearchScreen), what="the search screen")
        screen = chat.app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for(pilot, lambda: bool(screen.hits), what="a hit")
        assert "server index" in str(screen.query_one("#search-status").render())
        assert {h.session_id for h in screen.hits} >= {model.session_id}
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat.current == model.session_id and chat.transcript.selected is not None)
