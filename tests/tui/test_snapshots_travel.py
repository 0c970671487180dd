"""SVG snapshots of issue 9's views: a selected message, the usage line under each answer, the
details note (/cost) and the search screen. Deterministic: the chat has no server behind it (a
session model is filled from a fixed stored history with fixed times), a frozen clock, no cursor
blink. Update with `pytest tests/tui/test_snapshots_travel.py --snapshot-update` and look at the SVGs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

from textual.pilot import Pilot

from mix_tui.protocol.models import BackendMessage, SearchHit, SessionData, ToolCallData
from mix_tui.tui.screens.chat import ChatScreen
from mix_tui.tui.screens.search import SearchScreen
from mix_tui.tui.session import SessionModel
from mix_tui.tui.session.details import details_text
from mix_tui.tui.session.search import SearchUpdate
from tests.tui.conftest import wait_for
from tests.tui.test_snapshots_chat import NOW, SIZE, ChatSnapshotApp, prepare

SnapCompare = Callable[..., bool]
T0 = datetime(2026, 3, 10, 11, 58, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


HISTORY = [
    BackendMessage(id="u1", role="user", user_input="Write a greeting function in Python", created_at=at(0),
                   updated_at=at(0), turn_status="complete"),
    BackendMessage(
        id="a1", role="assistant", assistant_response=(
            "Here is a small greeting function:\n\n```python\ndef greet(name: str) -> str:\n"
            '    return f"Hello, {name}!"\n```'
        ),
        reasoning="The user wants a small, typed function.", reasoning_duration_ms=820,
        model="claude-sonnet-4-6", input_tokens=2_431, output_tokens=96, cache_read_tokens=1_920,
        cache_creation_tokens=0, cost=0.00928, created_at=at(0.3), updated_at=at(3.4),
    ),
    BackendMessage(id="u2", role="user", user_input="Run the tests", created_at=at(30), updated_at=at(30),
                   turn_status="complete"),
    BackendMessage(
        id="a2", role="assistant", assistant_response="I'll run them.", model="claude-sonnet-4-6",
        input_tokens=2_610, output_tokens=41, cache_read_tokens=4_350, cache_creation_tokens=120, cost=0.00972,
        created_at=at(30.2), updated_at=at(31.6),
        tool_calls=[ToolCallData(id="c1", name="Bash", input=json.dumps({"command": "python -m pytest -q"}),
                                 result="14 passed in 0.31s", status="ok", duration_ms=1_240)],
    ),
    BackendMessage(id="t1", role="tool", created_at=at(32.9), updated_at=at(32.9)),
    BackendMessage(
        id="a3", role="assistant", assistant_response="All 14 tests pass.", model="claude-sonnet-4-6",
        input_tokens=2_702, output_tokens=12, cache_read_tokens=4_470, cost=0.00961,
        created_at=at(33.0), updated_at=at(34.1),
    ),
]
SESSION = SessionData(id="s1", title="Greeting function", cost=0.02861, prompt_tokens=7_172, user_message_count=2,
                      assistant_message_count=3)


def filled_model(chat: ChatScreen) -> SessionModel:
    """The open session's model, holding the history above (nothing is loaded from a server)."""
    model = chat.hub.model("s1")
    model.session = SESSION
    model.timeline.set_history(HISTORY, keep_live=False)
    chat.current = "s1"
    return model


async def selection(chat: ChatScreen) -> None:
    model = filled_model(chat)
    await chat.transcript.reset(model.items())
    await chat.transcript.select("u2")


async def details(chat: ChatScreen) -> None:
    model = filled_model(chat)
    window = 200_000
    model.timeline.add_note(details_text(model, "u2", window), "Cost and tokens", after="u2")
    await chat.transcript.reset(model.items())
    await chat.transcript.select("a:u2")
    chat.status.set(context_tokens=SESSION.prompt_tokens, context_window=window, total_tokens=24_797, cost=SESSION.cost)


def test_selected_message_and_usage_lines(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=SIZE, run_before=prepare(selection))


def test_details_note(snap_compare: SnapCompare) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=(120, 44), run_before=prepare(details))


def hit(session: str, title: str, role: str, snippet: str, age: timedelta) -> SearchHit:
    at = snippet.find("parser")
    return SearchHit(session_id=session, session_title=title, message_id=f"m-{session}-{at}", role=role,
                     snippet=snippet, highlights=[(at, at + 6)], created_at=NOW - age)  # fmt: skip


class FixedSearch:
    """Stands in for SessionSearch: one finished answer, as the server's index would give it."""

    async def run(self, query: str) -> AsyncIterator[SearchUpdate]:
        hits = [
            hit("s2", "Refactor the parser", "user", "why does the parser choke on tabs in the config file?",
                timedelta(hours=3)),
            hit("s2", "Refactor the parser", "assistant",
                "…the parser's tokenizer treats a tab as an error; a small change to lex() fixes it",
                timedelta(hours=3)),
            hit("s3", "Why is CI slow?", "assistant",
                "…most of the time goes to the parser tests, which build the grammar 40 times", timedelta(days=2)),
        ]  # fmt: skip
        yield SearchUpdate(hits, total=3, took_ms=2.4, finished=True)


def test_search_screen(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        screen = SearchScreen(FixedSearch(), "parser", clock=lambda: NOW)  # type: ignore[arg-type]
        await pilot.app.push_screen(screen)
        await wait_for(pilot, lambda: len(screen.hits) == 3, what="the hits")
        screen.query_one("#search-input").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(ChatSnapshotApp(), terminal_size=SIZE, run_before=run_before)
