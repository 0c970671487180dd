"""The sidebar at scale: the session index (filter as you type, forks under parents) gives the same
rows as searching everything afresh, only the rows near the viewport are ever made, and a drawn
row follows its data, its marks and the clock. How fast is benchmarks/sidebar.py's job."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from mix_tui.protocol.models import SessionData
from mix_tui.tui.widgets.session_index import SessionIndex
from mix_tui.tui.widgets.session_list import SessionOption, haystack
from mix_tui.tui.widgets.session_tree import tree_order
from mix_tui.tui.widgets.sidebar import Sidebar
from tests.tui.conftest import ready_chat, scripted_app, wait_for
from tests.tui.scripted import ScriptedMix

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WORDS = ["parser", "Parser bug", "docs", "release", "ünïcode", "fix", "refactor", "tests"]


def session(n: int, title: str = "", *, minutes_ago: float = 0, **fields: object) -> SessionData:
    return SessionData(
        id=f"s{n}", title=title or f"Session {n}", created_at=NOW - timedelta(minutes=minutes_ago), **fields
    )  # type: ignore[arg-type]


def afresh(sessions: list[SessionData], query: str) -> list[tuple[str, int]]:
    """What the sidebar should list, computed from nothing."""
    by_id = {s.id: s for s in sessions}
    passing = [s.id for s in sessions if query.casefold() in haystack(s)]
    return tree_order(passing, by_id)


def rows(index: SessionIndex, query: str) -> list[tuple[str, int]]:
    order, depths = index.rows(query)
    return [(sid, depths.get(sid, 0)) for sid in order]


def test_the_index_lists_what_a_fresh_search_would_while_typing_and_while_sessions_change() -> None:
    rng = random.Random(7)
    sessions = []
    for n in range(300):
        parent = f"s{rng.randrange(n)}" if n and rng.random() < 0.2 else None
        first = rng.choice(WORDS) if rng.random() < 0.5 else None
        sessions.append(
            session(n, f"{rng.choice(WORDS)} {n}", minutes_ago=n, parent_session_id=parent, first_user_message=first)
        )
    index = SessionIndex()
    index.replace(sessions)
    assert rows(index, "") == afresh(sessions, "")
    queries = ["p", "pa", "par", "pars", "parser", "parser ", "parser 1", "parser", "pa", "", "ÜNÏ", "x", "bug 2"]
    for step, query in enumerate(queries * 3):
        assert rows(index, query) == afresh(sessions, query), (step, query)
        change = step % 4
        if change == 0:  # a session is used: it moves to the top
            used = rng.choice(sessions)
            used = used.model_copy(update={"updated_at": NOW + timedelta(minutes=step + 1)})
            sessions = [used] + [s for s in sessions if s.id != used.id]
            index.put(used)
        elif change == 1:  # renamed in place
            at = rng.randrange(len(sessions))
            sessions[at] = sessions[at].model_copy(update={"title": f"{rng.choice(WORDS)} renamed"})
            index.put(sessions[at])
        elif change == 2:  # deleted (its forks move up a level)
            gone = sessions.pop(rng.randrange(len(sessions)))
            assert index.remove(gone.id) and not index.remove(gone.id)
        else:  # a new fork of a listed session
            fork = session(1000 + step, f"fork of {sessions[0].title}", parent_session_id=sessions[0].id)
            sessions.insert(0, fork)
            index.put(fork)
        assert rows(index, query) == afresh(sessions, query), (step, query, "after a change")


def test_the_same_matches_give_the_same_rows_so_nothing_is_rebuilt() -> None:
    index = SessionIndex()
    index.replace([session(n, f"Session {n}") for n in range(50)])
    everything = index.rows("s")
    assert index.rows("se") is everything and index.rows("session") is everything  # all still match
    narrowed = index.rows("session 1")
    assert narrowed is not everything and narrowed[0] == ["s1"] + [f"s{n}" for n in range(10, 20)]


def test_forks_whose_parent_is_filtered_out_come_to_the_top_level() -> None:
    index = SessionIndex()
    index.replace([
        session(1, "fork: tests", parent_session_id="s2"), session(2, "parser"),
        session(3, "fork of fork: tests", parent_session_id="s1"),
    ])  # fmt: skip
    assert rows(index, "") == [("s2", 0), ("s1", 1), ("s3", 2)]
    assert rows(index, "tests") == [("s1", 0), ("s3", 1)]


class SidebarApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.now = NOW

    def compose(self) -> ComposeResult:
        yield Sidebar(clock=lambda: self.now)


def made(sidebar: Sidebar) -> list[str]:
    return [sid for sid, row in sidebar._rows.items() if row.made]


async def test_ten_thousand_sessions_make_only_the_rows_near_the_viewport() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(n, minutes_ago=n) for n in range(10_000)])
        await pilot.pause()
        options = sidebar.option_list
        assert options.option_count == 10_000 and len(sidebar.visible_ids) == 10_000
        assert all(isinstance(option, SessionOption) for option in options.options)
        on_screen = options.scrollable_content_region.height // 2
        assert on_screen - 1 <= len(made(sidebar)) <= on_screen + 2
        assert "Session 0" in options.render_line(0).text

        options.focus()
        await pilot.press("pagedown")  # the line map is computed, not stored: a page is still a page
        await wait_for(pilot, lambda: options.highlighted == on_screen, what="a page down")
        await pilot.press("end")
        await wait_for(pilot, lambda: options.highlighted == 9_999, what="the last row")
        await pilot.pause()
        bottom = options.scrollable_content_region.height - 2
        assert "Session 9999" in options.render_line(bottom).text
        assert len(made(sidebar)) <= 2 * on_screen + 4

        sidebar.filter_input.focus()
        await pilot.press(*"session 99")
        assert sidebar.visible_ids == ["s99"] + [f"s{n}" for n in range(990, 1000)] + [
            f"s{n}" for n in range(9900, 10_000)
        ]
        await pilot.press("escape")
        assert len(sidebar.visible_ids) == 10_000


async def test_a_drawn_row_follows_its_data_its_marks_and_the_clock() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, "first", minutes_ago=3), session(2, "second", minutes_ago=5)])
        await pilot.pause()
        options = sidebar.option_list
        assert "3m" in options.render_line(1).text and "5m" in options.render_line(3).text

        app.now = NOW + timedelta(minutes=2)  # the 30 s clock tick ages the drawn rows
        sidebar._refresh_all_rows()
        await wait_for(pilot, lambda: "5m" in options.render_line(1).text, what="the aged time")
        assert "7m" in options.render_line(3).text

        sidebar.set_activity("s2", running=True, awaiting_permission=True)
        await wait_for(pilot, lambda: "⚠ permission" in options.render_line(3).text, what="the badge")
        sidebar.upsert_session(session(2, "second, renamed", minutes_ago=5))
        await wait_for(pilot, lambda: "second, renamed" in options.render_line(2).text, what="the title")
        sidebar.set_activity("s2", running=False, awaiting_permission=False)
        await wait_for(pilot, lambda: "⚠" not in options.render_line(3).text, what="the badge gone")


async def test_a_fork_is_indented_under_its_parent_whether_or_not_it_is_open() -> None:
    app = SidebarApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(1, "the fork", parent_session_id="s2"), session(2, "the parent")])
        await pilot.pause()
        assert sidebar.visible_ids == ["s2", "s1"]
        fork = sidebar.option_list.get_option("s1").prompt
        assert "↳ the fork" in fork.plain  # type: ignore[union-attr]
        sidebar.set_current("s1")
        assert "↳ the fork" in sidebar.option_list.get_option("s1").prompt.plain  # type: ignore[union-attr]
        # the parent deleted: the fork moves up a level
        sidebar.remove_session("s2")
        assert sidebar.visible_ids == ["s1"]
        assert "↳" not in sidebar.option_list.get_option("s1").prompt.plain  # type: ignore[union-attr]


class PickingApp(SidebarApp):
    def __init__(self) -> None:
        super().__init__()
        self.picked: list[str] = []

    def on_sidebar_session_selected(self, message: Sidebar.SessionSelected) -> None:
        self.picked.append(message.session_id)


async def test_a_click_opens_the_row_under_it_after_the_list_changed() -> None:
    """Rows keep their drawn strips across changes of the list, and the row index a click reads
    is stamped on them anew."""
    app = PickingApp()
    async with app.run_test(size=(80, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        sidebar.set_sessions([session(n, f"{'odd' if n % 2 else 'even'} {n}", minutes_ago=n) for n in range(40)])
        await pilot.pause()
        sidebar.filter_input.focus()
        await pilot.press(*"odd")
        await pilot.pause()
        await pilot.click(sidebar.option_list, offset=(4, 2))  # the second row: "odd 3"
        await wait_for(pilot, lambda: app.picked == ["s3"], what="the filtered pick")
        sidebar.filter_input.focus()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click(sidebar.option_list, offset=(4, 2))  # the second row again: "odd 1"
        await wait_for(pilot, lambda: app.picked == ["s3", "s1"], what="the unfiltered pick")
        assert "odd 1" in sidebar.option_list.render_line(2).text


# ---- in the app: the first listing ---------------------------------------------------------------


async def test_the_token_check_lists_nothing_and_a_refused_listing_says_so() -> None:
    mix = ScriptedMix()
    for n in range(3):
        mix.add_session(f"Stored {n}")
    app = scripted_app(mix)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(pilot, lambda: len(chat.sidebar.visible_ids) == 3, what="the listing")
        paths = [(r.method, r.url.path) for r in mix.requests]
        # the token check is a small request: the (maybe 10,000 sessions) list is asked for once
        assert paths[:2] == [("GET", "/health"), ("GET", "/api/system/info")]
        assert paths.count(("GET", "/api/sessions")) == 1

    mix = ScriptedMix()
    mix.add_session("Stored")
    mix.refuse[("GET", "/api/sessions")] = (500, "database is locked")
    app = scripted_app(mix)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = await ready_chat(pilot)
        await wait_for(
            pilot, lambda: any("could not list sessions: database is locked" in n.message for n in app._notifications),
            what="the warning",
        )  # fmt: skip
        assert chat.sidebar.visible_ids == [] and chat.composer.has_focus
