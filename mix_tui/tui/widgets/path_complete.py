"""`@path` completion for the composer: the working directory's files that fuzzily match what follows
the `@` being typed, in a short list above the box.

Tab or Enter puts the highlighted path in (a directory keeps the list open for its contents), Up and
Down move, Esc closes. The composer hands its keys here first while the list shows (`take_key`);
the screen calls `update_for` when the composer's text changes. The paths come from a `PathIndex`
listed off the UI loop, read again when a new `@` starts and the listing is a few seconds old.
"""

from __future__ import annotations

import asyncio
import re
import time

from rich.text import Text
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from mix_tui.tui.session.paths import PathIndex
from mix_tui.tui.widgets.safe_text import clean

_TOKEN = re.compile(r"(?:^|(?<=\s))@(\S*)$")
STALE_AFTER = 5.0  # seconds before a new `@` lists the directory again
MAX_SUGGESTIONS = 8


def mention_at_cursor(area: TextArea) -> tuple[int, int, str] | None:
    """(row, column where the `@` is, the query after it) when the cursor ends an `@token`."""
    row, column = area.cursor_location
    before = area.document.get_line(row)[:column]
    match = _TOKEN.search(before)
    if match is None:
        return None
    return row, match.start(), match.group(1)


class PathSuggestions(OptionList):
    DEFAULT_CSS = """
    PathSuggestions {
        height: auto;
        max-height: 9;
        margin: 0 1;
        border: round $accent 60%;
        background: $surface;
        display: none;
    }
    """

    def __init__(self, index: PathIndex, *, id: str | None = "path-suggestions") -> None:
        super().__init__(id=id)
        self.can_focus = False  # the composer keeps the focus; it hands over the keys
        self.index = index
        self.target: TextArea | None = None
        self._token: tuple[int, int, str] | None = None
        self._listed_at = 0.0
        self._listing = False

    @property
    def showing(self) -> bool:
        return bool(self.display)

    async def refresh_index(self) -> None:
        if self._listing:
            return
        self._listing = True
        try:
            await asyncio.to_thread(self.index.load)
            self._listed_at = time.monotonic()
        finally:
            self._listing = False
        if self.target is not None:
            self.update_for(self.target)

    def update_for(self, area: TextArea) -> None:
        """The composer's text or cursor changed: show, update or hide the list."""
        self.target = area
        token = mention_at_cursor(area)
        starting = token is not None and (self._token is None or self._token[:2] != token[:2])
        self._token = token
        if token is None:
            self.hide()
            return
        if starting and time.monotonic() - self._listed_at > STALE_AFTER:
            self.run_worker(self.refresh_index(), exclusive=True, group="path-index")
        found = self.index.suggest(token[2], MAX_SUGGESTIONS) if self.index.loaded else []
        if not found:
            self.hide()
            return
        self.set_options(Option(Text(clean(path)), id=path) for path in found)
        self.highlighted = 0
        self.display = True

    def hide(self) -> None:
        self.display = False

    def take_key(self, key: str) -> bool:
        """True when the key was the list's (the composer must not act on it)."""
        if not self.showing:
            return False
        if key == "escape":
            self.hide()
        elif key == "down":
            self.action_cursor_down()
        elif key == "up":
            self.action_cursor_up()
        elif key in ("tab", "enter"):
            self.accept()
        else:
            return False
        return True

    def accept(self) -> None:
        option = self.highlighted_option
        area, token = self.target, self._token
        if option is None or option.id is None or area is None or token is None:
            self.hide()
            return
        row, start, query = token
        path = option.id.replace(" ", "\\ ")
        end = (row, start + 1 + len(query))
        insert = f"@{path}" + ("" if path.endswith("/") else " ")
        area.replace(insert, (row, start), end)
        if path.endswith("/"):
            self.update_for(area)  # into the directory
        else:
            self.hide()
