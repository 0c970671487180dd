"""Find in the open transcript (incremental, counter, next/previous, jumps to messages not mounted)
and search across sessions (the server's index, or a scan here with progress), against the scripted
server."""

from __future__ import annotations

from mix_tui.protocol.models import BackendMessage
from mix_tui.tui.screens.search import SearchScreen
from mix_tui.tui.session.items import UserItem
from mix_tui.tui.session.search import SessionSearch
from mix_tui.tui.session.travel import find_message
from mix_tui.tui.widgets.find_bar import FindBar
from tests.tui.conftest import opened, ready_chat, scripted_app, send, settled, wait_for
from tests.tui.scripted import ScriptedMix
from tests.tui.travel_helpers import turns


def counter(chat: object) -> str:
    return str(chat.query_one("#find-counter").render())  # type: ignore[attr-defined]


async def test_find_counts_jumps_and_marks_matches() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "apple pie", "banana", "apple tart")
        await pilot.press("ctrl+f")
        bar = chat.query_one(FindBar)
        assert bar.is_open and bar.input.has_focus
        await pilot.press(*"APPLE")  # case does not matter; each prompt and its echo match
        await wait_for(pilot, lambda: counter(chat) == "4/4", what="the counter")  # starts at the newest
        transcript = chat.transcript
        current = transcript.query(".-find-current")
        assert len(current) == 1 and len(transcript.query(".-find-match")) == 4
        await pilot.press("up")
        await wait_for(pilot, lambda: counter(chat) == "3/4")
        await pilot.press("enter", "enter")  # next, and past the last back to the first
        await wait_for(pilot, lambda: counter(chat) == "1/4")
        first = next(i for i in transcript.items if isinstance(i, UserItem))
        assert transcript.widget_for(first.key).has_class("-find-current")  # type: ignore[union-attr]
        await pilot.press("backspace", *" zebra")
        await wait_for(pilot, lambda: counter(chat) == "no matches")
        assert not transcript.query(".-find-match")
        await pilot.press("escape")
        assert not bar.is_open and chat.composer.has_focus and not transcript.query(".-find-current")


async def test_find_reaches_messages_that_are_not_mounted() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(100, 24)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "needle in the oldest turn")
        await turns(pilot, chat, "long 3", "long 3")
        session_id = opened(chat).session_id
        await chat.open_session(None)
        await chat.open_session(session_id)  # reopened: only the newest turns are mounted
        await wait_for(pilot, lambda: settled(chat))
        transcript = chat.transcript
        oldest = next(i for i in transcript.items if isinstance(i, UserItem))
        assert transcript.widget_for(oldest.key) is None  # outside the mounted window
        await send(pilot, chat, "/find needle")
        await wait_for(pilot, lambda: counter(chat) == "2/2", what="the matches")
        await pilot.press("up")  # the prompt itself
        await wait_for(pilot, lambda: transcript.widget_for(oldest.key) is not None, what="it to be mounted")
        widget = transcript.widget_for(oldest.key)
        await wait_for(pilot, lambda: transcript.region.overlaps(widget.region), what="it in view")  # type: ignore[union-attr]


async def test_search_across_sessions_opens_the_session_at_the_message() -> None:
    mix = ScriptedMix()
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "the walrus question", "something else")
        walrus_session = opened(chat).session_id
        walrus = next(m for m in opened(chat).history if m.role == "user")
        await pilot.press("ctrl+n")
        await turns(pilot, chat, "an unrelated chat")
        await pilot.press("alt+s")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, SearchScreen), what="the search screen")
        screen = chat.app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"walrus")
        await wait_for(pilot, lambda: len(screen.hits) == 2, what="the prompt and its echo")
        status = str(screen.query_one("#search-status").render())
        assert status.startswith("2 matches") and "server index" in status
        label = str(screen.query_one("OptionList").get_option_at_index(0).prompt)
        assert "the walrus question" in label
        await pilot.press("enter")
        await wait_for(pilot, lambda: chat.current == walrus_session and chat.transcript.selected is not None)
        selected = chat.transcript.selected
        assert selected == find_message(opened(chat).timeline, walrus.id)
        item = next(i for i in chat.transcript.items if i.key == selected)
        assert isinstance(item, UserItem) and item.text == "the walrus question"
        widget = chat.transcript.widget_for(selected)
        assert widget is not None and widget.has_class("-selected")
        searched = [r for r in mix.requests if r.url.path == "/api/search"]
        assert searched and searched[-1].url.params["q"] == "walrus"


async def test_without_a_server_index_the_histories_are_scanned_here() -> None:
    mix = ScriptedMix()
    mix.extensions = False
    async with scripted_app(mix).run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await turns(pilot, chat, "find the otter")
        await pilot.press("ctrl+n")
        await turns(pilot, chat, "nothing here")
        await send(pilot, chat, "/search OTTER")
        await wait_for(pilot, lambda: isinstance(chat.app.screen, SearchScreen), what="the search screen")
        screen = chat.app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for(pilot, lambda: "scanned 2 sessions here" in str(screen.query_one("#search-status").render()))
        assert [h.snippet for h in screen.hits] == ["You said: find the otter", "find the otter"]
        hit = screen.hits[0]
        assert hit.snippet[hit.highlights[0][0] : hit.highlights[0][1]] == "otter"
        lists = sum(1 for r in mix.requests if r.url.path.endswith("/messages") and r.method == "GET")
        await pilot.press("backspace")  # refining the query reads nothing again
        await wait_for(pilot, lambda: str(screen.query_one("#search-status").render()).startswith("2 matches"))
        assert sum(1 for r in mix.requests if r.url.path.endswith("/messages") and r.method == "GET") == lists
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(chat.app.screen, SearchScreen) and settled(chat))


async def test_the_scan_reports_progress_and_sessions_it_could_not_read() -> None:
    mix = ScriptedMix()
    for n in range(6):
        session = mix.add_session(f"s{n}")
        mix.messages[session.id].append(
            BackendMessage(id=f"m{n}", session_id=session.id, role="user", user_input=f"beaver {n}")
        )
    mix.extensions = False
    broken = next(iter(mix.sessions))
    mix.refuse[("GET", f"/api/sessions/{broken}/messages")] = (500, "disk on fire")
    client = mix.client()
    search = SessionSearch(client)
    updates = [(u.done, u.of, len(u.hits), u.finished, u.error) async for u in search.run("beaver")]
    await client.aclose()
    assert updates[0][:2] == (0, 6)
    assert [u[0] for u in updates] == [*range(7), 6]  # the first, one per session, the end
    assert updates[-1][2:] == (5, True, "1 of 6 sessions could not be read")
    assert search.server_search is False
