"""Search every session by content: type, and the matches list as you go (session, snippet with the
matched words marked, age); Enter opens the session at the matching message.

Where the server has no search index, the histories are scanned here and a progress bar shows how
far. A new keystroke cancels the search before it (only the newest query's answer is shown).
Dismisses with a `SearchPick` or None. Everything shown comes from the server: cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from mix_tui.protocol.models import SearchHit
from mix_tui.tui.session.search import SearchUpdate, SessionSearch
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.session_list import relative_time, utc_now

DEBOUNCE = 0.15  # seconds of quiet typing before a query goes out
# markdown punctuation that only says how text looks (fences, code ticks, bold, headings, quotes):
# a one-line snippet reads better without it
_MARKUP = re.compile(r"```[\w+-]*|`|\*\*|__|(?:^|(?<=\s))(?:#{1,6}|>)(?=\s)")


@dataclass(frozen=True, slots=True)
class SearchPick:
    session_id: str
    message_id: str


def readable_snippet(snippet: str, marks: Sequence[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without markdown markup and the spaces it leaves doubled; the marks move with the
    text they mark."""
    dropped = [False] * len(snippet)
    for match in _MARKUP.finditer(snippet):
        dropped[match.start() : match.end()] = [True] * (match.end() - match.start())
    kept: list[str] = []
    new_index = [0] * (len(snippet) + 1)  # where each character of the snippet lands
    for i, char in enumerate(snippet):
        new_index[i] = len(kept)
        if not dropped[i] and not (char.isspace() and (not kept or kept[-1].isspace())):
            kept.append(char)
    new_index[len(snippet)] = len(kept)
    moved = [(new_index[start], new_index[end]) for start, end in marks if 0 <= start < end <= len(snippet)]
    return "".join(kept).rstrip(), [(start, end) for start, end in moved if start < end]


def hit_label(hit: SearchHit, now: datetime) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(clean(hit.session_title) or "Untitled session", "bold")
    age = relative_time(hit.created_at, now)
    text.append(f"  {age} · {'you' if hit.role == 'user' else 'answer'}", "dim")
    text.append("\n  ")
    plain, marks = readable_snippet(clean(hit.snippet), hit.highlights)
    snippet = Text(plain)
    for start, end in marks:
        snippet.stylize("bold black on yellow", start, end)
    text.append_text(snippet)
    return text


def status_line(update: SearchUpdate, query: str) -> Text:
    if not query.strip():
        return Text("Type words to find in every session's prompts and answers.", "dim")
    if update.error and not update.hits:
        return Text(f"Search failed: {clean(update.error)}", "red")
    count = f"{update.total} match{'es' if update.total != 1 else ''}"
    if update.total > len(update.hits):
        count += f" (the best {len(update.hits)} shown)"
    if not update.finished:
        return Text(f"{count} so far · reading {update.done}/{update.of} sessions…", "yellow")
    source = "server index" if update.server else f"scanned {update.of} sessions here (this server has no search)"
    took = f" · {update.took_ms:.0f} ms" if update.took_ms is not None else ""
    note = f" · {clean(update.error)}" if update.error else ""
    return Text(f"{count}{took} · {source}{note}", "dim")


class SearchScreen(ModalScreen[SearchPick | None]):
    CSS_PATH = Path(__file__).with_name("search.tcss")
    AUTO_FOCUS = "#search-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, search: SessionSearch, query: str = "", *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.search = search
        self.initial = query
        self.query_text = ""
        self.hits: list[SearchHit] = []
        self._now = clock or utc_now
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Search all sessions"
            box.border_subtitle = "Enter opens · ↓ to the results · Esc closes"
            yield Input(self.initial, placeholder="words to find, e.g. parser error", id="search-input")
            yield Static(status_line(SearchUpdate(), ""), id="search-status")
            yield ProgressBar(show_eta=False, show_percentage=False, id="search-progress")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        if self.initial.strip():
            self._run(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(DEBOUNCE, lambda: self._run(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one(OptionList)
        if self.hits:
            self._pick(results.highlighted if results.highlighted is not None else 0)

    def on_key(self, event: events.Key) -> None:
        results = self.query_one(OptionList)
        if event.key == "down" and self.query_one(Input).has_focus and self.hits:
            event.stop()
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        if 0 <= index < len(self.hits):
            hit = self.hits[index]
            self.dismiss(SearchPick(hit.session_id, hit.message_id))

    @work(exclusive=True, group="search", exit_on_error=False)
    async def _run(self, query: str) -> None:
        self.query_text = query
        progress = self.query_one(ProgressBar)
        async for update in self.search.run(query):
            self._show(update, query)
            progress.display = not update.finished and update.of > 0
            if progress.display:
                progress.update(total=update.of, progress=update.done)

    def _show(self, update: SearchUpdate, query: str) -> None:
        self.query_one("#search-status", Static).update(status_line(update, query))
        results = self.query_one(OptionList)
        if update.hits == self.hits and update.finished is False:
            return
        self.hits = list(update.hits)
        now = self._now()
        results.set_options(Option(hit_label(hit, now)) for hit in self.hits)
        if self.hits:
            results.highlighted = 0

    def action_close(self) -> None:
        self.dismiss(None)
