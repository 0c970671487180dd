"""The rows of the session list, and the OptionList that shows them (virtualized: only the visible
rows are rendered, a row's text is made only when it is drawn, and the list's bookkeeping is for
rows of one height (fixed_rows.py), so thousands of sessions cost little).

A row is two lines of Rich `Text` built from data (never markup, control characters replaced): the
title, then the relative time, message count and cost. The open session carries a bar, a running one
a spinner frame, one that waits for a permission answer a "⚠ permission" badge; a fork is indented
under its parent with "↳".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets.option_list import Option

from mix_tui.protocol.models import SessionData
from mix_tui.tui.widgets.fixed_rows import FixedRowsOptionList
from mix_tui.tui.widgets.safe_text import clean

Clock = Callable[[], datetime]
RowKey = tuple[str, bool, bool, bool, bool, int, str, int, str, int]
ROW_LINES = 2  # every row: title, then details; never wrapped (text-wrap: nowrap)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def utc_now() -> datetime:
    return datetime.now(UTC)


def relative_time(when: datetime | None, now: datetime) -> str:
    """"now", "3m", "2h", "yesterday", "4d", "Mar 04", "2024-03-04" — in the clock's time zone."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    when = when.astimezone(now.tzinfo)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    days = (now.date() - when.date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days}d"
    if when.year == now.year:
        return when.strftime("%b %d")
    return when.strftime("%Y-%m-%d")


def format_cost(cost: float) -> str:
    return f"${cost:.2f}" if cost >= 1 else f"${cost:.4f}"


def session_label(session: SessionData) -> str:
    """The title, else the first line of the first message, else a placeholder."""
    if session.title.strip():
        return clean(session.title.strip())
    first = (session.first_user_message or "").strip()
    return clean(first.splitlines()[0]) if first else "New session"


def matches(session: SessionData, query: str) -> bool:
    return query.casefold() in haystack(session)


def haystack(session: SessionData) -> str:
    """What the filter searches, casefolded: the title and the first message (a newline between, so
    a query never matches across the two)."""
    return f"{session.title}\n{session.first_user_message or ''}".casefold()


def nest_subagents(sessions: list[SessionData]) -> list[SessionData]:
    """Each sub-agent session right after its parent (newest first among siblings); one whose
    parent is not listed keeps its place."""
    listed = {s.id for s in sessions}
    children: dict[str, list[SessionData]] = {}
    for session in sessions:
        parent = session.parent_session_id
        if session.session_type == "subagent" and parent in listed and parent != session.id:
            children.setdefault(parent, []).append(session)
    nested = {s.id for kids in children.values() for s in kids}
    out: list[SessionData] = []

    def place(session: SessionData, depth: int) -> None:
        out.append(session)
        if depth < 16:  # sub-agents of sub-agents, but never a cycle
            for child in children.get(session.id, []):
                place(child, depth + 1)

    for session in sessions:
        if session.id not in nested:
            place(session, 0)
    return out


@dataclass(frozen=True, slots=True)
class RowState:
    """What the sidebar knows about a session besides its data."""

    current: bool = False
    awaiting_permission: bool = False
    spinning: bool = False  # running, and not stopped at a permission prompt
    frame: int = 0  # the spinner frame
    depth: int = 0  # forks: how far under their parent


def row_key(session: SessionData, state: RowState, now: datetime) -> RowKey:
    """Everything a row shows; a row is rendered again only when this changes."""
    return (
        session_label(session),
        bool(session.title.strip()),
        state.current,
        state.awaiting_permission,
        state.spinning,
        state.frame if state.spinning else 0,
        relative_time(session.last_active, now),
        session.message_count,
        format_cost(session.cost),
        state.depth,
    )


def render_row(session: SessionData, state: RowState, now: datetime) -> Text:
    """Two lines: marker + title, then badge, relative time, message count and cost."""
    bar = "▌" if state.current else " "
    row = Text()
    row.append(bar, style="bold cyan")
    if state.awaiting_permission:
        row.append("⚠ ", style="bold yellow")
    elif state.spinning:
        row.append(SPINNER[state.frame % len(SPINNER)] + " ", style="bold green")
    else:
        row.append("  ")
    if state.depth:  # a fork or a sub-agent, under its parent (session_tree.py)
        row.append("  " * (state.depth - 1) + "↳ ", style="dim")
    elif session.session_type == "subagent":
        row.append("↳ ", style="dim")  # its parent is not listed
    title_style = "bold" if state.current else ""
    if not session.title.strip():
        title_style += " italic"
    row.append(session_label(session), style=title_style.strip())
    row.append("\n")
    row.append(bar, style="bold cyan")
    row.append("  " + ("  " * state.depth if state.depth else ""))
    count = session.message_count
    details = [
        relative_time(session.last_active, now),
        f"{count} msg" if count == 1 else f"{count} msgs",
        format_cost(session.cost),
    ]
    if state.awaiting_permission:
        # the badge matters more than the counts on a narrow sidebar
        row.append("⚠ permission", style="bold black on yellow")
        row.append(" ")
        details = details[:1]
    row.append(" · ".join(part for part in details if part), style="dim")
    return row


class SessionOption(Option):
    """A session's row. Its text is made when it is first drawn (or asked for): with 10,000
    sessions the list holds 10,000 of these, and only the screenful near the viewport is ever made."""

    __hash__ = object.__hash__  # identity, as Option's, but without a Python call per dict insert

    def __init__(self, session: SessionData, state: RowState, clock: Clock) -> None:
        super().__init__("", id=session.id)
        self.session = session
        self.state = state
        self._clock = clock
        self._made: Text | None = None
        self._made_key: RowKey | None = None  # what the made text shows

    @property
    def prompt(self) -> Text:
        if self._made is None:
            now = self._clock()
            self._made_key = row_key(self.session, self.state, now)
            self._made = render_row(self.session, self.state, now)
        return self._made

    @property
    def made(self) -> bool:
        return self._made is not None

    def update(self, session: SessionData, state: RowState) -> bool:
        """New data or marks for the row; True when its made text is outdated (dropped now)."""
        if session is self.session and (state is self.state or state == self.state):
            return False
        self.session, self.state = session, state
        return self.outdated()

    def outdated(self) -> bool:
        """Drop the made text if the row would show something else now (a relative time ages);
        True when it did. A row not made yet is never outdated."""
        if self._made is None or row_key(self.session, self.state, self._clock()) == self._made_key:
            return False
        self._made = self._made_key = None
        self._visual = None  # OptionList's cached visual of the old text
        return True


class SessionList(FixedRowsOptionList):
    """The rows. Up on the first row goes back to the filter box."""

    ROW_LINES = ROW_LINES  # the module's: two lines a row

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete", "delete_session", "Delete session"),
        Binding("ctrl+d", "delete_session", "Delete session", show=False),
    ]

    class DeletePressed(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def on_focus(self) -> None:
        # nothing is highlighted while no session is open: entering the list starts at the top
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.screen.focus_previous()
            return
        super().action_cursor_up()

    def action_delete_session(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.DeletePressed(option.id))
