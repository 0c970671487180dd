"""An OptionList whose rows are all ROW_LINES lines high, made for long lists (10,000 sessions).

OptionList measures every option to learn its height, stores a line map of one tuple per line,
adds options one by one, and drops every row's rendered strips at each change of the list. Rows of
one known height need none of that: the line map is computed, a new set of rows is taken in a few
comprehensions, and a row's strips are kept across changes (only the option index that a click
reads is stamped on them anew). This leans on OptionList's internals (Textual 8, pinned).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual.cache import LRUCache
from textual.geometry import Size, Spacing
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class FixedRowsOptionList(OptionList):
    ROW_LINES: ClassVar[int] = 1  # every option's height; prompts must never wrap (text-wrap: nowrap)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._line_cache = _RowLines(self.ROW_LINES)  # type: ignore[assignment]
        # a row's strips per look (style, padding, width), kept across changes of the list, with
        # the option index that clicks read stamped on them: (index, plain strips, stamped strips)
        self._row_strips: LRUCache[tuple[Option, Style, Spacing, int], tuple[int, list[Strip], list[Strip]]]
        self._row_strips = LRUCache(maxsize=1024 * 2)

    def set_rows(self, rows: Sequence[Option]) -> None:
        """`set_options` for options with unique ids: its bookkeeping in a few comprehensions
        (OptionList adds them one by one: ~15 ms per 10,000, at each change of the list)."""
        self._options[:] = rows
        self._id_to_option = {option._id: option for option in rows if option._id is not None}
        self._option_to_index = {option: index for index, option in enumerate(rows)}
        self._line_cache.clear()  # the rows' strips stay (_get_option_render)
        self.highlighted = None
        self.scroll_y = 0
        if self.is_mounted:
            self.refresh(layout=self.styles.auto_dimensions)
            self._update_lines()

    def row_changed(self, option: Option) -> None:
        """`option` shows something else now: only its strips are dropped and its lines repainted
        (OptionList's own way, replacing the prompt, measures every row again: ~40 ms per 1,000)."""
        index = self._option_to_index.get(option)
        if index is None:
            return
        for key in [key for key in self._row_strips.keys() if key[0] is option]:
            self._row_strips.discard(key)
        self.refresh_lines(index * self.ROW_LINES, self.ROW_LINES)

    def _update_lines(self) -> None:
        # no prompt is measured (OptionList renders each one to learn its height: ~20 ms per
        # 1,000 rows at each change of the list), and the line map is computed (_RowLines)
        if not self.scrollable_content_region:
            return
        rows = len(self._options)
        self._line_cache.rows = rows  # type: ignore[attr-defined]
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, rows * self.ROW_LINES)
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        # as OptionList's (no dividers here), with the strips kept when only the index moved
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


class _RowLines:
    """OptionList's line map (line -> (row, line in row); row -> first line; row -> height) for
    rows of one height: computed, not stored (stored, it is 20,000 tuples for 10,000 two-line
    rows, made again at every change of the list)."""

    def __init__(self, row_lines: int) -> None:
        self.rows = 0
        self.lines = _Computed(self, row_lines, lambda y: divmod(y, row_lines), IndexError)
        self.index_to_line = _Computed(self, 1, lambda index: index * row_lines, KeyError)
        self.heights = _Computed(self, 1, lambda index: row_lines, KeyError)

    def clear(self) -> None:
        self.rows = 0


class _Computed:
    """Read-only indexing over 0 .. rows × per_row - 1 (a sequence raises IndexError past it, a
    mapping KeyError)."""

    def __init__(self, owner: _RowLines, per_row: int, value: Callable[[int], Any], missing: type[LookupError]):
        self._owner, self._per_row, self._value, self._missing = owner, per_row, value, missing

    def __len__(self) -> int:
        return self._owner.rows * self._per_row

    def __getitem__(self, at: int) -> Any:
        if not 0 <= at < len(self):
            raise self._missing(at)
        return self._value(at)
