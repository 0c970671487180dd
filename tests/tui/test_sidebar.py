"""Sidebar: rows, filtering, markers, keys, confirm-before-delete, and 1,000 sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message

from mix_tui.protocol.models import SessionData
from mix_tui.tui.screens.confirm import ConfirmScreen
from mix_tui.tui.widgets.sidebar import SessionList, Sidebar, format_cost, relative_time
from tests.tui.conftest import ServerProcess, opened, ready_chat, send, turn_over, wait_for

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def session(n: int, title: str | None = None, *, minutes_ago: float = 0, **fields: object) -> SessionData:
    data: dict[str, object] = {
        "id": f"s{n}",
        "title": f"Session number {n}" if title is None else title,
        "createdAt": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        "userMessageCount": 1,
        "assistantMessageCount": 1,
        "cost": 0.0123,
    }
    data.update(fields)
    return SessionData.model_validate(data)


class SidebarApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Sidebar(clock=lambda: NOW)

    def on_sidebar_session_selected(self, message: Sidebar.SessionSelected) -> None:
        self.posted.append(message)

    def on_sidebar_new_session_requested(self, message: Sidebar.NewSessionRequested) -> None:
        self.posted.append(message)

    def on_sidebar_delete_requested(self, message: Sidebar.DeleteRequested) -> None:
        self.posted.append(message)


def selected(app: SidebarApp) -> list[str]:
    return [m.session_id for m in app.posted if isinstance(m, Sidebar.SessionSelected)]


def deleted(app: SidebarApp) -> list[str]:
    return [m.session_id for m in app.posted if isinstance(m, Sidebar.DeleteRequested)]


def row_text(sidebar: Sidebar, session_id: str) -> str:
    prompt = sidebar.option_list.get_option(session_id).prompt
    assert isinstance(prompt, Text)
    return prompt.plain


def test_relative_time_and_cost() -> None:
    assert relative_time(NOW - timedelta(seconds=20), NOW) == "now"
    assert relative_time(NOW - timedelta(minutes=3), NOW) == "3m"
    assert relative_time(NOW - timedelta(hours=2), NOW) == "2h"
    assert relative_time(NOW - timedelta(hours=30), NOW) == "yesterday"
    assert relative_time(NOW - timedelta(days=4), NOW) == "4d"
    assert relative_time(NOW - timedelta(days=40), NOW) == "Jan 29"
    assert relative_time(datetime(2024, 3, 4, tzinfo=UTC), NOW) == "2024-03-04"
    assert relative_time(None, NOW) == ""
    assert format_cost(0.0123) == "$0.0123"
    assert format_cost(12.5) == "$12.50"


async def test_rows_show_title_time_count_cost_and_markers() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, minutes_ago=3), session(2, "", minutes_ago=150, firstUserMessage="fix the bug\nplease")])
        await pilot.pause()
        first = row_text(sidebar, "s1")
        assert "Session number 1" in first and "3m" in first and "2 msgs" in first and "$0.0123" in first
        assert "fix the bug" in row_text(sidebar, "s2") and "please" not in row_text(sidebar, "s2")
        assert "2h" in row_text(sidebar, "s2")

        sidebar.set_current("s1")
        assert row_text(sidebar, "s1").startswith("▌")
        sidebar.set_current("s2")
        assert not row_text(sidebar, "s1").startswith("▌") and row_text(sidebar, "s2").startswith("▌")

        sidebar.set_activity("s1", running=True, awaiting_permission=False)
        assert row_text(sidebar, "s1")[1] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        sidebar.set_activity("s1", running=True, awaiting_permission=True)
        assert "⚠ permission" in row_text(sidebar, "s1")
        sidebar.set_activity("s1", running=False, awaiting_permission=False)
        assert "⚠" not in row_text(sidebar, "s1")

        sidebar.upsert_session(session(1, "Renamed by the server", minutes_ago=3, cost=1.5))
        assert "Renamed by the server" in row_text(sidebar, "s1") and "$1.50" in row_text(sidebar, "s1")
        # a row updated in place is repainted (only its own lines are refreshed)
        await pilot.pause()
        assert "Renamed by the server" in sidebar.option_list.render_line(0).text
        assert "$1.50" in sidebar.option_list.render_line(1).text
        assert "fix the bug" in sidebar.option_list.render_line(2).text


async def test_titles_are_data_not_markup() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, "[bold red]x[/] \x1b[31m")])
        await pilot.pause()
        assert "[bold red]x[/]" in row_text(sidebar, "s1")


async def test_filter_as_you_type_matches_title_and_first_message() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions(
            [
                session(1, "Refactor parser"),
                session(2, "Untitled", firstUserMessage="why is the PARSER slow?"),
                session(3, "Write docs"),
            ]
        )
        await pilot.pause()
        sidebar.filter_input.focus()
        await pilot.press(*"parser")
        assert sidebar.visible_ids == ["s1", "s2"]
        await pilot.press("down")
        assert sidebar.option_list.has_focus
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: selected(app) == ["s2"], what="the selection")

        sidebar.filter_input.focus()
        await pilot.press(*"zzz")
        assert sidebar.visible_ids == []
        assert sidebar.has_class("-empty")
        await pilot.press("escape")
        assert sidebar.filter_input.value == ""
        assert sidebar.visible_ids == ["s1", "s2", "s3"]

        # a title change that makes a row match (or stop matching) shows up while filtering
        await pilot.press(*"docs")
        assert sidebar.visible_ids == ["s3"]
        sidebar.upsert_session(session(1, "Refactor docs"))
        assert sidebar.visible_ids == ["s1", "s3"]


async def test_new_session_and_click_select() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1), session(2)])
        await pilot.pause()
        await pilot.press("ctrl+n")
        assert any(isinstance(m, Sidebar.NewSessionRequested) for m in app.posted)
        # rows are two lines high: the second row starts on the third line of the list
        await pilot.click(SessionList, offset=(4, 2))
        # the selection hops OptionList -> Sidebar -> App
        await wait_for(pilot, lambda: selected(app) == ["s2"], what="the selection")


async def test_delete_keys_ask_the_screen_to_delete_the_highlighted_session() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, "Keep me"), session(2, "Delete me")])
        await pilot.pause()
        sidebar.option_list.focus()
        await pilot.press("down", "delete")
        await wait_for(pilot, lambda: deleted(app) == ["s2"], what="the request")
        assert not isinstance(app.screen, ConfirmScreen)  # asking is the screen's job, not the list's
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: deleted(app) == ["s2", "s2"], what="the second request")

        sidebar.remove_session("s2")
        assert sidebar.visible_ids == ["s1"]
        assert sidebar.highlighted_id == "s1"


async def test_a_thousand_sessions_build_update_and_filter() -> None:
    """A thousand rows: built, updated in place, filtered. How fast is benchmarks/sidebar.py's job
    (10,000 sessions); this checks that the list stays right at that size."""
    app = SidebarApp()
    async with app.run_test(size=(100, 40)) as pilot:
        sidebar = app.query_one(Sidebar)
        many = [session(n, minutes_ago=n) for n in range(1000)]
        sidebar.set_sessions(many)
        await pilot.pause()
        assert sidebar.option_list.option_count == 1000

        sidebar.option_list.focus()
        sidebar.option_list.highlighted = 500
        await pilot.pause()
        for n in range(50):
            sidebar.upsert_session(session(500, f"Retitled {n}", minutes_ago=500))
        sidebar.set_activity("s10", running=True, awaiting_permission=False)
        await pilot.pause()
        assert sidebar.option_list.option_count == 1000 and sidebar.highlighted_id == "s500"
        # set_sessions keeps the highlighted session
        sidebar.set_sessions(many)
        await pilot.pause()
        assert sidebar.highlighted_id == "s500"

        sidebar.filter_input.focus()
        await pilot.press("9", "9")
        assert sidebar.visible_ids and all("99" in sid for sid in sidebar.visible_ids)


# ---- the highlight follows the open session ------------------------------------------------------


async def test_keyboard_navigation_starts_from_the_open_session() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(n) for n in range(1, 6)])
        await pilot.pause()
        sidebar.set_current("s3")
        assert sidebar.highlighted_id == "s3"
        sidebar.option_list.focus()
        await pilot.press("down")
        assert sidebar.highlighted_id == "s4"
        await pilot.press("up", "up", "enter")
        await wait_for(pilot, lambda: selected(app) == ["s2"], what="the selection")

        # the list keeps its place while the user is in it; elsewhere it follows set_current
        app.set_focus(None)
        sidebar.set_current("s5")
        assert sidebar.highlighted_id == "s5"
        # a session created just now is open before the sidebar lists it: highlighted once it is
        sidebar.set_current("s9")
        sidebar.upsert_session(session(9))
        assert sidebar.visible_ids[0] == "s9" and sidebar.highlighted_id == "s9"
        # a reload of the list keeps it there
        sidebar.set_sessions([session(n) for n in (9, 1, 2, 3, 4, 5)])
        assert sidebar.highlighted_id == "s9"


async def test_a_new_chat_leaves_no_row_highlighted_and_the_list_starts_at_the_top() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(n) for n in range(1, 6)])
        sidebar.set_current("s3")
        await pilot.pause()
        assert sidebar.highlighted_id == "s3"
        sidebar.set_current(None)  # ctrl+n: a fresh chat, no session open
        assert sidebar.highlighted_id is None
        # another client's new session does not bring a highlight back
        sidebar.upsert_session(session(7))
        assert sidebar.highlighted_id is None
        # entering the list (filter, then down) starts at the top; Enter opens that row
        sidebar.filter_input.focus()
        await pilot.press("down")
        assert sidebar.option_list.has_focus and sidebar.highlighted_id == "s7"
        await pilot.press("enter")
        await wait_for(pilot, lambda: selected(app) == ["s7"], what="the selection")


async def test_filtering_highlights_the_first_match_then_returns_to_the_open_session() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, "alpha one"), session(2, "beta"), session(3, "alpha two")])
        sidebar.set_current("s3")
        await pilot.pause()
        sidebar.filter_input.focus()
        await pilot.press(*"alpha")
        assert sidebar.visible_ids == ["s1", "s3"] and sidebar.highlighted_id == "s1"
        await pilot.press("escape")  # clears the filter
        assert sidebar.highlighted_id == "s3"
        await pilot.press(*"alpha", "enter")
        await wait_for(pilot, lambda: selected(app) == ["s1"], what="the selection")


# ---- in the app: rows follow the server after each turn ------------------------------------------


async def test_a_rows_counts_follow_each_finished_turn(server: ServerProcess) -> None:
    app = server.app()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await send(pilot, chat, "first")
        await wait_for(pilot, lambda: turn_over(chat), what="the first turn")
        sidebar = chat.sidebar
        sid = opened(chat).session_id
        await wait_for(pilot, lambda: sid in sidebar.visible_ids and "2 msgs" in row_text(sidebar, sid), what="2 msgs")
        await send(pilot, chat, "second")
        await wait_for(pilot, lambda: turn_over(chat, answers=2), what="the second turn")
        await wait_for(pilot, lambda: "4 msgs" in row_text(sidebar, sid), what="4 msgs")
        # what is on the screen, not only the row's data
        index = sidebar.visible_ids.index(sid)
        await wait_for(
            pilot, lambda: "4 msgs" in sidebar.option_list.render_line(index * 2 + 1).text, what="the repaint"
        )
        assert "now" in row_text(sidebar, sid)


async def test_a_session_with_newer_activity_moves_to_the_top_and_shows_that_time() -> None:
    app = SidebarApp()
    async with app.run_test() as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, minutes_ago=5), session(2, minutes_ago=90)])
        await pilot.pause()
        options = sidebar.option_list
        assert [options.get_option_at_index(i).id for i in range(2)] == ["s1", "s2"]
        used = session(2, minutes_ago=90, updatedAt=(NOW - timedelta(seconds=10)).isoformat())
        sidebar.upsert_session(used)
        await pilot.pause()
        assert [options.get_option_at_index(i).id for i in range(2)] == ["s2", "s1"]
        assert "now" in row_text(sidebar, "s2")  # the last activity, not the creation 90 minutes ago
        # an update with no newer activity (say, a new title) stays where it is
        sidebar.upsert_session(session(1, "Retitled", minutes_ago=5))
        await pilot.pause()
        assert [options.get_option_at_index(i).id for i in range(2)] == ["s2", "s1"]
