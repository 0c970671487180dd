"""The rows of the session list, and the OptionList that shows them (virtualized: only the visible
rows are rendered, and a row's text is made only when it is drawn, so thousands of sessions cost
little).

A row is two lines of Rich `Text` built from data (never markup, control characters replaced): the
title, then the relative time, message count and cost. The open session carries a bar, a running one
a spinner frame, one that waits for a permission answer a "⚠ permission" badge; a fork is indented
under its parent with "↳".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mix_tui.protocol.models import SessionData
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


class SessionList(OptionList):
    """The rows. Up on the first row goes back to the filter box."""

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

    def set_rows(self, rows: Sequence[Option]) -> None:
        """`set_options` for rows with unique ids, each ROW_LINES high: its bookkeeping in a few
        comprehensions (OptionList adds them one by one: ~15 ms per 10,000, the sidebar's rebuild
        after each finished turn)."""
        self._options[:] = rows
        self._id_to_option = {option.id: option for option in rows if option.id is not None}
        self._option_to_index = {option: index for index, option in enumerate(rows)}
        self._option_render_cache.clear()
        self._line_cache.clear()
        self.highlighted = None
        self.scroll_y = 0
        if self.is_mounted:
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()

    def _update_lines(self) -> None:
        # Every row is ROW_LINES lines: no need to measure each prompt (OptionList renders every
        # one to learn its height, ~20 ms per 1,000 rows at each rebuild of the list).
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        new = range(len(lines) // ROW_LINES, len(self._options))
        if new:
            cache.index_to_line.update({index: index * ROW_LINES for index in new})
            cache.heights.update(dict.fromkeys(new, ROW_LINES))
            lines.extend([(index, line) for index in new for line in range(ROW_LINES)])
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, len(lines))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def row_changed(self, option: Option) -> None:
        """`option` shows something else now: only its own strips are dropped and its lines repainted.
        (OptionList's own way, replacing the prompt, measures every row again: ~40 ms for 1,000.)"""
        index = self._option_to_index.get(option)
        if index is None:
            return
        render_cache = self._option_render_cache
        for key in [key for key in render_cache.keys() if key[0] is option]:
            render_cache.discard(key)
        self.refresh_lines(index * ROW_LINES, ROW_LINES)
