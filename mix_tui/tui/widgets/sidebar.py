"""The session sidebar: a filter box above the session list, and the bookkeeping behind it.

Filter as you type (title and first message). Forks are listed under their parents
(session_tree.py). Every session is kept as data (session_index.py) and the list gets one cheap
row object per visible session whose text is made only when drawn (session_list.py); a drawn row is
made again only when something it shows changed (its title, counts, relative time, the
open/running/permission marks), and the whole list is rebuilt only when the set or order of visible
sessions changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from mix_tui.protocol.models import SessionData
from mix_tui.tui.widgets.session_index import SessionIndex
from mix_tui.tui.widgets.session_list import (
    Clock,
    RowState,
    SessionList,
    SessionOption,
    format_cost,
    relative_time,
    render_row,
    utc_now,
)

__all__ = ["SessionList", "Sidebar", "format_cost", "relative_time"]

SPINNER_INTERVAL = 0.15
_PLAIN = [RowState(depth=depth) for depth in range(8)]  # most rows: made once, not per row and rebuild
CLOCK_REFRESH_SECONDS = 30.0


class Sidebar(Widget):
    """Sessions, newest first. Posts SessionSelected, NewSessionRequested, DeleteRequested."""

    DEFAULT_CSS = """
    Sidebar {
        width: 36;
        height: 1fr;
        layout: vertical;
        background: $panel;
    }
    Sidebar > #sidebar-filter {
        margin: 0 0 1 0;
    }
    Sidebar > SessionList {
        height: 1fr;
        max-height: 100%;
        border: none;
        padding: 0;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Sidebar > SessionList:focus {
        border: none;
        background-tint: $foreground 3%;
    }
    Sidebar > SessionList > .option-list--option {
        padding: 0 1 0 0;
    }
    Sidebar > #sidebar-empty {
        color: $text-muted;
        padding: 0 1;
        display: none;
    }
    Sidebar.-empty > #sidebar-empty {
        display: block;
    }
    Sidebar.-empty > SessionList {
        display: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_session", "New session"),
        Binding("slash", "focus_filter", "Filter", show=False),
    ]

    class SessionSelected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class NewSessionRequested(Message):
        pass

    class DeleteRequested(Message):
        """The user asked to delete a session (the screen asks for confirmation)."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._now: Clock = clock or utc_now
        self._index = SessionIndex()
        self._visible: list[str] = []  # the ids shown, after the filter
        self._visible_set: set[str] = set()
        self._depth: dict[str, int] = {}  # forks: how far under their parent each visible row is
        self._rows: dict[str, SessionOption] = {}  # per session, its row (kept while it is listed)
        self._filter_text = ""
        self._current: str | None = None
        # set_current asked for the highlight and the open session is not listed yet (just created,
        # or filtered out): it gets the highlight when it shows up
        self._follow_current = False
        self._running_ids: set[str] = set()
        self._awaiting_ids: set[str] = set()
        self._frame = 0
        self._spinner: Timer | None = None

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter sessions…", id="sidebar-filter", compact=True)
        yield SessionList(id="sidebar-list")
        yield Static(id="sidebar-empty")

    def on_mount(self) -> None:
        self.set_interval(CLOCK_REFRESH_SECONDS, self._refresh_all_rows)
        self._rebuild()

    @property
    def option_list(self) -> SessionList:
        return self.query_one(SessionList)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#sidebar-filter", Input)

    @property
    def _sessions(self) -> dict[str, SessionData]:
        return self._index.sessions

    @property
    def visible_ids(self) -> list[str]:
        return list(self._visible)

    @property
    def highlighted_id(self) -> str | None:
        option = self.option_list.highlighted_option if self.is_mounted else None
        return option.id if option is not None else None

    # ---- the seam -----------------------------------------------------------------------------

    def set_sessions(self, sessions: list[SessionData]) -> None:
        """Replace the whole list (in the given order); highlight and scroll stay where possible."""
        self._index.replace(sessions)
        self._rows = {sid: row for sid, row in self._rows.items() if sid in self._sessions}
        self._running_ids &= self._sessions.keys()
        self._awaiting_ids &= self._sessions.keys()
        self._rebuild()

    def upsert_session(self, session: SessionData) -> None:
        """A new session goes on top, and so does one that saw newer activity (the list is most
        recently used first); otherwise the row is updated in place (title, counts, cost)."""
        previous = self._sessions.get(session.id)
        new, moved = self._index.put(session)
        was_visible = session.id in self._visible_set
        forks_moved = previous is not None and previous.parent_session_id != session.parent_session_id
        if new or moved or forks_moved or was_visible != self._index.passes(session, self._filter_text):
            self._rebuild()
        else:
            self._refresh_row(session.id)

    def remove_session(self, session_id: str) -> None:
        had_forks = self._index.has_forks(session_id)
        if not self._index.remove(session_id):
            return
        self._rows.pop(session_id, None)
        self._running_ids.discard(session_id)
        self._awaiting_ids.discard(session_id)
        if self._current == session_id:
            self._current = None
        if had_forks:
            self._rebuild()  # its forks move up a level
        elif session_id in self._visible_set:
            index = self._visible.index(session_id)
            self._visible.remove(session_id)
            self._visible_set.discard(session_id)
            if self.is_mounted:
                # removing one option keeps the highlight on the neighbour, no full rebuild needed
                self.option_list.remove_option_at_index(index)
                self._update_empty_state()

    def set_current(self, session_id: str | None) -> None:
        """Mark the open session and move the highlight to it, so that keyboard navigation starts
        from there; with no session open (a new chat) no row is highlighted."""
        previous, self._current = self._current, session_id
        for sid in {previous, session_id}:
            if sid is not None:
                self._refresh_row(sid)
        self._follow_current = True
        self._highlight_current()

    def _highlight_current(self) -> None:
        if not self._follow_current or not self.is_mounted:
            return
        option_list = self.option_list
        if self._current is None:
            # someone moving through the list (deleting the open session, say) keeps the cursor
            if not option_list.has_focus:
                option_list.highlighted = None
            self._follow_current = False
        elif self._current in self._visible_set:
            option_list.highlighted = self._visible.index(self._current)
            self._follow_current = False

    def set_activity(self, session_id: str, *, running: bool, awaiting_permission: bool) -> None:
        before = (session_id in self._running_ids, session_id in self._awaiting_ids)
        (self._running_ids.add if running else self._running_ids.discard)(session_id)
        (self._awaiting_ids.add if awaiting_permission else self._awaiting_ids.discard)(session_id)
        if before != (running, awaiting_permission):
            self._refresh_row(session_id)
        self._update_spinner()

    # ---- rows ---------------------------------------------------------------------------------

    def _state(self, session_id: str) -> RowState:
        depth = self._depth.get(session_id, 0)
        if session_id != self._current and session_id not in self._running_ids and session_id not in self._awaiting_ids:
            return _PLAIN[depth]
        spinning = session_id in self._running_ids and session_id not in self._awaiting_ids
        return RowState(
            current=session_id == self._current,
            awaiting_permission=session_id in self._awaiting_ids,
            spinning=spinning,
            frame=self._frame,
            depth=depth,
        )

    def render_row(self, session: SessionData) -> Text:
        return render_row(session, self._state(session.id), self._now())

    def _options(self, session_ids: list[str]) -> list[SessionOption]:
        """The rows for `session_ids`, made or brought up to date (the list is set anew with them,
        so no repaint is asked for). Tight: it runs over every listed session at each rebuild."""
        sessions, rows, depth, plain = self._sessions, self._rows, self._depth.get, _PLAIN
        marked = self._running_ids | self._awaiting_ids | {self._current}
        return [
            option
            if (option := rows.get(sid)) is not None
            and option.session is sessions[sid]
            and option.state is plain[depth(sid, 0)]
            and sid not in marked
            else self._option(sid)
            for sid in session_ids
        ]

    def _option(self, session_id: str) -> SessionOption:
        session = self._sessions[session_id]
        state = self._state(session_id)
        option = self._rows.get(session_id)
        if option is None:
            option = self._rows[session_id] = SessionOption(session, state, self._now)
        else:
            option.update(session, state)
        return option

    def _refresh_row(self, session_id: str) -> None:
        option = self._rows.get(session_id)
        session = self._sessions.get(session_id)
        if option is None or session is None:
            return
        if option.update(session, self._state(session_id)) and self.is_mounted and session_id in self._visible_set:
            self.option_list.row_changed(option)

    def _refresh_all_rows(self) -> None:
        # relative times age ("3m" -> "4m"); only rows drawn so far can show an old one
        for option in [option for option in self._rows.values() if option.made]:
            if option.outdated() and option.id in self._visible_set:
                self.option_list.row_changed(option)

    # ---- filtering and rebuilding -------------------------------------------------------------

    def _rebuild(self, *, filtered: bool = False) -> None:
        """Show the sessions that pass the filter (forks under their parents). `filtered`: only the
        filter changed, so the list stays as it is when the same sessions pass (the first letters of
        a query often match all)."""
        visible, depth = self._index.rows(self._filter_text)
        if filtered and visible == self._visible:
            return
        # copies: the index hands out the same lists again while the same sessions match
        self._visible, self._depth = list(visible), dict(depth)
        self._visible_set = set(visible)
        if not self.is_mounted:
            return
        option_list = self.option_list
        keep = self.highlighted_id
        scroll_y = option_list.scroll_y
        option_list.set_rows(self._options(self._visible))
        if keep in self._visible_set:
            option_list.scroll_to(y=scroll_y, animate=False, immediate=True)
            option_list.highlighted = self._visible.index(keep)
        elif keep is not None and self._visible:
            option_list.highlighted = 0  # the highlighted row went away
        # no highlight stays none: nothing is open and the user is not in the list
        self._highlight_current()
        self._update_empty_state()
        self._update_spinner()

    def _update_empty_state(self) -> None:
        empty = not self._visible
        self.set_class(empty, "-empty")
        if empty:
            message = "No session matches the filter." if self._filter_text else "No sessions yet — ctrl+n starts one."
            self.query_one("#sidebar-empty", Static).update(Text(message))

    def _update_spinner(self) -> None:
        spinning = bool(self._running_ids - self._awaiting_ids) and self.is_mounted
        if spinning and self._spinner is None:
            self._spinner = self.set_interval(SPINNER_INTERVAL, self._tick)
        elif not spinning and self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _tick(self) -> None:
        self._frame += 1
        for session_id in self._running_ids - self._awaiting_ids:
            self._refresh_row(session_id)

    # ---- events -------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter_text = event.value.strip()
        self._rebuild(filtered=True)
        if self._filter_text:
            # Enter in the filter box opens the highlighted row: make that the best (first) match
            if self._visible:
                self.option_list.highlighted = 0
        else:
            self._follow_current = True  # the filter is gone: back to the open session
            self._highlight_current()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        session_id = self.highlighted_id or (self._visible[0] if self._visible else None)
        if session_id is not None:
            self.post_message(self.SessionSelected(session_id))

    def on_key(self, event: events.Key) -> None:
        if not self.filter_input.has_focus:
            return
        if event.key == "down" and self._visible:
            self.option_list.focus()  # it highlights its first row if none is (SessionList)
            event.stop()
        elif event.key == "escape" and self.filter_input.value:
            # the first Esc clears the filter; the next one is the app's (e.g. cancel a turn)
            self.filter_input.value = ""
            event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.SessionSelected(event.option.id))

    def on_session_list_delete_pressed(self, event: SessionList.DeletePressed) -> None:
        event.stop()
        if event.session_id in self._sessions:
            self.post_message(self.DeleteRequested(event.session_id))

    def action_new_session(self) -> None:
        self.post_message(self.NewSessionRequested())

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def sessions(self) -> Iterable[SessionData]:
        return (self._sessions[sid] for sid in self._index.order)

    def retitle(self, session_id: str, title: str) -> None:
        """A session's new title (renamed here or by another client)."""
        session = self._sessions.get(session_id)
        if session is not None and session.title != title:
            self._index.put(session.model_copy(update={"title": title}))
            if self._filter_text:
                self._rebuild()  # it may pass the filter now, or no longer
            else:
                self._refresh_row(session_id)

