"""An assistant message's answer: its markdown as a column of blocks, each rendered once to lines.

One widget per answer, drawn line by line (Textual's line API): the markdown is split into top-level
blocks (widgets/markdown_blocks.py) and each block is rendered to lines once per width. While an
answer streams, new text only ever changes its last block, so a frame re-renders that block and
the new ones; every block before it keeps its lines. Textual's own `Markdown` mounts a widget tree
per block and lays them all out again on every frame the answer grows: 12 ms a block here, and a
20,000-token answer stalled the app for seconds per frame.

The work is paced: text that arrives faster than it can be drawn waits as data, and each frame
parses and renders for at most `STEP_SECONDS`, so typing and scrolling stay live while a long
answer catches up. A block is rendered when it comes on screen or, in the background, a few per
frame; until then its height is estimated. After a resize only what is on screen is rendered at
once. Model text is data: cleaned of control characters before the markdown parser sees it.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from mix_tui.tui.session.code_blocks import code_blocks
from mix_tui.tui.widgets.markdown_blocks import (
    BLOCK_GAP,
    estimate_height,
    painter_for,
    split_blocks,
)
from mix_tui.tui.widgets.safe_text import clean
from mix_tui.tui.widgets.selection import highlighted
from mix_tui.tui.widgets.typing import (
    QUIET_SECONDS,
    TYPING_RELAYOUT_SECONDS,
    TYPING_STEP_SECONDS,
    typing_priority,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it.token import Token


@dataclass(slots=True, eq=False)
class Block:
    start: int  # its first source line
    end: int  # one past its last
    source: str
    height: int = 1  # exact once rendered at the column's width, else an estimate
    width: int = 0  # the width it was last rendered at (its height is exact at that width)
    lines: Sequence[list[Segment]] | None = None  # those lines, while kept
    tokens: list[Token] | None = None  # its parse, until it is first rendered
    index: int = -1  # its place in the column (-1: no longer in it)


class AnswerMarkdown(Widget):
    """One assistant message's answer; streamed while live, rendered whole from history."""

    DEFAULT_CSS = """
    AnswerMarkdown {
        width: 1fr;
        height: auto;
        padding: 0 1 0 2;
    }
    """

    STEP_SECONDS = 0.008  # parsing and rendering at a time, at most (then the loop runs others)
    BACKLOG_RELAYOUT_SECONDS = 1 / 15  # with text still to draw, the column grows this often
    STEP_LINES = 60  # source lines parsed at a time
    SYNC_PARSE_LINES = 400  # a finished answer up to this long is parsed whole when first laid out
    KEEP_STRIPS = 256  # lines as drawn (strips), kept for the next refresh: about three screens
    KEEP_LINES = 1500  # rendered lines kept; the blocks drawn longest ago let theirs go (a block
    # is rendered again in ~1 ms when it comes back on screen, its height is known)

    def __init__(self, text: str, *, live: bool) -> None:
        super().__init__(classes="answer")
        self.written = ""
        self.live = live
        self._source: list[str] = []  # the cleaned markdown, line by line (line ends kept)
        self._blocks: list[Block] = []
        self._parsed = 0  # source lines split into blocks so far
        self._changed_from = 0  # the first source line changed since it was parsed
        self._open = False  # the last block may still grow (new text parses with it)
        self._width = 0  # the width blocks are rendered at (0: not laid out yet)
        self._tops: list[int] = []  # each block's first line in the column
        self._tops_valid = 0  # blocks before this index have the right top
        self._stepping = False
        self._relayout = False
        self._laid_out_at = 0.0
        self._todo: list[Block] = []  # blocks to render at the current width, the next one last
        self._kept: dict[Block, None] = {}  # blocks whose lines are kept, least recently drawn first
        self._kept_lines = 0
        self._rich_base: Style | None = None
        self._strips: dict[tuple[Block, int], Strip] = {}  # lines drawn lately (Textual draws them again on every refresh)
        if text:
            self._add(clean(text))
            self.written = text

    # ---- what the message gives it -----------------------------------------------------------

    async def set_text(self, text: str, *, live: bool) -> None:
        if text != self.written:
            if text.startswith(self.written):
                self._add(clean(text[len(self.written) :]))
            else:  # rewritten (history differs from the live preview): start over
                self._source, self._blocks, self._parsed, self._open = [], [], 0, False
                self._kept, self._kept_lines, self._tops_valid, self._todo = {}, 0, 0, []
                self._add(clean(text))
            self.written = text
        self.live = live
        self._kick()

    async def finish(self) -> None:
        """The answer is complete: its last block is final too."""
        self.live = False
        self._kick()

    @property
    def caught_up(self) -> bool:
        """Everything written is parsed and laid out: a frame from now on shows all of it."""
        return not self._parse_pending() and not self._relayout

    @property
    def settled(self) -> bool:
        """Caught up, and every block rendered at the current width (every height exact)."""
        return self.caught_up and (not self._width or self._next_stale() is None)

    @property
    def source(self) -> str:
        """The markdown shown (cleaned)."""
        return "".join(self._source)

    def code_blocks(self) -> list[tuple[str, str]]:
        """The answer's code blocks as shown: (language or "", code)."""
        return [(block.language, block.code) for block in code_blocks(self.source)]

    @property
    def block_count(self) -> int:
        return len(self._blocks)

    def _add(self, text: str) -> None:
        if not text:
            return
        changed = len(self._source)
        if self._source and not self._source[-1].endswith("\n"):
            changed -= 1
            text = self._source.pop() + text
        self._source.extend(text.splitlines(keepends=True))
        self._changed_from = min(self._changed_from, changed)

    # ---- the paced work ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self._kick()

    def _kick(self) -> None:
        if not self._stepping and self.is_mounted:
            self._stepping = True
            self.call_later(self._step)

    def _step(self) -> None:
        """Parse and render for at most STEP_SECONDS, then let the loop run others (keys, the
        stream, frames) before the next step. While text is still waiting, the new height is
        laid out at most BACKLOG_RELAYOUT_SECONDS apart: a full repaint of the transcript costs
        more than the drawing it would show. While the user types, keys come first
        (widgets/typing.py): no work until a key's echo is painted, then shorter steps and rarer
        layouts."""
        self._stepping = False
        if not self.is_attached:
            return
        priority = typing_priority(self.app)
        if priority.echo_pending:
            priority.after_echo(self._kick)
            return
        typing = priority.typing
        now = time.perf_counter()
        deadline = now + (TYPING_STEP_SECONDS if typing else self.STEP_SECONDS)
        while self._parse_pending() and time.perf_counter() < deadline:
            self._parse_window()
        if self._width:
            self._render_stale(deadline)
        backlog = self._parse_pending()
        gap = TYPING_RELAYOUT_SECONDS if typing else self.BACKLOG_RELAYOUT_SECONDS if backlog else 0.0
        due = self._laid_out_at + gap - now
        if due <= 0:
            self._apply_heights()
        if backlog or (self._width and self._next_stale() is not None):
            self._step_in(0.001)
        elif self._relayout:  # drawn, its growth laid out when due
            self._step_in(min(due, QUIET_SECONDS))

    def _step_in(self, seconds: float) -> None:
        self._stepping = True
        self.set_timer(max(0.001, seconds), self._step, name="answer step")

    def _parse_pending(self) -> bool:
        return self._changed_from < len(self._source) or self._parsed < len(self._source) or (
            self._open and not self.live
        )

    def _parse_window(self) -> None:
        """Split the next STEP_LINES source lines into blocks (from the start of the last block,
        if it may still grow: new text can change it)."""
        total = len(self._source)
        reuse = len(self._blocks) - 1 if self._open and self._blocks else len(self._blocks)
        start = self._blocks[reuse].start if reuse < len(self._blocks) else self._parsed
        end = min(total, max(self._parsed, start) + self.STEP_LINES)
        old = self._blocks[reuse] if reuse < len(self._blocks) else None
        fresh: list[Block] = []
        for first, last, tokens in split_blocks("".join(self._source[start:end]), start):
            source = "".join(self._source[first:last])
            if old is not None and not fresh and (old.start, old.end, old.source) == (first, last, source):
                fresh.append(old)  # the last block did not change: keep its lines
                continue
            fresh.append(Block(first, last, source, estimate_height(source, self._width or 80), tokens=tokens))
        for dropped in self._blocks[reuse:]:
            if dropped not in fresh:
                dropped.index = -1
                self._keep(dropped, None)
        self._blocks[reuse:] = fresh
        for index, block in enumerate(fresh, start=reuse):
            block.index = index
            if block.width != self._width:
                self._todo.append(block)
        self._tops_valid = min(self._tops_valid, reuse)
        self._relayout = True
        self._parsed = end
        self._changed_from = total
        self._open = bool(fresh) and (end < total or self.live)

    def _next_stale(self) -> Block | None:
        """The next block to render at the current width: the lowest one first (what shows when
        the view follows the bottom; what is on screen elsewhere renders as it is drawn)."""
        todo = self._todo
        while todo and (todo[-1].index < 0 or todo[-1].width == self._width):
            todo.pop()
        return todo[-1] if todo else None

    def _render_stale(self, deadline: float) -> None:
        while time.perf_counter() < deadline and (block := self._next_stale()) is not None:
            self._paint_block(block)

    def _paint_block(self, block: Block) -> None:
        """Render `block` at the current width."""
        lines = painter_for(self.app).render(block.source, self._width, self._base_style(), block.tokens)
        block.tokens = None
        block.width = self._width
        self._keep(block, lines)
        if len(lines) != block.height:
            block.height = len(lines)
            if block.index >= 0:
                self._tops_valid = min(self._tops_valid, block.index)
            self._relayout = True

    def _keep(self, block: Block, lines: Sequence[list[Segment]] | None) -> None:
        """Keep `block`'s lines as the most recently drawn; let the oldest go beyond KEEP_LINES."""
        if block.lines is not None:
            self._kept_lines -= len(block.lines)
            self._kept.pop(block, None)
            if lines is not block.lines:
                for key in [key for key in self._strips if key[0] is block]:
                    del self._strips[key]
        block.lines = lines
        if lines is None:
            return
        self._kept[block] = None
        self._kept_lines += len(lines)
        while self._kept_lines > self.KEEP_LINES and len(self._kept) > 1:
            oldest = next(iter(self._kept))
            self._kept.pop(oldest)
            self._kept_lines -= len(oldest.lines or ())
            oldest.lines = None

    def _apply_heights(self) -> None:
        if self._relayout:
            self._relayout = False
            self._laid_out_at = time.perf_counter()
            self.refresh(layout=True)

    # ---- layout ------------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self.live and self._parsed == 0 and len(self._source) <= self.SYNC_PARSE_LINES:
            # an answer from history: its blocks at once, so its first layout has their heights
            # (else it is laid out empty, and again for every step that parses it)
            while self._parse_pending():
                self._parse_window()
            self._relayout = False
        if width != self._width and width > 0:
            self._width = width
            for block in self._blocks:
                if block.width != width:
                    block.height = estimate_height(block.source, width)
            self._todo = list(self._blocks)
            self._tops_valid = 0
            self._kick()
        return self._column_height()

    def _column_height(self) -> int:
        if not self._blocks:
            return 0
        self._update_tops()
        return self._tops[-1] + self._blocks[-1].height

    def _update_tops(self) -> None:
        blocks, tops = self._blocks, self._tops
        del tops[len(blocks) :]
        start = min(self._tops_valid, len(tops))
        y = tops[start - 1] + blocks[start - 1].height + BLOCK_GAP if start else 0
        for index in range(start, len(blocks)):
            if index < len(tops):
                tops[index] = y
            else:
                tops.append(y)
            y += blocks[index].height + BLOCK_GAP
        self._tops_valid = len(blocks)

    def _base_style(self) -> Style:
        """`rich_style`, kept until the styles change (it walks every ancestor's styles: it was a
        tenth of a long answer's cost)."""
        if self._rich_base is None:
            self._rich_base = self.rich_style
        return self._rich_base

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rich_base = None
        for block in self._blocks:  # another theme: every block's colours are stale
            block.width = 0
        self._todo = list(self._blocks)
        if self.is_mounted:
            self.refresh()
            self._kick()

    # ---- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        found = self._locate(y)
        if found is None:
            return Strip.blank(width, self._base_style())
        block, row = found
        key = (block, row)
        line = self._strips.pop(key, None)
        if line is None or line.cell_length != width:
            line = self._strip(block, row, width, y)
            if line is None:
                return Strip.blank(width, self._base_style())
        self._strips[key] = line  # the most recent
        if len(self._strips) > self.KEEP_STRIPS:
            del self._strips[next(iter(self._strips))]
        selection = self.text_selection
        if selection is not None:
            line = highlighted(line, selection.get_span(y), self.screen.get_component_rich_style("screen--selection"))
        return line

    def _strip(self, block: Block, row: int, width: int, y: int) -> Strip | None:
        segments = self._segments(block, row)
        if segments is None:
            return None
        line = Strip(segments, self._width)
        if self._width != width:
            line = line.crop_extend(0, width, self._base_style())
        return line.apply_offsets(0, y)

    def _locate(self, y: int) -> tuple[Block, int] | None:
        """The block at line `y` of the column and the row in it (None: above every block)."""
        if not self._blocks:
            return None
        self._update_tops()
        index = bisect.bisect_right(self._tops, y) - 1
        return (self._blocks[index], y - self._tops[index]) if index >= 0 else None

    def _segments(self, block: Block, row: int) -> list[Segment] | None:
        if self._width and (block.width != self._width or block.lines is None):
            self._paint_block(block)  # on screen: render it now (its height settles next frame)
            self.call_later(self._apply_heights)
        elif block.lines is not None and self._kept and next(reversed(self._kept)) is not block:
            self._keep(block, block.lines)  # drawn again: the most recent
        lines = block.lines
        return lines[row] if lines is not None and row < len(lines) else None

    def _line(self, y: int) -> list[Segment] | None:
        found = self._locate(y)
        return self._segments(*found) if found is not None else None

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(
            "".join(segment.text for segment in line).rstrip() if (line := self._line(y)) else ""
            for y in range(self._column_height())
        )
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
