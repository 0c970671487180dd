"""The conversation view: every item is kept as data, only a window at the bottom is mounted.

A finished assistant message is ~16 widgets, and hundreds of mounted messages stall streaming
(DESIGN.md §6): every frame in which the live answer grows re-lays out every mounted widget. So the
transcript mounts only about `SCREENS` screens of content at the bottom (estimated from the text);
scrolling to the top (or clicking the "earlier messages" line) mounts another page above without
moving the view, and when the window has grown large while the user is back at the bottom, the
oldest widgets are let go again.

Following the stream uses Textual's anchor: the view sticks to the bottom while it is there;
scrolling up releases it until the user returns to the bottom. Content that arrives meanwhile shows
a "↓ new messages" bar docked at the bottom of the view; `follow()` (a send, Ctrl+End, a click on
the bar) or scrolling down by hand clears it.

A cursor can select one message (a prompt or an answer): ↑/↓ or k/j while the transcript has the
focus, or a click; the selected widget carries the CSS class `-selected`, and a selected item that is
not mounted is mounted first (`reveal`). Find marks matching messages `-find-match` and the current
one `-find-current`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from mix_tui.tui.session.items import AssistantItem, Item, NoteItem, TextView, UserItem
from mix_tui.tui.widgets.message import AssistantMessage, NoteMessage, UserMessage
from mix_tui.tui.widgets.paint_now import paint_scroll_now
from mix_tui.tui.widgets.thinking import ThinkingPanel
from mix_tui.tui.widgets.tool_call import ToolCallPanel

ItemWidget = UserMessage | AssistantMessage | NoteMessage
Panel = ThinkingPanel | ToolCallPanel


class EarlierMessages(Static):
    """The line at the top that stands for the items not mounted."""


class LaterMessages(Static):
    """The line at the bottom that stands for the items below the window (the user reads above)."""


class EmptyHint(Static):
    """Shown while a chat has no messages."""


class NewMessages(Static):
    """Docked at the bottom of the view while content arrived below it (the user reads above)."""


NEW_MESSAGES = "↓ new messages · Ctrl+End or click to jump to the bottom"
# short lines: the hint must not wrap (orphan words) in the ~37 columns left at 80 columns
EMPTY_HINT = "A new chat: type below, press Enter.\nEsc cancels a turn · Ctrl+N new chat\nF1 lists every key"


class Transcript(VerticalScroll, can_focus=True, can_focus_children=False):
    """The panels inside are focusable but not Tab stops: Ctrl+Up / Ctrl+Down or [ / ] reach them."""

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
    }
    Transcript > .empty-hint {
        width: 1fr;
        margin: 2 1;
        color: $text-muted;
        text-align: center;
    }
    Transcript > NewMessages {
        dock: bottom;
        width: 1fr;
        height: 1;
        content-align: center middle;
        background: $accent 40%;
        color: $text;
    }
    Transcript > .earlier, Transcript > .later {
        width: 1fr;
        content-align: center middle;
        color: $text-muted;
        height: 1;
    }
    /* marks that move nothing (a click's target must stay under the mouse): a background, and the
       colour of a border the message already has */
    Transcript > .-find-match {
        background: $warning 8%;
    }
    Transcript > .-selected {
        background: $accent 14%;
    }
    Transcript > UserMessage.-selected {
        border-left: tall $accent;
    }
    Transcript > .-find-current {
        background: $warning 18%;
    }
    Transcript > UserMessage.-find-current {
        border-left: tall $warning;
    }
    Transcript > NoteMessage.-find-current {
        border-left: outer $warning;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("bracketleft", "screen.panel(-1)", "Previous panel", key_display="[", show=False),
        Binding("bracketright", "screen.panel(1)", "Next panel", key_display="]", show=False),
        Binding("up,k", "select_step(-1)", "Previous message", key_display="↑/k", show=False),
        Binding("down,j", "select_step(1)", "Next message", key_display="↓/j", show=False),
        Binding("escape", "clear_selection", "Clear the selection", show=False),
    ]

    SCREENS = 3.0  # content mounted below the fold, in screen heights
    PAGE_SCREENS = 2.0  # content mounted per "load earlier"
    TRIM_SCREENS = 10.0  # beyond this (while following), the oldest widgets go
    KEEP_SCREENS = 8.0  # while reading back, the window holds about this much; the far end goes
    MIN_ITEMS = 4
    MAX_ITEMS = 40
    AHEAD_PAGES = 2  # the next page is mounted when the reader is this many pages from the window's end
    REVEAL_PAGES = 3  # an item further than this many pages away gets a window of its own

    def __init__(self, *, id: str | None = "transcript") -> None:
        super().__init__(id=id)
        self.items: list[Item] = []
        self._first = 0  # index in `items` of the first mounted item
        self._widgets: dict[str, ItemWidget] = {}
        self._earlier = EarlierMessages(classes="earlier")
        self._later = LaterMessages(classes="later")
        self._cut: str | None = None  # the key of the last item mounted, when later ones are not
        self._hint = EmptyHint(Text(EMPTY_HINT), classes="empty-hint")
        self._new = NewMessages(Text(NEW_MESSAGES))
        # held while the window changes (a page above or below, a remount): one change at a time,
        # and none is cancelled halfway (that would leave widgets made but not mounted)
        self._window = asyncio.Lock()
        self._placing = False  # the view is being kept in place after the window changed
        self.selected: str | None = None  # the key of the selected item
        self._found: set[str] = set()  # keys of items with a find match
        self._found_current: str | None = None
        self._auto_follow = True

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._new
        yield self._hint
        yield self._earlier
        yield self._later

    def on_mount(self) -> None:
        self._earlier.display = False
        self._later.display = False
        self._new.display = False
        self.anchor()

    # ---- state -------------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """True while the view sticks to the bottom."""
        return self.is_anchored and not self._anchor_released

    @property
    def mounted_count(self) -> int:
        return len(self._widgets)

    def widget_for(self, key: str) -> ItemWidget | None:
        return self._widgets.get(key)

    # ---- following the bottom ----------------------------------------------------------------

    @property
    def auto_follow(self) -> bool:
        """Follow-mode (config.toml `follow`): stick to the bottom while an answer streams in."""
        return self._auto_follow

    @auto_follow.setter
    def auto_follow(self, value: bool) -> None:
        self._auto_follow = value
        if not value:
            self.anchor(False)

    def follow(self) -> None:
        """Jump to the bottom and (in follow-mode) stick there again (a send, Ctrl+End, the bar)."""
        self._new.display = False
        if self._cut is not None:  # the bottom is not mounted: mount the last window again
            self.run_worker(self._remount(at_top=False), group="window")
            return
        self._stick()

    def _stick(self) -> None:
        if self._auto_follow:
            self.anchor()
        else:
            self.scroll_end(immediate=True, animate=False)

    def _check_anchor(self) -> None:
        # the bottom of a window that ends above the last item is not the bottom: no following there
        if self._cut is None:
            super()._check_anchor()

    def action_scroll_end(self) -> None:
        # End jumps at once and follows again (the default animates and leaves x alone)
        self.follow()

    def action_scroll_home(self) -> None:
        """Home: the very first message, at once (the window moves there)."""
        if self._first > 0:
            self.run_worker(self._remount(at_top=True), group="window")
        else:
            self.scroll_home(animate=False)

    def action_page_up(self) -> None:
        # a page at once (held keys never queue animations); pages above are mounted ahead of the
        # reader (watch_scroll_y), so only at the window's very top does a key wait for one
        if self._first > 0 and self.scroll_y <= 0:
            self.run_worker(self._page_after(-1), group="page")
        else:
            self._page_now(-1)

    def action_page_down(self) -> None:
        if self._cut is not None and self.scroll_y >= self.max_scroll_y:
            self.run_worker(self._page_after(1), group="page")
        else:
            self._page_now(1)

    def _page_now(self, direction: int) -> None:
        """A page up (-1) or down (+1), shown sooner: Textual scrolls a page after the next
        refresh and paints it at the frame tick after that; that refresh is made now, and the
        page painted once it is applied. (Scrolling at once instead, before that refresh, could
        leave the view stuck where the window had just changed.)"""
        if direction < 0:
            self.scroll_page_up(animate=False)
        else:
            self.scroll_page_down(animate=False)
        paint_scroll_now(self)  # the refresh the scroll waits for
        self.call_after_refresh(paint_scroll_now, self)  # queued after the scroll itself

    async def _page_after(self, direction: int) -> None:
        """Mount the next page (above: -1, below: +1), then move a page there."""
        await (self.load_later() if direction > 0 else self.load_earlier())
        page = self.scroll_page_down if direction > 0 else self.scroll_page_up
        self.call_after_refresh(lambda: page(animate=False))

    def _arrived(self) -> None:
        """New content was added: point at it when the user is reading above."""
        if not self.following and not self._new.display:
            self._new.display = True

    # ---- panels ------------------------------------------------------------------------------

    def panels(self) -> list[Widget]:
        """The mounted thinking and tool panels, top to bottom."""
        return [w for w in self.query("ThinkingPanel, ToolCallPanel") if w.display]

    def panel_near(self, panels: list[Widget], step: int) -> Widget:
        """Where panel navigation starts from outside: the last (step -1) or first (+1) panel on
        screen; with none on screen, the nearest one above (-1) or below (+1) the view."""
        view = self.region
        visible = [p for p in panels if view.overlaps(p.region)]
        if visible:
            return visible[-1] if step < 0 else visible[0]
        if step < 0:
            above = [p for p in panels if p.region.y < view.y]
            return above[-1] if above else panels[0]
        below = [p for p in panels if p.region.y >= view.bottom]
        return below[0] if below else panels[-1]

    def focus_panel(self, panel: Widget) -> None:
        """Focus a panel and scroll just enough to show its header (never re-centre the view)."""
        panel.focus(scroll_visible=False)
        header = panel.children[0] if panel.children else panel
        self.scroll_to_widget(header, animate=False, immediate=True)

    # ---- updates -----------------------------------------------------------------------------

    async def reset(self, items: Sequence[Item]) -> None:
        """Show another session: drop every widget, mount the last window."""
        await self._finish_all()
        self.selected, self._found, self._found_current = None, set(), None
        self.items = list(items)
        await self._mount_window(self._start_for(len(self.items), self.SCREENS), len(self.items))
        self.follow()

    async def _mount_window(self, start: int, end: int) -> None:
        """Drop every widget and mount items[start:end]."""
        async with self._window:
            await self._mount_window_now(start, end)

    async def _mount_window_now(self, start: int, end: int) -> None:
        old = list(self._widgets.values())
        self._widgets = {}
        self._first = start
        self._cut = self.items[end - 1].key if 0 < end < len(self.items) else None
        if self._cut is not None and self.following:
            self.release_anchor()  # the view stays where it is put, not at the window's bottom
        with self.app.batch_update():
            if old:
                await self.remove_children(old)
            fresh = [self._make(item) for item in self.items[start:end]]
            if fresh:
                await self.mount_all(fresh, before=self._later)
        self._update_earlier()

    async def _remount(self, *, at_top: bool) -> None:
        """Move the window to the first (Home) or the last (End, a send) items."""
        if at_top:
            await self._mount_window(0, self._end_for(0, self.SCREENS))
            self.scroll_home(animate=False, immediate=True)
        else:
            await self._mount_window(self._start_for(len(self.items), self.SCREENS), len(self.items))
            self._new.display = False
            self._stick()

    async def set_items(self, items: Sequence[Item]) -> None:
        """Reconcile with a new item list by key (a resync, a reload after a turn)."""
        new_items = list(items)
        if new_items and (not self.items or new_items[-1] != self.items[-1]):
            self._arrived()
        if self._cut is not None:
            await self._set_items_cut(new_items)
            return
        index = {item.key: i for i, item in enumerate(new_items)}
        mounted_indexes = [index[key] for key in self._widgets if key in index]
        tail_start = self._start_for(len(new_items), self.SCREENS, new_items)
        first = min(min(mounted_indexes), tail_start) if mounted_indexes else tail_start
        window = new_items[first:]
        # the data first: readers see the new list while the widgets catch up
        self.items = new_items
        self._first = first
        if self.selected is not None and self.selected not in index:
            self.selected = None  # its message is gone (a rewind)
        keep_keys = {item.key for item in window}
        stale = [w for key, w in self._widgets.items() if key not in keep_keys]
        for widget in stale:
            if isinstance(widget, AssistantMessage):
                await widget.finish()
        if stale:
            await self.remove_children(stale)
        self._widgets = {k: w for k, w in self._widgets.items() if k in keep_keys}
        previous: Widget = self._earlier
        for item in window:
            existing = self._widgets.get(item.key)
            if existing is not None and _same_kind(existing, item):
                await existing.sync(item)  # type: ignore[arg-type]
                previous = existing
                continue
            if existing is not None:
                await existing.remove()
            fresh = self._make(item)
            await self.mount(fresh, after=previous)
            previous = fresh
        self._update_earlier()
        await self._trim()

    async def _set_items_cut(self, new_items: list[Item]) -> None:
        """The user reads above a window that does not reach the end: the mounted items are brought
        up to date, the rest is data until the window comes back down."""
        keys = {item.key: item for item in new_items}
        self.items = new_items
        gone = [w for key, w in self._widgets.items() if key not in keys]
        if gone:
            await self.remove_children(gone)
        self._widgets = {k: w for k, w in self._widgets.items() if k in keys}
        for key, widget in self._widgets.items():
            item = keys[key]
            if _same_kind(widget, item):
                await widget.sync(item)  # type: ignore[arg-type]
        mounted = [i for i, item in enumerate(new_items) if item.key in self._widgets]
        if not mounted:
            await self._remount(at_top=False)
            return
        self._first = mounted[0]
        self._cut = new_items[mounted[-1]].key if mounted[-1] + 1 < len(new_items) else None
        self._update_earlier()

    async def update_tail(self, tail: Sequence[Item]) -> None:
        """The hot path while streaming: only the live items at the end change."""
        if tail:
            self._arrived()
        if self._cut is not None:  # the end is not mounted: the live items are data until it is
            for item in tail:
                self._replace_item(item)
            return
        for index, item in enumerate(tail):
            widget = self._widgets.get(item.key)
            if widget is not None and _same_kind(widget, item):
                self._replace_item(item)
                await widget.sync(item)  # type: ignore[arg-type]
                continue
            if widget is not None:
                await widget.remove()
            # a prompt can show up after its answer began (we joined mid-turn): keep their order
            later = next((self._widgets[i.key] for i in tail[index + 1 :] if i.key in self._widgets), None)
            self._replace_item(item, before=later.key if later is not None else None)
            widget = self._make(item)
            await self.mount(widget, before=later if later is not None else self._later)
        if self._hint.display and self.items:
            self._hint.display = False
        await self._trim()

    def _replace_item(self, item: Item, before: str | None = None) -> None:
        for i in range(len(self.items) - 1, max(-1, len(self.items) - 8), -1):
            if self.items[i].key == item.key:
                self.items[i] = item
                return
        position = len(self.items)
        if before is not None:
            position = next((i for i, old in enumerate(self.items) if old.key == before), position)
        self.items.insert(position, item)

    # ---- how much to mount -------------------------------------------------------------------

    @property
    def _text_width(self) -> int:
        return max(20, (self.size.width or 100) - 8)

    def _screen_lines(self, screens: float) -> int:
        return int(max(10, self.size.height or 40) * screens)

    def _start_for(self, end: int, screens: float, items: Sequence[Item] | None = None) -> int:
        """Where a window ending at `end` starts to hold about `screens` screens of content."""
        items = self.items if items is None else items
        budget = self._screen_lines(screens)
        start, used = end, 0
        while start > 0 and end - start < self.MAX_ITEMS and (end - start < self.MIN_ITEMS or used < budget):
            start -= 1
            used += estimate_lines(items[start], self._text_width)
        return start

    def _end_for(self, start: int, screens: float) -> int:
        """Where a window starting at `start` ends to hold about `screens` screens of content."""
        budget = self._screen_lines(screens)
        end, used, total = start, 0, len(self.items)
        while (
            end < total and end - start < self.MAX_ITEMS and (end - start < self.MIN_ITEMS or used < budget)
        ):
            used += estimate_lines(self.items[end], self._text_width)
            end += 1
        return end

    def _make(self, item: Item) -> ItemWidget:
        widget: ItemWidget
        if isinstance(item, UserItem):
            widget = UserMessage(item)
        elif isinstance(item, NoteItem):
            widget = NoteMessage(item)
        else:
            widget = AssistantMessage(item)
        self._widgets[item.key] = widget
        widget.set_class(item.key == self.selected, "-selected")
        widget.set_class(item.key in self._found, "-find-match")
        widget.set_class(item.key == self._found_current, "-find-current")
        return widget

    # ---- the selection -----------------------------------------------------------------------

    def selectable(self) -> list[str]:
        """Keys of the messages the cursor moves over: prompts and answers (notes are not stored)."""
        return [item.key for item in self.items if isinstance(item, UserItem | AssistantItem)]

    async def select(self, key: str | None, *, scroll: bool = True) -> None:
        """Select the item `key` (None: nothing), mounting and showing it if it is not."""
        previous = self._widgets.get(self.selected) if self.selected is not None else None
        if previous is not None:
            previous.remove_class("-selected")
        self.selected = key if key is not None and any(i.key == key for i in self.items) else None
        if self.selected is None:
            return
        widget = await self.reveal(self.selected) if scroll else self._widgets.get(self.selected)
        if widget is not None:
            widget.add_class("-selected")

    async def select_step(self, step: int) -> None:
        """Move the selection up (-1) or down (+1); from no selection, up starts at the last message."""
        keys = self.selectable()
        if not keys:
            return
        if self.selected in keys:
            index = max(0, min(len(keys) - 1, keys.index(self.selected) + step))
        else:
            index = len(keys) - 1
        await self.select(keys[index])

    async def action_select_step(self, step: int) -> None:
        await self.select_step(step)

    async def action_clear_selection(self) -> None:
        if self.selected is None:
            raise SkipAction()  # Esc goes on to the screen (cancel a turn, back to the composer)
        await self.select(None)

    async def reveal(self, key: str) -> ItemWidget | None:
        """Mount the item `key` (pages above or below the window when it is near, else a window
        around it), then scroll it into view."""
        index = next((i for i, item in enumerate(self.items) if item.key == key), None)
        for _ in range(self.REVEAL_PAGES):
            if key in self._widgets or index is None:
                break
            if not await (self.load_earlier() if index < self._first else self.load_later()):
                break
        if key not in self._widgets and index is not None:
            half = self._start_for(index, self.SCREENS / 2)
            await self._mount_window(half, self._end_for(index, self.SCREENS))
        widget = self._widgets.get(key)
        if widget is not None:
            # after the refresh: a page just mounted above first keeps the view in place
            self.call_after_refresh(self._show, widget)
        return widget

    def _show(self, widget: Widget) -> None:
        if widget.is_mounted:
            self.scroll_to_widget(
                widget, animate=False, immediate=True, top=widget.outer_size.height > self.size.height
            )

    def mark_found(self, keys: set[str], current: str | None) -> None:
        """Find's marks: items with a match, and the one holding the current match."""
        for key in self._found | keys | {self._found_current, current}:
            widget = self._widgets.get(key) if key is not None else None
            if widget is not None:
                widget.set_class(key in keys, "-find-match")
                widget.set_class(key == current, "-find-current")
        self._found, self._found_current = set(keys), current

    def item_key_at(self, widget: Widget | None) -> str | None:
        """The key of the message widget that `widget` is part of."""
        node = widget
        while node is not None and node is not self:
            if isinstance(node, UserMessage | AssistantMessage | NoteMessage):
                return node.key
            node = node.parent if isinstance(node.parent, Widget) else None
        return None

    async def _finish_all(self) -> None:
        for widget in self._widgets.values():
            if isinstance(widget, AssistantMessage):
                await widget.finish()

    # ---- the window --------------------------------------------------------------------------

    def _update_earlier(self) -> None:
        self._hint.display = not self.items
        self._later.display = self._cut is not None
        if self._cut is not None:
            below = (
                len(self.items) - 1 - next((i for i, it in enumerate(self.items) if it.key == self._cut), 0)
            )
            noun = "message" if below == 1 else "messages"
            self._later.update(Text(f"▼ {below} later {noun} — scroll down or End to show", "dim"))
        self._earlier.display = self._first > 0
        if self._first:
            noun = "message" if self._first == 1 else "messages"
            self._earlier.update(Text(f"▲ {self._first} earlier {noun} — scroll up or click to show", "dim"))

    async def load_earlier(self) -> int:
        """Mount one more page above the window, keeping what is on screen where it is."""
        async with self._window:
            if self._first == 0:
                return 0
            start = self._start_for(self._first, self.PAGE_SCREENS)
            keep_place = self._keeping(self.items[self._first].key)
            page = [self._make(item) for item in self.items[start : self._first]]
            await self.mount_all(page, after=self._earlier)
            self._first = start
            self._update_earlier()
            self.call_after_refresh(keep_place)
            await self._trim_below()
            return len(page)

    def _keeping(self, key: str) -> Callable[[], None]:
        """What keeps the view in place while the window changes around it: the item `key` keeps
        its distance from the view's top (measured on it, not on heights: both ends may change)."""
        widget = self._widgets.get(key)
        offset = widget.virtual_region.y - self.scroll_y if widget is not None else 0

        def keep_place() -> None:
            if widget is not None and widget.is_mounted:
                self._placing = True  # not the reader's move: it must not mount or trim pages in turn
                try:
                    self.scroll_to(y=widget.virtual_region.y - offset, animate=False, immediate=True)
                finally:
                    self._placing = False

        return keep_place

    async def _trim_below(self) -> None:
        """While the user reads back, the window's far end goes beyond KEEP_SCREENS."""
        if self.following:
            return
        end = self._end_for(self._first, self.KEEP_SCREENS)
        mounted_end = len(self.items) if self._cut is None else self._index_of(self._cut) + 1
        if end >= mounted_end:
            return
        doomed = [
            w for item in self.items[end:mounted_end] if (w := self._widgets.pop(item.key, None)) is not None
        ]
        self._cut = self.items[end - 1].key
        if doomed:
            for widget in doomed:
                if isinstance(widget, AssistantMessage):
                    await widget.finish()
            await self.remove_children(doomed)
        self._update_earlier()

    async def _trim_above(self) -> None:
        """While the user reads down (not following), the window's top goes beyond KEEP_SCREENS,
        what is on screen staying put."""
        if self.following:
            return
        mounted_end = len(self.items) if self._cut is None else self._index_of(self._cut) + 1
        start = self._start_for(mounted_end, self.KEEP_SCREENS)
        if start <= self._first:
            return
        keep_place = self._keeping(self.items[start].key)
        doomed = [
            w
            for item in self.items[self._first : start]
            if (w := self._widgets.pop(item.key, None)) is not None
        ]
        self._first = start
        for widget in doomed:
            if isinstance(widget, AssistantMessage):
                await widget.finish()
        if doomed:
            await self.remove_children(doomed)
        self._update_earlier()
        self.call_after_refresh(keep_place)

    async def load_later(self) -> int:
        """Mount one more page below the window (it does not reach the end)."""
        async with self._window:
            if self._cut is None:
                return 0
            start = self._index_of(self._cut) + 1
            end = self._end_for(start, self.PAGE_SCREENS)
            page = [self._make(item) for item in self.items[start:end]]
            await self.mount_all(page, before=self._later)
            self._cut = self.items[end - 1].key if end < len(self.items) else None
            self._update_earlier()
            await self._trim_above()
            return len(page)

    def _index_of(self, key: str) -> int:
        return next(
            (i for i in range(len(self.items) - 1, -1, -1) if self.items[i].key == key), len(self.items) - 1
        )

    async def _trim(self) -> None:
        """Let the oldest widgets go when the window has grown and the user is at the bottom."""
        if not self.following or len(self._widgets) <= self.MIN_ITEMS:
            return
        mounted = self.items[self._first :]
        lines = sum(estimate_lines(item, self._text_width) for item in mounted)
        if lines <= self._screen_lines(self.TRIM_SCREENS) and len(mounted) <= 3 * self.MAX_ITEMS:
            return
        drop_until = self._start_for(len(self.items), self.SCREENS)
        doomed: list[ItemWidget] = []
        for item in self.items[self._first : drop_until]:
            widget = self._widgets.pop(item.key, None)
            if widget is not None:
                doomed.append(widget)
        self._first = drop_until
        if doomed:
            await self.remove_children(doomed)
        self._update_earlier()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)  # re-anchors at the bottom
        if self._new.display and self.following:
            self._new.display = False
        if self._placing:
            return
        page = self.scrollable_content_region.height * self.AHEAD_PAGES
        if new_value < old_value and new_value <= page and self._first > 0:
            # near the top: the next page above is mounted before the user gets there
            if not self._window.locked():
                self.run_worker(self.load_earlier(), group="load-earlier")
        elif new_value > old_value and new_value >= self.max_scroll_y - page and self._cut is not None:
            if not self._window.locked():
                self.run_worker(self.load_later(), group="load-later")

    async def on_click(self, event: events.Click) -> None:
        if event.widget is self._earlier:
            await self.load_earlier()
        elif event.widget is self._later:
            await self.load_later()
        elif event.widget is self._new:
            self.follow()

    async def on_mouse_down(self, event: events.MouseDown) -> None:
        # the press, not the click: a panel header handles (and stops) its own click, and a click on it
        # selects its message too
        key = self.item_key_at(event.widget)
        if key is not None and key in self.selectable():
            await self.select(key, scroll=False)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("tab", "shift+tab") and self.screen.focused is not self:
            # a panel is no Tab stop: step out from the transcript's own place in the order
            self.focus(scroll_visible=False)


def estimate_lines(item: Item, width: int) -> int:
    """Roughly how many terminal lines an item takes (no rendering: it only sizes the window)."""
    if isinstance(item, UserItem | NoteItem):
        return 2 + _wrapped(item.text, width)
    lines = 1
    for part in item.parts:
        lines += _wrapped(part.text, width) if isinstance(part, TextView) else 1
    return lines


def _wrapped(text: str, width: int) -> int:
    return sum(1 + len(line) // width for line in text.splitlines()) or 1


def _same_kind(widget: ItemWidget, item: Item) -> bool:
    if isinstance(item, UserItem):
        return isinstance(widget, UserMessage)
    if isinstance(item, NoteItem):
        return isinstance(widget, NoteMessage)
    return isinstance(widget, AssistantMessage)
