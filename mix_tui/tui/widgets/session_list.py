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
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size, Spacing
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding
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


class _RowLines:
    """OptionList's line map (line -> (row, line in row), row -> first line, row -> height) for
    rows that are all ROW_LINES high: computed, not stored. Stored, it is 20,000 tuples for 10,000
    sessions, made again at every change of the list (a filter keystroke, a finished turn)."""

    def __init__(self) -> None:
        self.rows = 0
        self.lines = _Computed(self, lambda y: divmod(y, ROW_LINES), ROW_LINES)
        self.index_to_line = _Computed(self, lambda index: index * ROW_LINES, 1)
        self.heights = _Computed(self, lambda index: ROW_LINES, 1)

    def clear(self) -> None:
        self.rows = 0


class _Computed:
    """A read-only sequence (IndexError) or mapping (KeyError) over 0..rows × per_row - 1."""

    def __init__(self, owner: _RowLines, value: Callable[[int], Any], per_row: int) -> None:
        self._owner, self._value, self._per_row = owner, value, per_row

    def __len__(self) -> int:
        return self._owner.rows * self._per_row

    def __getitem__(self, at: int) -> Any:
        if not 0 <= at < len(self):
            raise (IndexError if self._per_row == ROW_LINES else KeyError)(at)
        return self._value(at)


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._line_cache = _RowLines()  # type: ignore[assignment]
        # a row's strips per look (style, padding, width), kept across rebuilds of the list: with
        # the option index that clicks read stamped on them (the index moves when the list changes)
        self._row_strips: LRUCache[tuple[Option, Style, Spacing, int], tuple[int, list[Strip], list[Strip]]]
        self._row_strips = LRUCache(maxsize=1024 * 2)

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
        self._id_to_option = {option._id: option for option in rows if option._id is not None}
        self._option_to_index = {option: index for index, option in enumerate(rows)}
        self._line_cache.clear()  # the rows' strips stay (_get_option_render)
        self.highlighted = None
        self.scroll_y = 0
        if self.is_mounted:
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()

    def _update_lines(self) -> None:
        # Every row is ROW_LINES lines: no need to measure each prompt (OptionList renders every
        # one to learn its height, ~20 ms per 1,000 rows at each rebuild of the list), nor to
        # store the line map (_RowLines).
        if not self.scrollable_content_region:
            return
        rows = len(self._options)
        self._line_cache.rows = rows  # type: ignore[attr-defined]
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, rows * ROW_LINES)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        # OptionList's own drops every row's strips at each change of the list (a filter
        # keystroke) and renders them again: ~0.5 ms a row, for stamping each with its new index
        index = self._option_to_index[option]
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        key = (option, style, padding, width)
        made = self._row_strips.get(key)
        if made is None or made[0] != index:
            if made is None:
                visual = self._get_visual(option)
                if padding:
                    visual = Padding(visual, padding)
                strips = visual.to_strips(self, visual, width, None, style)
                plain = [strip.extend_cell_length(width, style.rich_style) for strip in strips]
            else:
                plain = made[1]
            made = (index, plain, [strip.apply_meta({"option": index}) for strip in plain])
            self._row_strips[key] = made
        return made[2]

    def _clear_caches(self) -> None:
        self._row_strips.clear()
        super()._clear_caches()

    def row_changed(self, option: Option) -> None:
        """`option` shows something else now: only its own strips are dropped and its lines repainted.
        (OptionList's own way, replacing the prompt, measures every row again: ~40 ms for 1,000.)"""
        index = self._option_to_index.get(option)
        if index is None:
            return
        for key in [key for key in self._row_strips.keys() if key[0] is option]:
            self._row_strips.discard(key)
        self.refresh_lines(index * ROW_LINES, ROW_LINES)
